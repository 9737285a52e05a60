package e2e

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"

	"custgraph/upstream/seed"
)

// injections are filter values that would widen a query built by string concatenation: quote
// breaking in SuiteQL ('), NetSuite q and commercetools predicates ("), boolean operators,
// comments, LIKE wildcards, predicate variables, and unicode that a careless normaliser or
// terminal would turn into something else.
func injections() []string {
	return []string{
		`'`, `"`, `\`, `\"`, `''`,
		`' OR '1'='1`, `' OR 1=1 --`, `') OR ('1'='1`, `Enterprise' OR 'a'='a`, `x' UNION SELECT id, name, isinactive FROM customercategory --`,
		`" OR "1"="1`, `Gold" or name = "Silver`, `x" OR name IS_NOT "x`, `Enterprise" OR name START_WITH "`,
		`name = "Gold" or true`, `not(name = "x")`, `key in ("grp-001", "grp-002")`, `:name`, `var.name=Gold`,
		`1 OR 1=1`, `C-1001' OR entityid LIKE '%`, `C-1001') OR ('1'='1`,
		`%`, `_`, `%%`, `Ent%`, `E_terprise`, `%a%`, `_%`, `[a-z]%`, `*`, `.*`,
		`-- comment`, `/* comment */`, `Enterprise --`, `Enterprise/*`, `#`, `;`, `'; DROP TABLE customer; --`,
		"Enterprise\nOR 1=1", "Gold\r\nkey = \"grp-001\"", "A\x00B", "\x00",
		"Ｅｎｔｅｒｐｒｉｓｅ",       // fullwidth: Enterprise after NFKC
		"Еnterprise",       // Cyrillic Е
		"Enter\u200bprise", // zero-width space
		"\u202eesirpretnE", // right-to-left override
		"Ente\u0301rprise", // combining acute accent
		"ACME\u0130",       // dotted capital I: lower-cases to two runes
		`{"$ne": null}`, `$where`, `${jndi:ldap://x}`, `../../etc/passwd`, `%27%20OR%201=1`, `&limit=1000`, `?q=`,
		strings.Repeat("A", 2000),
	}
}

// want computes from the seed what a filter may return: the records whose values match s
// literally (case-insensitively, the loosest of the upstreams' rules).
type oracle struct{ d seed.Dataset }

func (o oracle) customersNamed(s string) []string {
	var out []string
	for _, c := range o.d.Customers {
		if strings.Contains(strings.ToLower(c.Name), strings.ToLower(s)) {
			out = append(out, c.Number)
		}
	}
	return out
}

func (o oracle) categories(match func(name string) bool) []string {
	var out []string
	for _, c := range o.d.Categories {
		if match(c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

func (o oracle) groups(match func(g seed.Group) bool) []string {
	var out []string
	for _, g := range o.d.Groups {
		if match(g) {
			out = append(out, g.Name)
		}
	}
	return out
}

// TestInjectionInFilters sends every injection string through every filter that reaches an
// upstream query language (sales q, NetSuite SuiteQL, commercetools where) and every id and
// number argument, and checks the answer against the seed: nothing beyond the literal matches,
// and no upstream ever rejects the query it was sent (a rejection would mean the value escaped
// its quoting).
func TestInjectionInFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	o := oracle{h.seed}
	fold := func(a, b string) bool { return strings.EqualFold(a, b) }
	type filter struct {
		name  string
		query string
		vars  func(s string) map[string]any
		got   func(data json.RawMessage) []string
		want  func(s string) []string // nil: must return nothing
	}
	nodes := func(field, key string) func(json.RawMessage) []string {
		return func(data json.RawMessage) []string {
			var d map[string]struct{ Nodes []map[string]any }
			_ = json.Unmarshal(data, &d)
			var out []string
			for _, n := range d[field].Nodes {
				s, _ := n[key].(string)
				out = append(out, s)
			}
			return out
		}
	}
	single := func(field, key string) func(json.RawMessage) []string {
		return func(data json.RawMessage) []string {
			var d map[string]map[string]any
			_ = json.Unmarshal(data, &d)
			if d[field] == nil {
				return nil
			}
			s, _ := d[field][key].(string)
			return []string{s}
		}
	}
	str := func(s string) map[string]any { return map[string]any{"s": s} }
	gid := func(typ string) func(s string) map[string]any {
		return func(s string) map[string]any {
			return map[string]any{"s": "gid://custgraph/" + typ + "/" + url.PathEscape(s)}
		}
	}
	filters := []filter{
		{"customers nameContains (sales q)", `query($s: String!) { customers(first: 500, filter: {nameContains: $s}) { nodes { number } } }`,
			str, nodes("customers", "number"), o.customersNamed},
		{"categories name (SuiteQL =)", `query($s: String!) { customerCategories(first: 1000, filter: {name: $s}) { nodes { name } } }`,
			str, nodes("customerCategories", "name"), func(s string) []string {
				return o.categories(func(n string) bool { return fold(n, s) })
			}},
		{"categories nameStartsWith (SuiteQL LIKE)", `query($s: String!) { customerCategories(first: 1000, filter: {nameStartsWith: $s}) { nodes { name } } }`,
			str, nodes("customerCategories", "name"), func(s string) []string {
				return o.categories(func(n string) bool { return strings.HasPrefix(strings.ToLower(n), strings.ToLower(s)) })
			}},
		{"groups name (where variable)", `query($s: String!) { customerGroups(first: 500, filter: {name: $s}) { nodes { name } } }`,
			str, nodes("customerGroups", "name"), func(s string) []string {
				return o.groups(func(g seed.Group) bool { return fold(g.Name, s) })
			}},
		{"groups key (where variable)", `query($s: String!) { customerGroups(first: 500, filter: {key: $s}) { nodes { name } } }`,
			str, nodes("customerGroups", "name"), func(s string) []string {
				return o.groups(func(g seed.Group) bool { return fold(g.Key, s) })
			}},
		{"customerGroup(key)", `query($s: String!) { customerGroup(key: $s) { name } }`, str, single("customerGroup", "name"), nil},
		{"customerByNumber (sales numbers[], SuiteQL IN)", `query($s: String!) { customerByNumber(number: $s) { number category { name } groups { key } } }`,
			str, single("customerByNumber", "number"), nil},
		{"customer(id)", `query($s: ID!) { customer(id: $s) { number } }`, gid("Customer"), single("customer", "number"), nil},
		{"customerCategory(id) (SuiteQL id)", `query($s: ID!) { customerCategory(id: $s) { name } }`, gid("CustomerCategory"), single("customerCategory", "name"), nil},
		{"customerGroup(id) (where id in)", `query($s: ID!) { customerGroup(id: $s) { name } }`, gid("CustomerGroup"), single("customerGroup", "name"), nil},
		{"node(id)", `query($s: ID!) { node(id: $s) { id } }`, gid("Address"), single("node", "id"), nil},
		{"customers categoryId", `query($s: ID!) { customers(first: 500, filter: {categoryId: $s}) { nodes { number } } }`,
			gid("CustomerCategory"), nodes("customers", "number"), nil},
		{"customers groupId", `query($s: ID!) { customers(first: 500, filter: {groupId: $s}) { nodes { number } } }`,
			gid("CustomerGroup"), nodes("customers", "number"), nil},
		{"customers parentAccountId", `query($s: ID!) { customers(first: 500, filter: {parentAccountId: $s}) { nodes { number } } }`,
			gid("Customer"), nodes("customers", "number"), nil},
	}
	for _, f := range filters {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			// Controls: a literal value finds its record, so an empty answer below means
			// "matched nothing", not "the filter is broken".
			control := map[string]string{
				"customers nameContains (sales q)": "acme industrial", "categories name (SuiteQL =)": "Enterprise",
				"categories nameStartsWith (SuiteQL LIKE)": "Enter", "groups name (where variable)": "Gold",
				"groups key (where variable)": h.seed.Groups[0].Key, "customerGroup(key)": h.seed.Groups[0].Key,
				"customerByNumber (sales numbers[], SuiteQL IN)": "C-1001",
			}
			if c, ok := control[f.name]; ok {
				r := h.do(f.query, f.vars(c))
				if len(r.Errors) > 0 || len(f.got(r.Data)) == 0 {
					t.Fatalf("control %q found nothing: %+v %s", c, r.Errors, r.Data)
				}
			}
			for _, s := range injections() {
				r := h.do(f.query, f.vars(s))
				for _, e := range r.Errors {
					// A client may refuse a value before sending it (no upstreamStatus); an
					// upstream that answered 4xx/5xx saw a query the value broke out of.
					code, _ := e.Extensions["code"].(string)
					if e.Extensions["upstreamStatus"] != nil || (code != "BAD_USER_INPUT" && code != "NOT_FOUND") {
						t.Errorf("%.40q: error %q %v: an upstream rejected the query or the gateway failed", s, e.Message, e.Extensions)
					}
				}
				got := f.got(r.Data)
				var want []string
				if f.want != nil {
					want = f.want(s)
				}
				slices.Sort(got)
				slices.Sort(want)
				if extra := without(got, want); len(extra) > 0 {
					t.Errorf("%.40q matched %d records beyond the literal value: %.5q", s, len(extra), extra)
				}
			}
		})
	}
}

// without returns the elements of got that want does not hold.
func without(got, want []string) []string {
	var out []string
	for _, g := range got {
		if !slices.Contains(want, g) {
			out = append(out, g)
		}
	}
	return out
}
