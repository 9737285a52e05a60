// Package nsql parses the two query languages the NetSuite REST services take: the record
// collection filter `q` (conditions `field OPERATOR value` joined by AND/OR with parentheses)
// and the subset of SuiteQL that custgraph's client emits (SELECT / FROM / LEFT JOIN ... ON /
// WHERE with =, IN, LIKE ... ESCAPE, UPPER(), AND, OR / ORDER BY). The sandbox simulator executes
// what it parses; the client's fuzz tests parse what the client's builders produce to prove that
// user text only ever lands in a literal.
//
// It must not be used by the client to build queries: the builders and this parser are kept
// independent so that a bug in one is caught by the other.
package nsql

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// QExpr is a parsed q filter: a *QLogic or a *QCond.
type QExpr interface{ qexpr() }

// QLogic joins two or more expressions with AND or OR. Adjacent operands of the same operator are
// flattened (a AND b AND c is one QLogic); parentheses keep their own node.
type QLogic struct {
	Op    string // "AND" or "OR"
	Terms []QExpr
}

// QCond is one condition, `field OPERATOR value`.
type QCond struct {
	Field  string // as written
	Op     string // e.g. IS, START_WITH, ANY_OF
	List   bool   // the values were written as a bracketed list
	Values []QValue
}

// QValueKind says how a value was written.
type QValueKind int

const (
	QString QValueKind = iota // double-quoted, escapes resolved
	QWord                     // a bare word (true, false, barbara)
	QNumber                   // a decimal number
)

// QValue is one literal value of a condition.
type QValue struct {
	Kind QValueKind
	Text string
}

func (*QLogic) qexpr() {}
func (*QCond) qexpr()  {}

// FieldType is the type of a filterable field, which decides the operators it takes.
type FieldType int

const (
	TypeString FieldType = iota
	TypeNumber
	TypeBoolean
)

// maxQLength bounds a filter: a URL is a few KB at most, and the parser need not accept more.
const maxQLength = 64 << 10

// Operators by field type, as documented for record collection filtering. EMPTY and EMPTY_NOT
// take no value and apply to every type.
func isStringOp(op string) bool {
	switch op {
	case "IS", "IS_NOT", "CONTAIN", "CONTAIN_NOT", "START_WITH", "START_WITH_NOT", "END_WITH", "END_WITH_NOT":
		return true
	}
	return false
}

func isBoolOp(op string) bool { return op == "IS" || op == "IS_NOT" }

func isNumberOp(op string) bool {
	switch op {
	case "ANY_OF", "ANY_OF_NOT", "BETWEEN", "BETWEEN_NOT", "EQUAL", "EQUAL_NOT", "GREATER", "GREATER_NOT",
		"GREATER_OR_EQUAL", "GREATER_OR_EQUAL_NOT", "LESS", "LESS_NOT", "LESS_OR_EQUAL", "LESS_OR_EQUAL_NOT",
		"WITHIN", "WITHIN_NOT":
		return true
	}
	return false
}

func isUnaryOp(op string) bool { return op == "EMPTY" || op == "EMPTY_NOT" }

func isQOp(op string) bool { return isStringOp(op) || isNumberOp(op) || isUnaryOp(op) }

func isRangeOp(op string) bool {
	return op == "BETWEEN" || op == "BETWEEN_NOT" || op == "WITHIN" || op == "WITHIN_NOT"
}

func isListOp(op string) bool { return op == "ANY_OF" || op == "ANY_OF_NOT" }

// Error is a parse or check failure; its text is safe to show to the caller.
type Error struct {
	Pos int // byte offset in the input, -1 when not tied to a position
	Msg string
}

func (e *Error) Error() string {
	if e.Pos >= 0 {
		return fmt.Sprintf("%s (at position %d)", e.Msg, e.Pos)
	}
	return e.Msg
}

func errAt(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// q tokens
type qtokKind int

const (
	qtEOF qtokKind = iota
	qtWord
	qtString
	qtLParen
	qtRParen
	qtLBracket
	qtRBracket
	qtComma
)

type qtok struct {
	kind qtokKind
	text string
	pos  int
}

func lexQ(s string) ([]qtok, error) {
	if len(s) > maxQLength {
		return nil, errAt(-1, "q is longer than %d bytes", maxQLength)
	}
	if !utf8.ValidString(s) {
		return nil, errAt(-1, "q is not valid UTF-8")
	}
	var toks []qtok
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, qtok{qtLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, qtok{qtRParen, ")", i})
			i++
		case c == '[':
			toks = append(toks, qtok{qtLBracket, "[", i})
			i++
		case c == ']':
			toks = append(toks, qtok{qtRBracket, "]", i})
			i++
		case c == ',':
			toks = append(toks, qtok{qtComma, ",", i})
			i++
		case c == '"':
			start := i
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				switch s[i] {
				case '\\':
					if i+1 >= len(s) {
						return nil, errAt(i, "unterminated escape in string value")
					}
					switch s[i+1] {
					case '"', '\\':
						b.WriteByte(s[i+1])
						i += 2
					default:
						return nil, errAt(i, "invalid escape \\%c in string value: only \\\" and \\\\ are allowed", s[i+1])
					}
				case '"':
					i++
					closed = true
				default:
					b.WriteByte(s[i])
					i++
				}
				if closed {
					break
				}
			}
			if !closed {
				return nil, errAt(start, "unterminated string value")
			}
			toks = append(toks, qtok{qtString, b.String(), start})
		case c == '\'':
			return nil, errAt(i, "string values must be in double quotes")
		default:
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n\r()[],\"'", rune(s[i])) {
				i++
			}
			toks = append(toks, qtok{qtWord, s[start:i], start})
		}
	}
	return append(toks, qtok{qtEOF, "", len(s)}), nil
}

type qparser struct {
	toks []qtok
	i    int
}

func (p *qparser) peek() qtok { return p.toks[p.i] }
func (p *qparser) next() qtok {
	t := p.toks[p.i]
	if t.kind != qtEOF {
		p.i++
	}
	return t
}

// ParseQ parses a q filter. It checks the syntax and that every operator exists; CheckQ checks
// fields and operand types against a record's schema.
func ParseQ(q string) (QExpr, error) {
	toks, err := lexQ(q)
	if err != nil {
		return nil, err
	}
	p := &qparser{toks: toks}
	if p.peek().kind == qtEOF {
		return nil, errAt(0, "q is empty")
	}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != qtEOF {
		return nil, errAt(t.pos, "unexpected %q: expected AND, OR or the end of the filter", t.text)
	}
	return e, nil
}

const maxQDepth = 32

// AND binds tighter than OR, as in SQL and N/query.
func (p *qparser) parseOr(depth int) (QExpr, error) {
	return p.parseLogic(depth, "OR", p.parseAnd)
}

func (p *qparser) parseAnd(depth int) (QExpr, error) {
	return p.parseLogic(depth, "AND", p.parseFactor)
}

func (p *qparser) parseLogic(depth int, op string, sub func(int) (QExpr, error)) (QExpr, error) {
	first, err := sub(depth)
	if err != nil {
		return nil, err
	}
	terms := []QExpr{first}
	for {
		t := p.peek()
		if t.kind != qtWord || t.text != op {
			break
		}
		p.next()
		e, err := sub(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &QLogic{Op: op, Terms: terms}, nil
}

func (p *qparser) parseFactor(depth int) (QExpr, error) {
	t := p.peek()
	if t.kind == qtLParen {
		if depth >= maxQDepth {
			return nil, errAt(t.pos, "parentheses nested deeper than %d", maxQDepth)
		}
		p.next()
		e, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != qtRParen {
			return nil, errAt(c.pos, "expected ) to close the ( at position %d", t.pos)
		}
		return e, nil
	}
	return p.parseCond()
}

func (p *qparser) parseCond() (QExpr, error) {
	f := p.next()
	if f.kind != qtWord || !isFieldName(f.text) || f.text == "AND" || f.text == "OR" {
		return nil, errAt(f.pos, "expected a field name, got %q", f.text)
	}
	o := p.next()
	if o.kind != qtWord {
		return nil, errAt(o.pos, "expected an operator after field %s", f.text)
	}
	if !isQOp(o.text) {
		return nil, errAt(o.pos, "unknown operator %q", o.text)
	}
	c := &QCond{Field: f.text, Op: o.text}
	if isUnaryOp(o.text) {
		return c, nil
	}
	if p.peek().kind == qtLBracket {
		p.next()
		c.List = true
		for {
			v, err := p.parseValue()
			if err != nil {
				return nil, err
			}
			c.Values = append(c.Values, v)
			t := p.next()
			if t.kind == qtRBracket {
				break
			}
			if t.kind != qtComma {
				return nil, errAt(t.pos, "expected , or ] in value list")
			}
		}
		return c, nil
	}
	v, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	c.Values = []QValue{v}
	return c, nil
}

func (p *qparser) parseValue() (QValue, error) {
	t := p.next()
	switch t.kind {
	case qtString:
		return QValue{Kind: QString, Text: t.text}, nil
	case qtWord:
		if isNumber(t.text) {
			return QValue{Kind: QNumber, Text: t.text}, nil
		}
		return QValue{Kind: QWord, Text: t.text}, nil
	}
	if t.kind == qtEOF {
		return QValue{}, errAt(t.pos, "expected a value at the end of the filter")
	}
	return QValue{}, errAt(t.pos, "expected a value, got %q", t.text)
}

func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
		case i > 0 && (r >= '0' && r <= '9' || r == '.'):
		default:
			return false
		}
	}
	return true
}

func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	dot := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}

// Schema maps a record's filterable fields (by their canonical name) to their types.
type Schema map[string]FieldType

// Lookup finds a field case-insensitively and returns its canonical name.
func (s Schema) Lookup(name string) (string, FieldType, bool) {
	if t, ok := s[name]; ok {
		return name, t, true
	}
	for k, t := range s {
		if strings.EqualFold(k, name) {
			return k, t, true
		}
	}
	return "", 0, false
}

// CheckQ checks e against schema: known fields, operators allowed for the field's type, and the
// number and form of values. It rewrites each condition's Field to the canonical name.
func CheckQ(e QExpr, schema Schema) error {
	switch e := e.(type) {
	case *QLogic:
		for _, t := range e.Terms {
			if err := CheckQ(t, schema); err != nil {
				return err
			}
		}
		return nil
	case *QCond:
		return checkCond(e, schema)
	}
	return errAt(-1, "unknown expression")
}

func checkCond(c *QCond, schema Schema) error {
	name, typ, ok := schema.Lookup(c.Field)
	if !ok {
		return errAt(-1, "field %q cannot be used in a filter", c.Field)
	}
	c.Field = name
	if isUnaryOp(c.Op) {
		return nil
	}
	var allowed bool
	switch typ {
	case TypeString:
		allowed = isStringOp(c.Op)
	case TypeBoolean:
		allowed = isBoolOp(c.Op)
	case TypeNumber:
		allowed = isNumberOp(c.Op)
	}
	if !allowed {
		return errAt(-1, "operator %s cannot be used with field %s", c.Op, name)
	}
	switch {
	case isRangeOp(c.Op):
		if !c.List || len(c.Values) != 2 {
			return errAt(-1, "operator %s takes a list of two values, e.g. [1, 42]", c.Op)
		}
	case isListOp(c.Op):
		if len(c.Values) == 0 {
			return errAt(-1, "operator %s takes at least one value", c.Op)
		}
	default:
		if c.List || len(c.Values) != 1 {
			return errAt(-1, "operator %s takes exactly one value", c.Op)
		}
	}
	for _, v := range c.Values {
		switch typ {
		case TypeNumber:
			if v.Kind != QNumber {
				return errAt(-1, "field %s takes numbers, got %q", name, v.Text)
			}
		case TypeBoolean:
			if v.Kind != QWord || (v.Text != "true" && v.Text != "false") {
				return errAt(-1, "field %s takes true or false, got %q", name, v.Text)
			}
		case TypeString:
			// Quoted strings, and bare words or numbers taken as text.
		}
	}
	return nil
}

// Record gives EvalQ a record's field values: string, float64 or bool, or nil for an empty field.
type Record func(field string) any

// EvalQ reports whether rec matches a checked expression. String comparisons ignore case, as
// NetSuite searches do.
func EvalQ(e QExpr, rec Record) bool {
	switch e := e.(type) {
	case *QLogic:
		if e.Op == "AND" {
			for _, t := range e.Terms {
				if !EvalQ(t, rec) {
					return false
				}
			}
			return true
		}
		for _, t := range e.Terms {
			if EvalQ(t, rec) {
				return true
			}
		}
		return false
	case *QCond:
		return evalCond(e, rec(e.Field))
	}
	return false
}

func evalCond(c *QCond, v any) bool {
	op, neg := strings.CutSuffix(c.Op, "_NOT")
	var r bool
	switch op {
	case "EMPTY":
		r = v == nil || v == ""
	case "IS":
		switch x := v.(type) {
		case bool:
			r = x == (c.Values[0].Text == "true")
		case string:
			r = strings.EqualFold(x, c.Values[0].Text)
		}
	case "CONTAIN", "START_WITH", "END_WITH":
		x, ok := v.(string)
		if !ok {
			break
		}
		x, want := strings.ToLower(x), strings.ToLower(c.Values[0].Text)
		switch op {
		case "CONTAIN":
			r = strings.Contains(x, want)
		case "START_WITH":
			r = strings.HasPrefix(x, want)
		default:
			r = strings.HasSuffix(x, want)
		}
	default:
		x, ok := v.(float64)
		if !ok {
			// An empty number matches no comparison; the _NOT form of a comparison with an
			// empty field is true, as NOT (unknown) is in N/query's generated SQL.
			return neg
		}
		r = evalNumber(op, x, c.Values)
	}
	return r != neg
}

func evalNumber(op string, x float64, vals []QValue) bool {
	nums := make([]float64, len(vals))
	for i, v := range vals {
		_, _ = fmt.Sscan(v.Text, &nums[i])
	}
	switch op {
	case "ANY_OF":
		for _, n := range nums {
			if x == n {
				return true
			}
		}
		return false
	case "EQUAL":
		return x == nums[0]
	case "GREATER":
		return x > nums[0]
	case "GREATER_OR_EQUAL":
		return x >= nums[0]
	case "LESS":
		return x < nums[0]
	case "LESS_OR_EQUAL":
		return x <= nums[0]
	case "BETWEEN", "WITHIN":
		return x >= nums[0] && x <= nums[1]
	}
	return false
}
