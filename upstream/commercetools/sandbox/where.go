package sandbox

import (
	"fmt"
	"slices"
	"strings"
)

// The where language, as far as the simulator speaks it:
//
//	expr       := and ("or" and)*
//	and        := unary ("and" unary)*
//	unary      := "not" "(" expr ")" | "(" expr ")" | comparison
//	comparison := field "(" expr ")"                 nested object (any element of an array)
//	            | field ("=" | "!=" | "<>") value
//	            | field ["not"] "in" list
//	            | field "is" ["not"] "defined"
//	value      := "double-quoted string" | :variable
//	list       := "(" value ("," value)* ")" | :variable
//
// Keywords are case-insensitive. A :variable takes its values from the var.<name> query
// parameters (repeated for lists). Anything else (numbers, other operators, unknown fields) is a
// 400 InvalidInput with the reason, as commercetools answers.

// schema lists the queryable fields of a resource; a non-nil value is a nested object.
type schema map[string]schema

var scalar schema // nil: a scalar string field

var groupSchema = schema{"id": scalar, "key": scalar, "name": scalar}

var referenceSchema = schema{"id": scalar, "typeId": scalar}

var customerSchema = schema{
	"id": scalar, "key": scalar, "customerNumber": scalar, "email": scalar, "companyName": scalar,
	"customerGroup":            referenceSchema,
	"customerGroupAssignments": schema{"customerGroup": referenceSchema},
}

// record is what a predicate is evaluated against.
type record interface {
	// value returns a scalar field and whether it is defined.
	value(field string) (string, bool)
	// nested returns the objects under field: none, one, or an array's elements.
	nested(field string) []record
}

type expr interface{ eval(record) bool }

type (
	andExpr struct{ l, r expr }
	orExpr  struct{ l, r expr }
	notExpr struct{ e expr }
	cmpExpr struct {
		field  string
		op     string // "=", "!=", "in", "not in"
		values []string
	}
	definedExpr struct {
		field   string
		object  bool
		negated bool
	}
	nestedExpr struct {
		field string
		e     expr
	}
	trueExpr struct{}
)

func (e andExpr) eval(r record) bool { return e.l.eval(r) && e.r.eval(r) }
func (e orExpr) eval(r record) bool  { return e.l.eval(r) || e.r.eval(r) }
func (e notExpr) eval(r record) bool { return !e.e.eval(r) }
func (trueExpr) eval(record) bool    { return true }

func (e cmpExpr) eval(r record) bool {
	v, ok := r.value(e.field)
	if !ok {
		// An undefined field satisfies no comparison, negated ones included.
		return false
	}
	switch e.op {
	case "=":
		return v == e.values[0]
	case "!=":
		return v != e.values[0]
	case "in":
		return slices.Contains(e.values, v)
	default: // "not in"
		return !slices.Contains(e.values, v)
	}
}

func (e definedExpr) eval(r record) bool {
	var defined bool
	if e.object {
		defined = len(r.nested(e.field)) > 0
	} else {
		_, defined = r.value(e.field)
	}
	return defined != e.negated
}

func (e nestedExpr) eval(r record) bool {
	for _, n := range r.nested(e.field) {
		if e.e.eval(n) {
			return true
		}
	}
	return false
}

const (
	maxWhereLen   = 16 << 10
	maxWhereDepth = 32
)

// parseWhere parses a where expression for sch, resolving :variables from vars.
func parseWhere(src string, sch schema, vars map[string][]string) (expr, error) {
	if len(src) > maxWhereLen {
		return nil, fmt.Errorf("where predicate longer than %d bytes", maxWhereLen)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, vars: vars}
	e, err := p.or(sch, 0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %s at position %d", t, t.pos)
	}
	return e, nil
}

type tkind int

const (
	tEOF tkind = iota
	tIdent
	tString
	tVar
	tLParen
	tRParen
	tComma
	tOp
)

type token struct {
	kind tkind
	text string
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tString:
		return "string literal"
	case tVar:
		return "variable :" + t.text
	}
	return "'" + t.text + "'"
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '=':
			toks = append(toks, token{tOp, "=", i})
			i++
		case c == '!' && i+1 < len(src) && src[i+1] == '=':
			toks = append(toks, token{tOp, "!=", i})
			i += 2
		case c == '<' && i+1 < len(src) && src[i+1] == '>':
			toks = append(toks, token{tOp, "!=", i})
			i += 2
		case c == ':':
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("variable name expected at position %d", i)
			}
			toks = append(toks, token{tVar, src[i+1 : j], i})
			i = j
		case c == '"':
			s, n, err := lexString(src[i:])
			if err != nil {
				return nil, fmt.Errorf("%v at position %d", err, i)
			}
			toks = append(toks, token{tString, s, i})
			i += n
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			toks = append(toks, token{tIdent, src[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("invalid input %q at position %d", rune(c), i)
		}
	}
	return append(toks, token{kind: tEOF, pos: len(src)}), nil
}

// lexString reads a double-quoted literal at the start of s, returning its value and length.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated string")
			}
			i++
			switch s[i] {
			case '"', '\\', '/':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", 0, fmt.Errorf("invalid escape \\%c in string", s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

type parser struct {
	toks []token
	i    int
	vars map[string][]string
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func isKeyword(t token, kw string) bool { return t.kind == tIdent && strings.EqualFold(t.text, kw) }

func (p *parser) expect(kind tkind, what string) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, fmt.Errorf("expected %s but found %s at position %d", what, t, t.pos)
	}
	return t, nil
}

func (p *parser) or(sch schema, depth int) (expr, error) {
	l, err := p.and(sch, depth)
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), "or") {
		p.next()
		r, err := p.and(sch, depth)
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
	return l, nil
}

func (p *parser) and(sch schema, depth int) (expr, error) {
	l, err := p.unary(sch, depth)
	if err != nil {
		return nil, err
	}
	for isKeyword(p.peek(), "and") {
		p.next()
		r, err := p.unary(sch, depth)
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
	return l, nil
}

func (p *parser) unary(sch schema, depth int) (expr, error) {
	if depth >= maxWhereDepth {
		return nil, fmt.Errorf("predicate nested deeper than %d levels", maxWhereDepth)
	}
	t := p.peek()
	switch {
	case isKeyword(t, "not") && p.peekAt(1).kind == tLParen:
		p.next()
		e, err := p.group(sch, depth)
		if err != nil {
			return nil, err
		}
		return notExpr{e}, nil
	case t.kind == tLParen:
		return p.group(sch, depth)
	}
	return p.comparison(sch, depth)
}

// group parses "(" expr ")".
func (p *parser) group(sch schema, depth int) (expr, error) {
	if _, err := p.expect(tLParen, "'('"); err != nil {
		return nil, err
	}
	e, err := p.or(sch, depth+1)
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(tRParen, "')'"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *parser) comparison(sch schema, depth int) (expr, error) {
	ft, err := p.expect(tIdent, "a field name")
	if err != nil {
		return nil, err
	}
	sub, known := sch[ft.text]
	if !known {
		return nil, fmt.Errorf("unknown field '%s' at position %d", ft.text, ft.pos)
	}
	object := sub != nil
	t := p.peek()
	switch {
	case t.kind == tLParen:
		if !object {
			return nil, fmt.Errorf("field '%s' is not an object and cannot be descended into", ft.text)
		}
		e, err := p.group(sub, depth)
		if err != nil {
			return nil, err
		}
		return nestedExpr{ft.text, e}, nil
	case isKeyword(t, "is"):
		p.next()
		negated := false
		if isKeyword(p.peek(), "not") {
			p.next()
			negated = true
		}
		if d := p.next(); !isKeyword(d, "defined") {
			return nil, fmt.Errorf("expected 'defined' but found %s at position %d", d, d.pos)
		}
		return definedExpr{field: ft.text, object: object, negated: negated}, nil
	}
	if object {
		return nil, fmt.Errorf("field '%s' is an object: compare its fields with %s(...)", ft.text, ft.text)
	}
	switch {
	case t.kind == tOp:
		p.next()
		v, err := p.single()
		if err != nil {
			return nil, err
		}
		return cmpExpr{field: ft.text, op: t.text, values: []string{v}}, nil
	case isKeyword(t, "in"):
		p.next()
		vs, err := p.list()
		if err != nil {
			return nil, err
		}
		return cmpExpr{field: ft.text, op: "in", values: vs}, nil
	case isKeyword(t, "not") && isKeyword(p.peekAt(1), "in"):
		p.next()
		p.next()
		vs, err := p.list()
		if err != nil {
			return nil, err
		}
		return cmpExpr{field: ft.text, op: "not in", values: vs}, nil
	}
	return nil, fmt.Errorf("expected an operator after '%s' but found %s at position %d", ft.text, t, t.pos)
}

// single reads one value: a string literal or a variable holding exactly one value.
func (p *parser) single() (string, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return t.text, nil
	case tVar:
		vs, ok := p.vars[t.text]
		if !ok {
			return "", fmt.Errorf("input variable '%s' is not provided (var.%s)", t.text, t.text)
		}
		if len(vs) != 1 {
			return "", fmt.Errorf("input variable '%s' must have exactly one value here, it has %d", t.text, len(vs))
		}
		return vs[0], nil
	}
	return "", fmt.Errorf("expected a string literal or variable but found %s at position %d", t, t.pos)
}

// list reads "(" values ")" or a list variable.
func (p *parser) list() ([]string, error) {
	if t := p.peek(); t.kind == tVar {
		p.next()
		vs, ok := p.vars[t.text]
		if !ok || len(vs) == 0 {
			return nil, fmt.Errorf("input variable '%s' is not provided (var.%s)", t.text, t.text)
		}
		return vs, nil
	}
	if _, err := p.expect(tLParen, "'(' or a variable"); err != nil {
		return nil, err
	}
	var out []string
	for {
		v, err := p.single()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		t := p.next()
		if t.kind == tRParen {
			return out, nil
		}
		if t.kind != tComma {
			return nil, fmt.Errorf("expected ',' or ')' but found %s at position %d", t, t.pos)
		}
	}
}
