package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"custgraph/upstream/netsuite/internal/nsql"
)

// colType is a SuiteQL column's type: NetSuite ids are numbers, everything else here is text
// (booleans are 'T'/'F').
type colType int

const (
	colNumber colType = iota
	colText
)

func (t colType) String() string {
	if t == colNumber {
		return "number"
	}
	return "text"
}

// value is one cell; null is SQL NULL.
type value struct {
	null bool
	num  int64
	text string
}

type tableDef struct {
	cols  []string
	types []colType
}

// tableDefs are the tables the simulator serves, with their columns in SELECT * order.
func tableDefs(name string) (tableDef, bool) {
	switch name {
	case "customercategory":
		return tableDef{cols: []string{"id", "name", "isinactive"}, types: []colType{colNumber, colText, colText}}, true
	case "customer":
		return tableDef{
			cols:  []string{"id", "entityid", "externalid", "companyname", "category", "isinactive"},
			types: []colType{colNumber, colText, colText, colText, colNumber, colText},
		}, true
	}
	return tableDef{}, false
}

func tf(b bool) value {
	if b {
		return value{text: "T"}
	}
	return value{text: "F"}
}

// tableRows snapshots a table's rows in id order.
func (b *backend) tableRows(name string) [][]value {
	b.mu.Lock()
	defer b.mu.Unlock()
	var rows [][]value
	switch name {
	case "customercategory":
		for _, c := range b.sortedCategories() {
			rows = append(rows, []value{{num: c.id}, {text: c.name}, tf(c.inactive)})
		}
	case "customer":
		for _, c := range b.sortedCustomers() {
			cat := value{null: true}
			if c.category != 0 {
				cat = value{num: c.category}
			}
			rows = append(rows, []value{{num: c.id}, {text: c.entityID}, {text: c.externalID}, {text: c.companyName}, cat, tf(c.inactive)})
		}
	}
	return rows
}

func (b *backend) suiteQL(w http.ResponseWriter, r *http.Request) {
	if !preferTransient(r.Header.Values("Prefer")) {
		writeError(w, http.StatusBadRequest, codeInvalidHdr,
			"The request header Prefer must be set to transient for SuiteQL queries.", errorWhere{Header: "Prefer"})
		return
	}
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodySize))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, codeInvalidBody, "The request body is too large.", errorWhere{})
		return
	}
	var body struct {
		Q *string `json:"q"`
	}
	if err := json.Unmarshal(data, &body); err != nil || body.Q == nil {
		writeError(w, http.StatusBadRequest, codeInvalidBody,
			`Invalid content in the request body: it must be {"q": "<SuiteQL query>"}.`, errorWhere{Path: "q"})
		return
	}
	q, err := nsql.ParseSuiteQL(*body.Q)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidParam, searchErrorPrefix+err.Error(), errorWhere{})
		return
	}
	items, err := b.execute(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidParam, searchErrorPrefix+err.Error(), errorWhere{})
		return
	}
	writeBody(w, http.StatusOK, mediaCollection, paginate(r, p, items, nil))
}

func preferTransient(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), "transient") {
				return true
			}
		}
	}
	return false
}

// scopeCol is one column visible to a query: the table alias it comes from and its position in
// a joined row.
type scopeCol struct {
	alias, col string
	typ        colType
}

type scope []scopeCol

func (s scope) resolve(ref nsql.ColRef) (int, colType, error) {
	found := -1
	for i, c := range s {
		if c.col == ref.Column && (ref.Table == "" || ref.Table == c.alias) {
			if found >= 0 {
				return 0, 0, fmt.Errorf("column %s is ambiguous: qualify it with a table alias", ref.Column)
			}
			found = i
		}
	}
	if found < 0 {
		name := ref.Column
		if ref.Table != "" {
			name = ref.Table + "." + ref.Column
		}
		return 0, 0, fmt.Errorf("field %s was not found", name)
	}
	return found, s[found].typ, nil
}

type operandFn func(row []value) value

func compileOperand(s scope, op nsql.Operand) (operandFn, colType, error) {
	switch op := op.(type) {
	case nsql.ColRef:
		i, t, err := s.resolve(op)
		if err != nil {
			return nil, 0, err
		}
		return func(row []value) value { return row[i] }, t, nil
	case nsql.Literal:
		if op.Kind == nsql.LitNumber {
			n, err := strconv.ParseInt(op.Text, 10, 64)
			if err != nil {
				return nil, 0, fmt.Errorf("number %s is out of range", op.Text)
			}
			v := value{num: n}
			return func([]value) value { return v }, colNumber, nil
		}
		v := value{text: op.Text}
		return func([]value) value { return v }, colText, nil
	case nsql.Func:
		arg, t, err := compileOperand(s, op.Arg)
		if err != nil {
			return nil, 0, err
		}
		if t != colText {
			return nil, 0, fmt.Errorf("%s takes text, not a %s", op.Name, t)
		}
		return func(row []value) value {
			v := arg(row)
			if !v.null {
				v.text = strings.ToUpper(v.text)
			}
			return v
		}, colText, nil
	}
	return nil, 0, fmt.Errorf("unsupported operand")
}

func isConst(op nsql.Operand) bool {
	switch op := op.(type) {
	case nsql.Literal:
		return true
	case nsql.Func:
		return isConst(op.Arg)
	}
	return false
}

type condFn func(row []value) bool

func compileCond(s scope, c nsql.Cond) (condFn, error) {
	switch c := c.(type) {
	case *nsql.Logic:
		fns := make([]condFn, len(c.Terms))
		for i, t := range c.Terms {
			f, err := compileCond(s, t)
			if err != nil {
				return nil, err
			}
			fns[i] = f
		}
		and := c.Op == "AND"
		return func(row []value) bool {
			for _, f := range fns {
				if f(row) != and {
					return !and
				}
			}
			return and
		}, nil
	case *nsql.Compare:
		l, lt, err := compileOperand(s, c.Left)
		if err != nil {
			return nil, err
		}
		r, rt, err := compileOperand(s, c.Right)
		if err != nil {
			return nil, err
		}
		if lt != rt {
			return nil, fmt.Errorf("cannot compare %s with %s", lt, rt)
		}
		return func(row []value) bool {
			a, b := l(row), r(row)
			return !a.null && !b.null && a.num == b.num && a.text == b.text
		}, nil
	case *nsql.In:
		l, lt, err := compileOperand(s, c.Left)
		if err != nil {
			return nil, err
		}
		set := make(map[value]bool, len(c.List))
		for _, lit := range c.List {
			f, t, err := compileOperand(s, lit)
			if err != nil {
				return nil, err
			}
			if t != lt {
				return nil, fmt.Errorf("IN list value of type %s does not match a %s", t, lt)
			}
			set[f(nil)] = true
		}
		return func(row []value) bool {
			v := l(row)
			return !v.null && set[v]
		}, nil
	case *nsql.Like:
		l, lt, err := compileOperand(s, c.Left)
		if err != nil {
			return nil, err
		}
		if !isConst(c.Pattern) {
			return nil, fmt.Errorf("LIKE patterns must be literals")
		}
		pf, pt, err := compileOperand(s, c.Pattern)
		if err != nil {
			return nil, err
		}
		if lt != colText || pt != colText {
			return nil, fmt.Errorf("LIKE compares text")
		}
		var esc rune
		if c.Escape != nil {
			esc, _ = utf8.DecodeRuneInString(c.Escape.Text)
		}
		parts, err := nsql.ParseLike(pf(nil).text, esc)
		if err != nil {
			return nil, err
		}
		return func(row []value) bool {
			v := l(row)
			return !v.null && nsql.MatchLike(v.text, parts)
		}, nil
	}
	return nil, fmt.Errorf("unsupported condition")
}

// execute runs a parsed query and returns its rows as SuiteQL items.
func (b *backend) execute(q *nsql.Query) ([]any, error) {
	var s scope
	seen := map[string]bool{}
	addTable := func(t nsql.TableRef) ([][]value, error) {
		def, ok := tableDefs(t.Name)
		if !ok {
			return nil, fmt.Errorf("record %s was not found", t.Name)
		}
		alias := t.Alias
		if alias == "" {
			alias = t.Name
		}
		if seen[alias] {
			return nil, fmt.Errorf("table alias %s is used twice", alias)
		}
		seen[alias] = true
		for i, c := range def.cols {
			s = append(s, scopeCol{alias: alias, col: c, typ: def.types[i]})
		}
		return b.tableRows(t.Name), nil
	}

	rows, err := addTable(q.From)
	if err != nil {
		return nil, err
	}
	for _, j := range q.Joins {
		width := len(s)
		right, err := addTable(j.Table)
		if err != nil {
			return nil, err
		}
		on, err := compileCond(s, j.On)
		if err != nil {
			return nil, err
		}
		nulls := make([]value, len(s)-width)
		for i := range nulls {
			nulls[i] = value{null: true}
		}
		var joined [][]value
		cand := make([]value, 0, len(s)) // each pair is tested in place; only matches are kept
		for _, l := range rows {
			matched := false
			for _, r := range right {
				cand = append(append(cand[:0], l...), r...)
				if on(cand) {
					joined = append(joined, slices.Clone(cand))
					matched = true
				}
			}
			if !matched && j.Left {
				joined = append(joined, append(slices.Clip(l), nulls...))
			}
		}
		rows = joined
	}

	if q.Where != nil {
		where, err := compileCond(s, q.Where)
		if err != nil {
			return nil, err
		}
		rows = slices.DeleteFunc(rows, func(row []value) bool { return !where(row) })
	}

	if len(q.OrderBy) > 0 {
		type key struct {
			i    int
			desc bool
		}
		keys := make([]key, len(q.OrderBy))
		for n, o := range q.OrderBy {
			i, _, err := s.resolve(o.Ref)
			if err != nil {
				return nil, err
			}
			keys[n] = key{i, o.Desc}
		}
		slices.SortStableFunc(rows, func(a, b []value) int {
			for _, k := range keys {
				c := compareValues(a[k.i], b[k.i])
				if k.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
	}

	type outCol struct {
		name string
		i    int
	}
	cols := make([]outCol, len(q.Columns))
	names := map[string]bool{}
	for n, c := range q.Columns {
		i, _, err := s.resolve(c.Ref)
		if err != nil {
			return nil, err
		}
		name := c.Alias
		if name == "" {
			name = c.Ref.Column
		}
		if names[name] {
			return nil, fmt.Errorf("column name %s is selected twice: use AS to rename one", name)
		}
		names[name] = true
		cols[n] = outCol{name, i}
	}
	items := make([]any, 0, len(rows))
	for _, row := range rows {
		o := &orderedObject{}
		o.set("links", []link{})
		for _, c := range cols {
			v := row[c.i]
			switch {
			case v.null:
				// NetSuite leaves NULL columns out of the row.
			case s[c.i].typ == colNumber:
				o.set(c.name, strconv.FormatInt(v.num, 10))
			default:
				o.set(c.name, v.text)
			}
		}
		items = append(items, o)
	}
	return items, nil
}

// compareValues orders values with NULLs last, as Oracle sorts ascending.
func compareValues(a, b value) int {
	switch {
	case a.null && b.null:
		return 0
	case a.null:
		return 1
	case b.null:
		return -1
	case a.num != b.num:
		return cmpInt(a.num, b.num)
	}
	return strings.Compare(a.text, b.text)
}
