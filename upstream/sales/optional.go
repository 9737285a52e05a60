package sales

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
)

// Optional is one PATCH parameter with three states: omitted (the zero value: the field is
// left unchanged and not sent, given a `json:",omitzero"` tag), set to a value, or explicitly
// null (the field is cleared). Build it with Set or Null.
type Optional[T any] struct {
	value T
	state optState
}

type optState uint8

const (
	optOmitted optState = iota
	optSet
	optNull
)

// Set returns an Optional holding v.
func Set[T any](v T) Optional[T] { return Optional[T]{value: v, state: optSet} }

// Null returns an Optional that sends an explicit null.
func Null[T any]() Optional[T] { return Optional[T]{state: optNull} }

// IsZero reports whether o is omitted; encoding/json's omitzero uses it.
func (o Optional[T]) IsZero() bool { return o.state == optOmitted }

// IsNull reports whether o is an explicit null.
func (o Optional[T]) IsNull() bool { return o.state == optNull }

// IsSet reports whether o holds a value.
func (o Optional[T]) IsSet() bool { return o.state == optSet }

// Get returns the value and whether o holds one.
func (o Optional[T]) Get() (T, bool) { return o.value, o.state == optSet }

// MarshalJSON writes null or the value. A set nil slice or map is written as an empty one, so
// that Set(nil) never turns into a null the caller did not ask for. Encoding an omitted
// Optional is an error rather than a silent null, which would clear the field.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	switch o.state {
	case optNull:
		return []byte("null"), nil
	case optSet:
		b, err := json.Marshal(o.value)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(b, []byte("null")) {
			switch reflect.ValueOf(&o.value).Elem().Kind() {
			case reflect.Slice:
				return []byte("[]"), nil
			case reflect.Map:
				return []byte("{}"), nil
			}
		}
		return b, nil
	}
	return nil, errors.New("sales: an omitted Optional was encoded (missing omitzero tag?)")
}

// UnmarshalJSON reads null as Null and anything else as Set. An absent field leaves o omitted.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Null[T]()
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Set(v)
	return nil
}
