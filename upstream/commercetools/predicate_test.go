package commercetools_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	ct "custgraph/upstream/commercetools"
)

func TestPredicateEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		p     ct.Predicate
		where string
		vars  url.Values
		err   string
	}{
		{"zero", ct.Predicate{}, "", nil, ""},
		{"eq", ct.Eq("name", "Gold"), "name = :p0", url.Values{"p0": {"Gold"}}, ""},
		{"in", ct.In("id", []string{"a", "b"}), "id in :p0", url.Values{"p0": {"a", "b"}}, ""},
		{"nested", ct.Eq("customerGroup.id", "g1"), "customerGroup(id = :p0)", url.Values{"p0": {"g1"}}, ""},
		{"deep nested in", ct.In("customerGroupAssignments.customerGroup.id", []string{"x"}),
			"customerGroupAssignments(customerGroup(id in :p0))", url.Values{"p0": {"x"}}, ""},
		{"and or not", ct.And(ct.Eq("key", "k"), ct.Or(ct.Eq("name", "a"), ct.Not(ct.In("id", []string{"i"})))),
			"(key = :p0) and ((name = :p1) or (not(id in :p2)))",
			url.Values{"p0": {"k"}, "p1": {"a"}, "p2": {"i"}}, ""},
		{"and skips zero", ct.And(ct.Predicate{}, ct.Eq("name", "a"), ct.Predicate{}), "name = :p0", url.Values{"p0": {"a"}}, ""},
		{"empty and", ct.And(), "", nil, ""},
		{"empty or", ct.Or(ct.Predicate{}), "", nil, ""},
		{"value with quotes", ct.Eq("name", `a" or name != "b`), "name = :p0", url.Values{"p0": {`a" or name != "b`}}, ""},
		{"field with space", ct.Eq("name or id", "x"), "", nil, "not an identifier"},
		{"field with quote", ct.Eq(`name="x"`, "x"), "", nil, "not an identifier"},
		{"field with paren", ct.Eq("name)", "x"), "", nil, "not an identifier"},
		{"keyword field", ct.Eq("not", "x"), "", nil, "not an identifier"},
		{"empty field", ct.Eq("", "x"), "", nil, "not an identifier"},
		{"empty segment", ct.Eq("a..b", "x"), "", nil, "not an identifier"},
		{"leading digit", ct.Eq("1a", "x"), "", nil, "not an identifier"},
		{"empty in", ct.In("id", []string{}), "", nil, "at least one value"},
		{"not zero", ct.Not(ct.Predicate{}), "", nil, "empty predicate"},
		{"error inside and", ct.And(ct.Eq("name", "a"), ct.Eq("bad field", "b")), "", nil, "not an identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			where, vars, err := tt.p.Encode()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if where != tt.where || !reflect.DeepEqual(vars, tt.vars) {
				t.Fatalf("Encode = %q %v, want %q %v", where, vars, tt.where, tt.vars)
			}
			if tt.p.IsZero() != (where == "") {
				t.Fatalf("IsZero = %v for %q", tt.p.IsZero(), where)
			}
			if tt.p.String() != where {
				t.Fatalf("String = %q, want %q", tt.p.String(), where)
			}
		})
	}
}

// exprAlphabet is every byte a where expression built from valid fields can hold.
const exprAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ ()=:"

// FuzzPredicate checks that caller text can never change the expression: values only ever
// appear as variables, and field names are either rejected or made of identifier characters.
func FuzzPredicate(f *testing.F) {
	f.Add("name", "Gold", "Silver")
	f.Add("customerGroup.id", `x") or (id = "y`, "")
	f.Add(`name = "a" or key`, ":p1", "var.p0")
	f.Add("key", "\x00\n\"\\", "not(")
	f.Add("a.b.c", "", "))")
	f.Add("not", "and", "or")
	f.Fuzz(func(t *testing.T, field, v1, v2 string) {
		build := func(a, b string) ct.Predicate {
			return ct.And(ct.Eq(field, a), ct.Or(ct.In(field, []string{a, b}), ct.Not(ct.Eq("name", b))))
		}
		where, vars, err := build(v1, v2).Encode()
		if err != nil {
			// Only the field can be rejected; it must not be a plain identifier path.
			if _, _, err2 := ct.Eq(field, "").Encode(); err2 == nil {
				t.Fatalf("Encode failed (%v) but the field alone is accepted", err)
			}
			return
		}
		for i := range len(field) {
			if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.", rune(field[i])) {
				t.Fatalf("field %q accepted", field)
			}
		}
		ref, _, err := build("a", "b").Encode()
		if err != nil || ref != where {
			t.Fatalf("expression depends on values: %q vs %q (%v)", where, ref, err)
		}
		for i := range len(where) {
			if !strings.ContainsRune(exprAlphabet, rune(where[i])) {
				t.Fatalf("expression %q has byte %q", where, where[i])
			}
		}
		want := url.Values{"p0": {v1}, "p1": {v1, v2}, "p2": {v2}}
		if !reflect.DeepEqual(vars, want) {
			t.Fatalf("vars = %v, want %v", vars, want)
		}
	})
}
