package model

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/shopspring/decimal"
)

// Decimal is the GraphQL Decimal scalar: exact, written as a JSON string.
type Decimal = decimal.Decimal

// MarshalDecimal writes d as a JSON string, so clients never parse it as a float.
func MarshalDecimal(d decimal.Decimal) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(d.String()))
	})
}

// UnmarshalDecimal accepts a string or an integer; a float literal is refused, because by the
// time it reaches us it may already have lost digits.
func UnmarshalDecimal(v any) (decimal.Decimal, error) {
	switch x := v.(type) {
	case string:
		d, err := decimal.NewFromString(x)
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", x)
		}
		return d, nil
	case json.Number:
		d, err := decimal.NewFromString(x.String())
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%q is not a decimal number", x)
		}
		return d, nil
	case int:
		return decimal.NewFromInt(int64(x)), nil
	case int64:
		return decimal.NewFromInt(x), nil
	default:
		return decimal.Decimal{}, fmt.Errorf("a Decimal must be a string such as \"12.50\", got %T", v)
	}
}
