package commercetools

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Predicate is a where filter: an expression whose every value is an input variable. Build it
// with Eq, In, And, Or and Not; the zero value filters nothing. Variable names are assigned when
// the predicate is encoded, so combined predicates never collide.
type Predicate struct{ n *pnode }

type pkind int

const (
	pEq pkind = iota
	pIn
	pAnd
	pOr
	pNot
	pErr
)

type pnode struct {
	kind   pkind
	field  []string // dotted path, split
	values []string
	kids   []*pnode
	err    error
}

// fieldSegment is one identifier of a field path. The pattern is the whole guard that keeps
// caller text out of the expression: nothing but letters, digits and underscores reaches it.
var fieldSegment = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// reserved words of the predicate language cannot be field names: `not = :p0` would not parse
// as a comparison.
var reserved = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true,
	"defined": true, "empty": true, "contains": true, "all": true, "any": true, "within": true,
	"circle": true, "true": true, "false": true}

const maxFieldDepth = 8

func parseField(field string) ([]string, error) {
	parts := strings.Split(field, ".")
	if field == "" || len(parts) > maxFieldDepth {
		return nil, fmt.Errorf("commercetools: predicate field %q is not an identifier or dotted path", field)
	}
	for _, p := range parts {
		if !fieldSegment.MatchString(p) || reserved[strings.ToLower(p)] {
			return nil, fmt.Errorf("commercetools: predicate field %q is not an identifier or dotted path", field)
		}
	}
	return parts, nil
}

// Eq matches resources whose field equals value. A dotted field ("customerGroup.id") descends
// into the nested object.
func Eq(field, value string) Predicate {
	parts, err := parseField(field)
	if err != nil {
		return Predicate{&pnode{kind: pErr, err: err}}
	}
	return Predicate{&pnode{kind: pEq, field: parts, values: []string{value}}}
}

// In matches resources whose field is one of values. values must not be empty.
func In(field string, values []string) Predicate {
	parts, err := parseField(field)
	if err != nil {
		return Predicate{&pnode{kind: pErr, err: err}}
	}
	if len(values) == 0 {
		return Predicate{&pnode{kind: pErr, err: fmt.Errorf("commercetools: In(%q) needs at least one value", field)}}
	}
	return Predicate{&pnode{kind: pIn, field: parts, values: append([]string(nil), values...)}}
}

// And matches when every operand matches. Zero operands are skipped.
func And(ps ...Predicate) Predicate { return combine(pAnd, ps) }

// Or matches when any operand matches. Zero operands are skipped.
func Or(ps ...Predicate) Predicate { return combine(pOr, ps) }

func combine(kind pkind, ps []Predicate) Predicate {
	var kids []*pnode
	for _, p := range ps {
		if p.n != nil {
			kids = append(kids, p.n)
		}
	}
	switch len(kids) {
	case 0:
		return Predicate{}
	case 1:
		return Predicate{kids[0]}
	}
	return Predicate{&pnode{kind: kind, kids: kids}}
}

// Not matches when p does not. Not of the zero Predicate is an error: "not everything" would
// silently match nothing.
func Not(p Predicate) Predicate {
	if p.n == nil {
		return Predicate{&pnode{kind: pErr, err: errors.New("commercetools: Not of an empty predicate")}}
	}
	return Predicate{&pnode{kind: pNot, kids: []*pnode{p.n}}}
}

// IsZero reports whether p filters nothing.
func (p Predicate) IsZero() bool { return p.n == nil }

// Encode renders p as a where expression and its input variables (keys without the "var."
// prefix). The zero Predicate encodes as "" with no variables. It fails when a builder was given
// a bad field name or an empty list.
func (p Predicate) Encode() (string, url.Values, error) {
	if p.n == nil {
		return "", nil, nil
	}
	var b strings.Builder
	vars := url.Values{}
	n := 0
	if err := p.n.render(&b, vars, &n); err != nil {
		return "", nil, err
	}
	return b.String(), vars, nil
}

// String is the expression alone, for logs: values are not in it.
func (p Predicate) String() string {
	s, _, err := p.Encode()
	if err != nil {
		return "<invalid predicate: " + err.Error() + ">"
	}
	return s
}

func (n *pnode) render(b *strings.Builder, vars url.Values, seq *int) error {
	switch n.kind {
	case pErr:
		return n.err
	case pEq, pIn:
		name := "p" + strconv.Itoa(*seq)
		*seq++
		last := len(n.field) - 1
		for _, f := range n.field[:last] {
			b.WriteString(f)
			b.WriteByte('(')
		}
		b.WriteString(n.field[last])
		if n.kind == pEq {
			b.WriteString(" = :")
		} else {
			b.WriteString(" in :")
		}
		b.WriteString(name)
		b.WriteString(strings.Repeat(")", last))
		vars[name] = append([]string(nil), n.values...)
	case pAnd, pOr:
		op := " and "
		if n.kind == pOr {
			op = " or "
		}
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(op)
			}
			b.WriteByte('(')
			if err := k.render(b, vars, seq); err != nil {
				return err
			}
			b.WriteByte(')')
		}
	case pNot:
		b.WriteString("not(")
		if err := n.kids[0].render(b, vars, seq); err != nil {
			return err
		}
		b.WriteByte(')')
	}
	return nil
}
