package sandbox

import (
	"strings"
	"testing"
	"time"

	"custgraph/upstream/commercetools"
)

func testCustomer() *customer {
	return &customer{id: "c1", number: "C-1001", email: "c-1001@example.com", companyName: "Acme",
		group: "g1", assignments: []string{"g1", "g2"}}
}

func TestWhereGroups(t *testing.T) {
	t.Parallel()
	g := groupRecord{&group{id: "g1", key: "gold", name: `Gold "Plus"`}}
	noKey := groupRecord{&group{id: "g2", name: "Silver"}}
	vars := map[string][]string{"n": {`Gold "Plus"`}, "ids": {"g0", "g1"}, "two": {"a", "b"}}
	tests := []struct {
		where      string
		g, noKey   bool
		wantErrSub string
	}{
		{`name = "Gold \"Plus\""`, true, false, ""},
		{`name = :n`, true, false, ""},
		{`key = "gold"`, true, false, ""},
		{`key != "gold"`, false, false, ""}, // undefined key satisfies nothing
		{`key <> "x"`, true, false, ""},
		{`id in ("g1", "g3")`, true, false, ""},
		{`id in :ids`, true, false, ""},
		{`id not in :ids`, false, true, ""},
		{`id in (:n, "g2")`, false, true, ""},
		{`key is defined`, true, false, ""},
		{`key is not defined`, false, true, ""},
		{`KEY IS DEFINED`, false, false, "unknown field 'KEY'"},
		{`key IS NOT DEFINED`, false, true, ""},
		{`name = "Silver" or key = "gold"`, true, true, ""},
		{`name = "Silver" and key = "gold"`, false, false, ""},
		{`not(name = "Silver")`, true, false, ""},
		{`not (name = "Silver" or id = "g1")`, false, false, ""},
		{`(id = "g1" or id = "g2") and not(key is defined)`, false, true, ""},
		{`id = "g1" or id = "g2" and key = "gold"`, true, false, ""}, // and binds tighter
		{``, false, false, "expected a field name"},
		{`name = 'Gold'`, false, false, "invalid input"},
		{`name = Gold`, false, false, "expected a string literal"},
		{`name = 42`, false, false, "invalid input"},
		{`name like "G%"`, false, false, "expected an operator"},
		{`name = "Gold`, false, false, "unterminated string"},
		{`name = "\x"`, false, false, "invalid escape"},
		{`name = :missing`, false, false, "not provided"},
		{`name = :two`, false, false, "exactly one value"},
		{`id in ()`, false, false, "expected a string literal"},
		{`id in :missing`, false, false, "not provided"},
		{`version = "1"`, false, false, "unknown field 'version'"},
		{`name(id = "x")`, false, false, "not an object"},
		{`(name = "a"`, false, false, "expected ')'"},
		{`name = "a")`, false, false, "unexpected ')'"},
		{`name = "a" and`, false, false, "expected a field name"},
		{`name = "a" "b"`, false, false, "unexpected string literal"},
		{`not name = "a"`, false, false, "unknown field 'not'"},
		{`name is empty`, false, false, "expected 'defined'"},
		{`id in ("a" "b")`, false, false, "expected ',' or ')'"},
		{`name = :`, false, false, "variable name expected"},
		{strings.Repeat("not(", 40) + `id = "g1"` + strings.Repeat(")", 40), false, false, "deeper than"},
	}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			t.Parallel()
			e, err := parseWhere(tt.where, groupSchema, vars)
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := e.eval(g); got != tt.g {
				t.Errorf("eval(gold) = %v, want %v", got, tt.g)
			}
			if got := e.eval(noKey); got != tt.noKey {
				t.Errorf("eval(silver) = %v, want %v", got, tt.noKey)
			}
		})
	}
}

func TestWhereCustomers(t *testing.T) {
	t.Parallel()
	c := customerRecord{testCustomer()}
	none := customerRecord{&customer{id: "c2", number: "C-1002", email: "x"}}
	tests := []struct {
		where      string
		c, none    bool
		wantErrSub string
	}{
		{`customerNumber in :nums`, true, true, ""},
		{`customerGroup(id = "g1")`, true, false, ""},
		{`customerGroup(id = "g1" and typeId = "customer-group")`, true, false, ""},
		{`customerGroup is defined`, true, false, ""},
		{`customerGroup is not defined`, false, true, ""},
		{`customerGroupAssignments(customerGroup(id = "g2"))`, true, false, ""},
		{`customerGroupAssignments(customerGroup(id in ("g3", "g4")))`, false, false, ""},
		{`not(customerGroupAssignments(customerGroup(id = "g2")))`, false, true, ""},
		{`customerGroup = "g1"`, false, false, "is an object"},
		{`customerGroup(name = "x")`, false, false, "unknown field 'name'"},
		{`companyName = "Acme" and email = "c-1001@example.com"`, true, false, ""},
	}
	vars := map[string][]string{"nums": {"C-1001", "C-1002"}}
	for _, tt := range tests {
		t.Run(tt.where, func(t *testing.T) {
			t.Parallel()
			e, err := parseWhere(tt.where, customerSchema, vars)
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := e.eval(c); got != tt.c {
				t.Errorf("eval(c) = %v, want %v", got, tt.c)
			}
			if got := e.eval(none); got != tt.none {
				t.Errorf("eval(none) = %v, want %v", got, tt.none)
			}
		})
	}
}

// FuzzWhereParse feeds arbitrary text to the parser: it must answer (an error is fine) without
// panicking or hanging, whatever the input.
func FuzzWhereParse(f *testing.F) {
	for _, s := range []string{`name = "Gold"`, `id in :ids`, `not(key is defined) or name != :n`,
		`customerGroup(id = "x")`, `customerGroupAssignments(customerGroup(id in ("a","b")))`,
		`((((`, `"\`, `name = "\"`, `:`, `not(not(not(`, "id in (\"a\",", `name <> "x" and`} {
		f.Add(s)
	}
	vars := map[string][]string{"ids": {"a", "b"}, "n": {"x"}}
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		for _, sch := range []schema{groupSchema, customerSchema} {
			e, err := parseWhere(src, sch, vars)
			if err == nil {
				e.eval(groupRecord{&group{id: "a", name: "x"}})
				e.eval(customerRecord{testCustomer()})
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("parsing %d bytes took %v", len(src), d)
		}
	})
}

// FuzzPredicateRoundTrip checks the client's predicate builder against this parser: whatever
// the value, the encoded predicate parses and selects exactly what it says.
func FuzzPredicateRoundTrip(f *testing.F) {
	f.Add("Gold", "Silver")
	f.Add(`a" or name != "b`, `a" or name != "b`)
	f.Add("", ":p0")
	f.Add("\x00\xff", `\"`)
	f.Fuzz(func(t *testing.T, name, other string) {
		g := groupRecord{&group{id: "g1", key: "k1", name: name}}
		tests := []struct {
			p    commercetools.Predicate
			want bool
		}{
			{commercetools.Eq("name", name), true},
			{commercetools.Eq("name", other), name == other},
			{commercetools.Not(commercetools.Eq("name", other)), name != other},
			{commercetools.In("name", []string{other, name}), true},
			{commercetools.And(commercetools.Eq("id", "g1"), commercetools.Eq("name", other)), name == other},
			{commercetools.Or(commercetools.Eq("key", other), commercetools.Eq("name", name)), true},
		}
		for i, tt := range tests {
			where, vars, err := tt.p.Encode()
			if err != nil {
				t.Fatalf("case %d: Encode: %v", i, err)
			}
			e, err := parseWhere(where, groupSchema, vars)
			if err != nil {
				t.Fatalf("case %d: parse %q: %v", i, where, err)
			}
			if got := e.eval(g); got != tt.want {
				t.Fatalf("case %d: %q with %v = %v, want %v", i, where, vars, got, tt.want)
			}
		}
		c := customerRecord{testCustomer()}
		where, vars, err := commercetools.Eq("customerGroup.id", other).Encode()
		if err != nil {
			t.Fatal(err)
		}
		e, err := parseWhere(where, customerSchema, vars)
		if err != nil {
			t.Fatalf("parse %q: %v", where, err)
		}
		if got := e.eval(c); got != (other == "g1") {
			t.Fatalf("%q = %v for %q", where, got, other)
		}
	})
}
