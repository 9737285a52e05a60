package resolvers

import (
	"bytes"
	"encoding/json"
)

// jsonValue decodes a raw custom-field value for the JSON scalar, keeping numbers exact.
func jsonValue(raw json.RawMessage) any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return v
}
