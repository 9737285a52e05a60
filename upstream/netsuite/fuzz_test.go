package netsuite_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"custgraph/upstream/netsuite"
	"custgraph/upstream/netsuite/internal/nsql"
)

// fuzzFilter turns fuzz input into a filter: bits of flags choose which fields are set, ids is a
// comma-separated list.
func fuzzFilter(name, prefix, contains string, flags uint8, ids string) netsuite.CategoryFilter {
	var f netsuite.CategoryFilter
	if flags&1 != 0 {
		f.Name = &name
	}
	if flags&2 != 0 {
		f.NameStartsWith = &prefix
	}
	if flags&4 != 0 {
		f.NameContains = &contains
	}
	if flags&8 != 0 {
		inactive := flags&16 != 0
		f.IsInactive = &inactive
	}
	if ids != "" {
		f.IDs = strings.Split(ids, ",")
	}
	return f
}

// filterValid says whether the builders must accept f: ids are canonical internal ids and all
// text is UTF-8.
func filterValid(f netsuite.CategoryFilter) bool {
	for _, id := range f.IDs {
		if id == "" || len(id) > 18 || (id[0] == '0' && len(id) > 1) || strings.Trim(id, "0123456789") != "" {
			return false
		}
	}
	for _, s := range []*string{f.Name, f.NameStartsWith, f.NameContains} {
		if s != nil && (!utf8.ValidString(*s) || len(*s) > 1000) {
			return false
		}
	}
	return len(f.IDs) <= 1000
}

func addFilterSeeds(f *testing.F) {
	seeds := []struct {
		name, prefix, contains string
		flags                  uint8
		ids                    string
	}{
		{"Enterprise", "", "", 1, ""},
		{"", "Enter", "prise", 2 | 4 | 8, "1,2,3"},
		{`" OR id ANY_OF [1, 2]`, `\" OR isInactive IS true`, `\\"`, 1 | 2 | 4 | 8 | 16, "5"},
		{`') OR 1 = 1 --`, `%_\`, `'`, 1 | 2 | 4, ""},
		{"a\"b\\c)", "(", "]", 7, "10,20"},
		{"", "", "", 0, ""},
		{"\x00\n\t", "ü", "日本", 7, ""},
		{"\xff", "", "", 1, ""},
		{"x", "", "", 1, "1 OR 1"},
		{"x", "", "", 1, "01"},
	}
	for _, s := range seeds {
		f.Add(s.name, s.prefix, s.contains, s.flags, s.ids)
	}
}

// FuzzQFilter: the q the client builds parses, in the simulator's parser, to exactly the
// intended conditions, with user text only as string literals.
func FuzzQFilter(f *testing.F) {
	addFilterSeeds(f)
	f.Fuzz(func(t *testing.T, name, prefix, contains string, flags uint8, ids string) {
		filter := fuzzFilter(name, prefix, contains, flags, ids)
		q, err := netsuite.BuildQ(filter)
		if !filterValid(filter) {
			if err == nil {
				t.Fatalf("BuildQ accepted an invalid filter: %q", q)
			}
			return
		}
		if err != nil {
			t.Fatalf("BuildQ: %v", err)
		}
		var want []nsql.QExpr
		if len(filter.IDs) > 0 {
			c := &nsql.QCond{Field: "id", Op: "ANY_OF", List: true}
			for _, id := range filter.IDs {
				c.Values = append(c.Values, nsql.QValue{Kind: nsql.QNumber, Text: id})
			}
			want = append(want, c)
		}
		for _, c := range []struct {
			op string
			v  *string
		}{{"IS", filter.Name}, {"START_WITH", filter.NameStartsWith}, {"CONTAIN", filter.NameContains}} {
			if c.v != nil {
				want = append(want, &nsql.QCond{Field: "name", Op: c.op, Values: []nsql.QValue{{Kind: nsql.QString, Text: *c.v}}})
			}
		}
		if filter.IsInactive != nil {
			b := "false"
			if *filter.IsInactive {
				b = "true"
			}
			want = append(want, &nsql.QCond{Field: "isInactive", Op: "IS", Values: []nsql.QValue{{Kind: nsql.QWord, Text: b}}})
		}
		if len(want) == 0 {
			if q != "" {
				t.Fatalf("empty filter built %q", q)
			}
			return
		}
		// What the simulator receives after the URL round trip.
		vals, err := url.ParseQuery(url.Values{"q": {q}}.Encode())
		if err != nil || vals.Get("q") != q {
			t.Fatalf("q does not survive URL encoding: %q", q)
		}
		got, err := nsql.ParseQ(vals.Get("q"))
		if err != nil {
			t.Fatalf("ParseQ(%q): %v", q, err)
		}
		var wantExpr nsql.QExpr = &nsql.QLogic{Op: "AND", Terms: want}
		if len(want) == 1 {
			wantExpr = want[0]
		}
		if !reflect.DeepEqual(got, wantExpr) {
			t.Fatalf("q %q parsed to %#v, want %#v", q, got, wantExpr)
		}
		if err := nsql.CheckQ(got, nsql.Schema{"id": nsql.TypeNumber, "name": nsql.TypeString, "isInactive": nsql.TypeBoolean}); err != nil {
			t.Fatalf("CheckQ(%q): %v", q, err)
		}
	})
}

func upperName() nsql.Operand { return nsql.Func{Name: "UPPER", Arg: nsql.ColRef{Column: "name"}} }

// FuzzSuiteQLSearch: the SuiteQL of SearchCategories parses to exactly the intended WHERE, user
// text only as string literals, and LIKE patterns whose only wildcards are the client's own.
func FuzzSuiteQLSearch(f *testing.F) {
	addFilterSeeds(f)
	f.Fuzz(func(t *testing.T, name, prefix, contains string, flags uint8, ids string) {
		filter := fuzzFilter(name, prefix, contains, flags, ids)
		q, err := netsuite.BuildSearchQuery(filter)
		if !filterValid(filter) {
			if err == nil {
				t.Fatalf("BuildSearchQuery accepted an invalid filter: %q", q)
			}
			return
		}
		if err != nil {
			t.Fatalf("BuildSearchQuery: %v", err)
		}
		got, err := nsql.ParseSuiteQL(q)
		if err != nil {
			t.Fatalf("ParseSuiteQL(%q): %v", q, err)
		}
		var conds []nsql.Cond
		if len(filter.IDs) > 0 {
			in := &nsql.In{Left: nsql.ColRef{Column: "id"}}
			for _, id := range filter.IDs {
				in.List = append(in.List, nsql.Literal{Kind: nsql.LitNumber, Text: id})
			}
			conds = append(conds, in)
		}
		esc := &nsql.Literal{Kind: nsql.LitString, Text: `\`}
		like := func(pattern string) *nsql.Like {
			return &nsql.Like{Left: upperName(), Pattern: nsql.Func{Name: "UPPER", Arg: nsql.Literal{Kind: nsql.LitString, Text: pattern}}, Escape: esc}
		}
		if filter.Name != nil {
			conds = append(conds, &nsql.Compare{Left: upperName(), Right: nsql.Func{Name: "UPPER", Arg: nsql.Literal{Kind: nsql.LitString, Text: *filter.Name}}})
		}
		if filter.NameStartsWith != nil {
			conds = append(conds, like(netsuite.LikeLiteral(*filter.NameStartsWith)+"%"))
			checkLikeParts(t, netsuite.LikeLiteral(*filter.NameStartsWith)+"%", "", *filter.NameStartsWith, true)
		}
		if filter.NameContains != nil {
			conds = append(conds, like("%"+netsuite.LikeLiteral(*filter.NameContains)+"%"))
			checkLikeParts(t, "%"+netsuite.LikeLiteral(*filter.NameContains)+"%", "%", *filter.NameContains, true)
		}
		if filter.IsInactive != nil {
			v := "F"
			if *filter.IsInactive {
				v = "T"
			}
			conds = append(conds, &nsql.Compare{Left: nsql.ColRef{Column: "isinactive"}, Right: nsql.Literal{Kind: nsql.LitString, Text: v}})
		}
		want := &nsql.Query{
			Columns: []nsql.Column{{Ref: nsql.ColRef{Column: "id"}}, {Ref: nsql.ColRef{Column: "name"}}, {Ref: nsql.ColRef{Column: "isinactive"}}},
			From:    nsql.TableRef{Name: "customercategory"},
			OrderBy: []nsql.OrderItem{{Ref: nsql.ColRef{Column: "id"}}},
		}
		switch len(conds) {
		case 0:
		case 1:
			want.Where = conds[0]
		default:
			want.Where = &nsql.Logic{Op: "AND", Terms: conds}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("query %q parsed to %#v, want %#v", q, got, want)
		}
	})
}

// checkLikeParts asserts that pattern, read with escape \, is [%]? text % — the user's text is
// one literal run with no wildcard of its own.
func checkLikeParts(t *testing.T, pattern, lead, text string, trailingAny bool) {
	t.Helper()
	parts, err := nsql.ParseLike(pattern, '\\')
	if err != nil {
		t.Fatalf("ParseLike(%q): %v", pattern, err)
	}
	var want []nsql.LikePart
	if lead == "%" {
		want = append(want, nsql.LikePart{Any: true})
	}
	if text != "" {
		want = append(want, nsql.LikePart{Literal: text})
	}
	if trailingAny {
		want = append(want, nsql.LikePart{Any: true})
	}
	if !reflect.DeepEqual(parts, want) {
		t.Fatalf("LIKE pattern %q reads as %#v, want %#v", pattern, parts, want)
	}
}

// FuzzSuiteQLEntityIDs: the SuiteQL of CategoriesOfCustomers parses to exactly one IN list with
// each entity id the client keeps as one string literal, whatever the ids contain. The ids go
// through the client's own filter first: an id too long to exist is never quoted (an unfiltered
// 4,001-byte id would be a literal SuiteQL refuses).
func FuzzSuiteQLEntityIDs(f *testing.F) {
	for _, s := range []string{"C-1001|C-1002", "it's|''|'", `') OR 1 = 1 --|x`, "a,b|\x00|ü", "%|_|\\", "",
		strings.Repeat("w", 4001) + "|C-1", strings.Repeat("'", 512)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids := netsuite.UniqueTexts(strings.Split(s, "|"))
		if len(ids) == 0 || len(ids) > 1000 {
			return
		}
		q := netsuite.BuildCustomersQuery(ids)
		got, err := nsql.ParseSuiteQL(q)
		if err != nil {
			t.Fatalf("ParseSuiteQL(%q): %v", q, err)
		}
		in := &nsql.In{Left: nsql.ColRef{Table: "c", Column: "entityid"}}
		for _, id := range ids {
			in.List = append(in.List, nsql.Literal{Kind: nsql.LitString, Text: id})
		}
		if !reflect.DeepEqual(got.Where, nsql.Cond(in)) {
			t.Fatalf("query %q has WHERE %#v, want %#v", q, got.Where, in)
		}
		wantJoin := []nsql.Join{{Left: true, Table: nsql.TableRef{Name: "customercategory", Alias: "cc"},
			On: &nsql.Compare{Left: nsql.ColRef{Table: "cc", Column: "id"}, Right: nsql.ColRef{Table: "c", Column: "category"}}}}
		if !reflect.DeepEqual(got.Joins, wantJoin) || len(got.Columns) != 5 || len(got.OrderBy) != 1 {
			t.Fatalf("query %q changed shape: %#v", q, got)
		}
	})
}

// FuzzSuiteQLCustomerID: the lookup of SetCustomerCategory compares entityid with exactly the
// caller's text as one literal.
func FuzzSuiteQLCustomerID(f *testing.F) {
	for _, s := range []string{"C-1001", "it's", "' OR '1' = '1", "\x00", "ü'", strings.Repeat("'", 512), strings.Repeat("w", 4001)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entityID string) {
		if len(netsuite.UniqueTexts([]string{entityID})) == 0 {
			return // the client never sends such an id (it cannot exist): SetCustomerCategory's own check
		}
		q := netsuite.BuildCustomerIDQuery(entityID)
		got, err := nsql.ParseSuiteQL(q)
		if err != nil {
			t.Fatalf("ParseSuiteQL(%q): %v", q, err)
		}
		want := &nsql.Compare{Left: nsql.ColRef{Column: "entityid"}, Right: nsql.Literal{Kind: nsql.LitString, Text: entityID}}
		if !reflect.DeepEqual(got.Where, nsql.Cond(want)) {
			t.Fatalf("query %q has WHERE %#v, want %#v", q, got.Where, want)
		}
	})
}
