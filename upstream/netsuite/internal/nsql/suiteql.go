package nsql

import (
	"strings"
	"unicode/utf8"
)

// Query is a parsed SuiteQL SELECT of the supported subset.
type Query struct {
	Columns []Column
	From    TableRef
	Joins   []Join
	Where   Cond // nil when there is no WHERE
	OrderBy []OrderItem
}

// Column is one selected column.
type Column struct {
	Ref   ColRef
	Alias string // lower-cased; "" when none
}

// TableRef names a table and its alias, both lower-cased.
type TableRef struct {
	Name  string
	Alias string
}

// Join is a [LEFT [OUTER]] JOIN ... ON ....
type Join struct {
	Left  bool
	Table TableRef
	On    Cond
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Ref  ColRef
	Desc bool
}

// Cond is a WHERE or ON condition: *Logic, *Compare, *In or *Like.
type Cond interface{ cond() }

// Logic joins conditions with AND or OR; same-operator chains are flattened.
type Logic struct {
	Op    string // "AND" or "OR"
	Terms []Cond
}

// Compare is `left = right`.
type Compare struct {
	Left, Right Operand
}

// In is `left IN (literal, ...)`.
type In struct {
	Left Operand
	List []Literal
}

// Like is `left LIKE pattern [ESCAPE 'c']`.
type Like struct {
	Left, Pattern Operand
	Escape        *Literal // nil without an ESCAPE clause
}

func (*Logic) cond()   {}
func (*Compare) cond() {}
func (*In) cond()      {}
func (*Like) cond()    {}

// Operand is a ColRef, a Literal or a Func.
type Operand interface{ operand() }

// ColRef is a column, optionally qualified by a table alias; both lower-cased.
type ColRef struct {
	Table  string
	Column string
}

// LiteralKind is the kind of a literal.
type LiteralKind int

const (
	LitString LiteralKind = iota // '...' with '' resolved to '
	LitNumber                    // an unsigned integer
)

// Literal is a string or number literal.
type Literal struct {
	Kind LiteralKind
	Text string
}

// Func is a call of one of the supported functions (UPPER) on one operand.
type Func struct {
	Name string // upper-cased
	Arg  Operand
}

func (ColRef) operand()  {}
func (Literal) operand() {}
func (Func) operand()    {}

// MaxInList is Oracle's limit on the expressions of one IN list (ORA-01795), which SuiteQL keeps.
const MaxInList = 1000

// maxSuiteQLLength bounds a query text: 1000 quoted entity ids fit easily.
const maxSuiteQLLength = 256 << 10

// MaxStringLiteral is Oracle's limit on a string literal (ORA-01704), which SuiteQL keeps.
const MaxStringLiteral = 4000

type stokKind int

const (
	stEOF stokKind = iota
	stIdent
	stString
	stNumber
	stSym // ( ) , = . *
)

type stok struct {
	kind stokKind
	text string // identifiers upper-cased for keywords is done by the parser
	pos  int
}

func lexSuiteQL(s string) ([]stok, error) {
	if len(s) > maxSuiteQLLength {
		return nil, errAt(-1, "query is longer than %d bytes", maxSuiteQLLength)
	}
	if !utf8.ValidString(s) {
		return nil, errAt(-1, "query is not valid UTF-8")
	}
	var toks []stok
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			start := i
			i++
			var b strings.Builder
			closed := false
			for i < len(s) && !closed {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					continue
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, errAt(start, "unterminated string literal")
			}
			if b.Len() > MaxStringLiteral {
				return nil, errAt(start, "string literal longer than %d bytes", MaxStringLiteral)
			}
			toks = append(toks, stok{stString, b.String(), start})
		case c >= '0' && c <= '9':
			start := i
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
			if i < len(s) && (isIdentByte(s[i]) || s[i] == '.') {
				return nil, errAt(start, "malformed number")
			}
			toks = append(toks, stok{stNumber, s[start:i], start})
		case isIdentStart(c):
			start := i
			for i < len(s) && isIdentByte(s[i]) {
				i++
			}
			toks = append(toks, stok{stIdent, s[start:i], start})
		case strings.IndexByte("(),=.*", c) >= 0:
			toks = append(toks, stok{stSym, string(c), i})
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			return nil, errAt(i, "comments are not supported")
		default:
			return nil, errAt(i, "unexpected character %q", rune(c))
		}
	}
	return append(toks, stok{stEOF, "", len(s)}), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentByte(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// reserved words cannot be used as aliases or bare column names.
func isReserved(upper string) bool {
	switch upper {
	case "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ESCAPE", "LEFT", "RIGHT",
		"INNER", "OUTER", "FULL", "CROSS", "JOIN", "ON", "ORDER", "BY", "ASC", "DESC", "AS",
		"GROUP", "HAVING", "UNION", "IS", "NULL", "DISTINCT", "TOP", "BETWEEN", "EXISTS", "CASE":
		return true
	}
	return false
}

type sparser struct {
	toks []stok
	i    int
}

func (p *sparser) peek() stok { return p.toks[p.i] }
func (p *sparser) next() stok {
	t := p.toks[p.i]
	if t.kind != stEOF {
		p.i++
	}
	return t
}

func (p *sparser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == stIdent && strings.EqualFold(t.text, kw)
}

func (p *sparser) acceptKeyword(kw string) bool {
	if p.isKeyword(kw) {
		p.next()
		return true
	}
	return false
}

func (p *sparser) expectKeyword(kw string) error {
	if p.acceptKeyword(kw) {
		return nil
	}
	t := p.peek()
	return errAt(t.pos, "expected %s, got %s", kw, describe(t))
}

func (p *sparser) acceptSym(s string) bool {
	t := p.peek()
	if t.kind == stSym && t.text == s {
		p.next()
		return true
	}
	return false
}

func (p *sparser) expectSym(s string) error {
	if p.acceptSym(s) {
		return nil
	}
	t := p.peek()
	return errAt(t.pos, "expected %q, got %s", s, describe(t))
}

func describe(t stok) string {
	switch t.kind {
	case stEOF:
		return "the end of the query"
	case stString:
		return "a string literal"
	}
	return "\"" + t.text + "\""
}

// ParseSuiteQL parses one SELECT of the supported subset. Anything else is an *Error.
func ParseSuiteQL(q string) (*Query, error) {
	toks, err := lexSuiteQL(q)
	if err != nil {
		return nil, err
	}
	p := &sparser{toks: toks}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	var out Query
	for {
		if p.acceptSym("*") {
			return nil, errAt(p.toks[p.i-1].pos, "SELECT * is not supported: name the columns")
		}
		ref, err := p.colRef()
		if err != nil {
			return nil, err
		}
		col := Column{Ref: ref}
		if p.acceptKeyword("AS") {
			a, err := p.ident("a column alias")
			if err != nil {
				return nil, err
			}
			col.Alias = a
		}
		out.Columns = append(out.Columns, col)
		if !p.acceptSym(",") {
			break
		}
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	if out.From, err = p.tableRef(); err != nil {
		return nil, err
	}
joins:
	for {
		left := false
		switch {
		case p.acceptKeyword("LEFT"):
			left = true
			p.acceptKeyword("OUTER")
			if err := p.expectKeyword("JOIN"); err != nil {
				return nil, err
			}
		case p.acceptKeyword("INNER"):
			if err := p.expectKeyword("JOIN"); err != nil {
				return nil, err
			}
		case p.acceptKeyword("JOIN"):
		default:
			break joins
		}
		j := Join{Left: left}
		if j.Table, err = p.tableRef(); err != nil {
			return nil, err
		}
		if err := p.expectKeyword("ON"); err != nil {
			return nil, err
		}
		if j.On, err = p.or(0); err != nil {
			return nil, err
		}
		out.Joins = append(out.Joins, j)
	}
	if p.acceptKeyword("WHERE") {
		if out.Where, err = p.or(0); err != nil {
			return nil, err
		}
	}
	if p.acceptKeyword("ORDER") {
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			ref, err := p.colRef()
			if err != nil {
				return nil, err
			}
			item := OrderItem{Ref: ref}
			if p.acceptKeyword("DESC") {
				item.Desc = true
			} else {
				p.acceptKeyword("ASC")
			}
			out.OrderBy = append(out.OrderBy, item)
			if !p.acceptSym(",") {
				break
			}
		}
	}
	if t := p.peek(); t.kind != stEOF {
		return nil, errAt(t.pos, "unexpected %s", describe(t))
	}
	return &out, nil
}

func (p *sparser) ident(what string) (string, error) {
	t := p.next()
	if t.kind != stIdent || isReserved(strings.ToUpper(t.text)) {
		return "", errAt(t.pos, "expected %s, got %s", what, describe(t))
	}
	return strings.ToLower(t.text), nil
}

func (p *sparser) tableRef() (TableRef, error) {
	name, err := p.ident("a table name")
	if err != nil {
		return TableRef{}, err
	}
	tr := TableRef{Name: name}
	p.acceptKeyword("AS")
	if t := p.peek(); t.kind == stIdent && !isReserved(strings.ToUpper(t.text)) {
		p.next()
		tr.Alias = strings.ToLower(t.text)
	}
	return tr, nil
}

func (p *sparser) colRef() (ColRef, error) {
	first, err := p.ident("a column name")
	if err != nil {
		return ColRef{}, err
	}
	if p.acceptSym(".") {
		col, err := p.ident("a column name")
		if err != nil {
			return ColRef{}, err
		}
		return ColRef{Table: first, Column: col}, nil
	}
	return ColRef{Column: first}, nil
}

const maxCondDepth = 32

func (p *sparser) or(depth int) (Cond, error) { return p.logic(depth, "OR", p.and) }

func (p *sparser) and(depth int) (Cond, error) { return p.logic(depth, "AND", p.predicate) }

func (p *sparser) logic(depth int, op string, sub func(int) (Cond, error)) (Cond, error) {
	first, err := sub(depth)
	if err != nil {
		return nil, err
	}
	terms := []Cond{first}
	for p.acceptKeyword(op) {
		c, err := sub(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, c)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &Logic{Op: op, Terms: terms}, nil
}

func (p *sparser) predicate(depth int) (Cond, error) {
	if t := p.peek(); t.kind == stSym && t.text == "(" {
		if depth >= maxCondDepth {
			return nil, errAt(t.pos, "conditions nested deeper than %d", maxCondDepth)
		}
		p.next()
		c, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expectSym(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case p.acceptSym("="):
		right, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &Compare{Left: left, Right: right}, nil
	case p.acceptKeyword("IN"):
		if err := p.expectSym("("); err != nil {
			return nil, err
		}
		in := &In{Left: left}
		for {
			t := p.next()
			switch t.kind {
			case stString:
				in.List = append(in.List, Literal{Kind: LitString, Text: t.text})
			case stNumber:
				in.List = append(in.List, Literal{Kind: LitNumber, Text: t.text})
			default:
				return nil, errAt(t.pos, "IN lists take literals, got %s", describe(t))
			}
			if len(in.List) > MaxInList {
				return nil, errAt(t.pos, "an IN list takes at most %d values", MaxInList)
			}
			if p.acceptSym(")") {
				return in, nil
			}
			if err := p.expectSym(","); err != nil {
				return nil, err
			}
		}
	case p.acceptKeyword("LIKE"):
		pat, err := p.operand()
		if err != nil {
			return nil, err
		}
		l := &Like{Left: left, Pattern: pat}
		if p.acceptKeyword("ESCAPE") {
			t := p.next()
			if t.kind != stString || utf8.RuneCountInString(t.text) != 1 {
				return nil, errAt(t.pos, "ESCAPE takes a string literal of one character")
			}
			l.Escape = &Literal{Kind: LitString, Text: t.text}
		}
		return l, nil
	}
	t := p.peek()
	return nil, errAt(t.pos, "expected =, IN or LIKE, got %s (only these comparisons are supported)", describe(t))
}

func (p *sparser) operand() (Operand, error) {
	t := p.peek()
	switch t.kind {
	case stString:
		p.next()
		return Literal{Kind: LitString, Text: t.text}, nil
	case stNumber:
		p.next()
		return Literal{Kind: LitNumber, Text: t.text}, nil
	case stIdent:
		if strings.EqualFold(t.text, "UPPER") && p.toks[p.i+1].kind == stSym && p.toks[p.i+1].text == "(" {
			p.next()
			p.next()
			arg, err := p.operand()
			if err != nil {
				return nil, err
			}
			if err := p.expectSym(")"); err != nil {
				return nil, err
			}
			return Func{Name: "UPPER", Arg: arg}, nil
		}
		if p.toks[p.i+1].kind == stSym && p.toks[p.i+1].text == "(" {
			return nil, errAt(t.pos, "function %s is not supported", t.text)
		}
		return p.colRef()
	}
	return nil, errAt(t.pos, "expected a column, literal or UPPER(...), got %s", describe(t))
}

// LikePart is one piece of a LIKE pattern: literal text, % (any string) or _ (any character).
type LikePart struct {
	Literal string
	Any     bool // %
	One     bool // _
}

// ParseLike splits a LIKE pattern with an optional escape character (0 = none) into its parts.
// As in Oracle, the escape character must be followed by %, _ or itself.
func ParseLike(pattern string, escape rune) ([]LikePart, error) {
	var parts []LikePart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, LikePart{Literal: lit.String()})
			lit.Reset()
		}
	}
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case escape != 0 && r == escape:
			if i+1 >= len(rs) || (rs[i+1] != '%' && rs[i+1] != '_' && rs[i+1] != escape) {
				return nil, errAt(-1, "invalid escape sequence in LIKE pattern")
			}
			lit.WriteRune(rs[i+1])
			i++
		case r == '%':
			flush()
			parts = append(parts, LikePart{Any: true})
		case r == '_':
			flush()
			parts = append(parts, LikePart{One: true})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	return parts, nil
}

// MatchLike reports whether s matches the parsed pattern.
func MatchLike(s string, parts []LikePart) bool {
	rs := []rune(s)
	// memo[i][j]: rs[i:] matches parts[j:]; patterns are short, so a table is cheap.
	memo := make(map[[2]int]bool)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var r bool
		switch {
		case j == len(parts):
			r = i == len(rs)
		case parts[j].Any:
			r = match(i, j+1) || (i < len(rs) && match(i+1, j))
		case parts[j].One:
			r = i < len(rs) && match(i+1, j+1)
		default:
			lit := []rune(parts[j].Literal)
			r = len(rs)-i >= len(lit) && string(rs[i:i+len(lit)]) == parts[j].Literal && match(i+len(lit), j+1)
		}
		memo[key] = r
		return r
	}
	return match(0, 0)
}
