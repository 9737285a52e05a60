package sales

import (
	"net/url"
	"slices"
	"strconv"
	"testing"
)

func TestListCustomersQuery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		opts  ListCustomersOptions
		want  string
		field string
	}{
		{"empty", ListCustomersOptions{}, "", ""},
		{"everything", ListCustomersOptions{Limit: 10, Cursor: "c1", Include: []string{IncludeType, IncludeType, "", IncludeDefaults},
			IDs: []string{"a", "b"}, Numbers: []string{"C-1"}, Status: StatusPreferred, ParentAccountID: "p", Q: "Acme & Co"},
			"cursor=c1&ids%5B%5D=a&ids%5B%5D=b&include%5B%5D=type&include%5B%5D=defaults&limit=10&numbers%5B%5D=C-1&parent_account_id=p&q=Acme+%26+Co&status=preferred", ""},
		{"text cannot add parameters", ListCustomersOptions{Q: "x&limit=1000", Numbers: []string{"C-1&status=normal"}},
			"numbers%5B%5D=C-1%26status%3Dnormal&q=x%26limit%3D1000", ""},
		{"empty id still filters", ListCustomersOptions{IDs: []string{""}}, "ids%5B%5D=", ""},
		{"limit max", ListCustomersOptions{Limit: 100}, "limit=100", ""},
		{"limit over max", ListCustomersOptions{Limit: 101}, "", "limit"},
		{"negative limit", ListCustomersOptions{Limit: -1}, "", "limit"},
		{"too many ids", ListCustomersOptions{IDs: make([]string, 101)}, "", "ids"},
		{"too many numbers", ListCustomersOptions{Numbers: make([]string, 101)}, "", "numbers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := tc.opts.query()
			if tc.field != "" {
				fe, ok := err.(*fieldError)
				if !ok || fe.field != tc.field {
					t.Fatalf("query() error = %v, want one on %s", err, tc.field)
				}
				return
			}
			if err != nil || q.Encode() != tc.want {
				t.Fatalf("query() = %q, %v; want %q", q.Encode(), err, tc.want)
			}
		})
	}
}

// allowed is every parameter name a query builder may emit.
func allowedParams() []string {
	return []string{paramLimit, paramCursor, paramInclude, paramIDs, paramNumbers, paramStatus,
		paramParentAccountID, paramQ, paramType}
}

// checkRoundTrip asserts that the encoded query parses back to exactly the intended values:
// user text can neither add nor change a parameter.
func checkRoundTrip(t *testing.T, q url.Values, want map[string][]string) {
	t.Helper()
	back, err := url.ParseQuery(q.Encode())
	if err != nil {
		t.Fatalf("encoded query does not parse: %v", err)
	}
	for k := range back {
		if !slices.Contains(allowedParams(), k) {
			t.Fatalf("unexpected parameter %q in %q", k, q.Encode())
		}
	}
	for k, vs := range want {
		if !slices.Equal(back[k], vs) {
			t.Fatalf("%s = %q, want %q (query %q)", k, back[k], vs, q.Encode())
		}
	}
	for k := range back {
		if _, ok := want[k]; !ok {
			t.Fatalf("parameter %q was not asked for (query %q)", k, q.Encode())
		}
	}
}

func nonEmpty(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

func FuzzListQueryCustomers(f *testing.F) {
	f.Add(10, "cursor", "type", "cus_1", "C-1001", "normal", "cus_0", "acme")
	f.Add(0, "", "", "", "", "", "", "")
	f.Add(100, "a&b=c", "x%26y", "id&limit=5", "C-1&ids[]=2", "normal&q=1", "p#frag", "q=1;limit=2")
	f.Add(101, "", "", "", "", "", "", "")
	f.Add(-5, "\x00", "\xff", "é", "+ %", "\n", "\r\n", "a=b=c")
	f.Fuzz(func(t *testing.T, limit int, cursor, include, id, number, status, parent, text string) {
		opts := ListCustomersOptions{Limit: limit, Cursor: cursor, Include: []string{include}, IDs: []string{id, id},
			Numbers: []string{number}, Status: status, ParentAccountID: parent, Q: text}
		q, err := opts.query()
		if limit < 0 || limit > MaxPageSize {
			if err == nil {
				t.Fatalf("limit %d accepted", limit)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{paramIDs: {id, id}, paramNumbers: {number}}
		if limit > 0 {
			want[paramLimit] = []string{strconv.Itoa(limit)}
		}
		for k, v := range map[string]string{paramCursor: cursor, paramInclude: include, paramStatus: status,
			paramParentAccountID: parent, paramQ: text} {
			if v != "" {
				want[k] = []string{v}
			}
		}
		checkRoundTrip(t, q, want)
	})
}

func FuzzListQueryAccountGroups(f *testing.F) {
	f.Add("ag_1", "ag_2", "pricing_group")
	f.Add("", "", "")
	f.Add("a&type=type_group", "b", "pricing_group&ids[]=x")
	f.Fuzz(func(t *testing.T, a, b, groupType string) {
		q, err := accountGroupsQuery([]string{a, b}, groupType)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{paramIDs: {a, b}, paramLimit: {"2"}}
		if groupType != "" {
			want[paramType] = []string{groupType}
		}
		checkRoundTrip(t, q, want)
	})
}

func FuzzListQueryAddresses(f *testing.F) {
	f.Add("addr_1", 1)
	f.Add("a&limit=1", 100)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, id string, n int) {
		n = max(0, min(n, MaxPageSize+1))
		ids := slices.Repeat([]string{id}, n)
		q, err := addressesQuery(ids)
		if n > MaxPageSize {
			if err == nil {
				t.Fatalf("%d ids accepted", n)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{}
		if n > 0 {
			want[paramIDs], want[paramLimit] = ids, []string{strconv.Itoa(n)}
		}
		checkRoundTrip(t, q, want)
	})
}

func FuzzIncludeQuery(f *testing.F) {
	f.Add("type", "defaults")
	f.Add("type&limit=1", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		q := includeQuery([]string{a, b})
		want := map[string][]string{}
		if vs := slices.Compact(nonEmpty(a, b)); len(vs) > 0 {
			want[paramInclude] = vs
		}
		if q == nil {
			q = url.Values{}
		}
		checkRoundTrip(t, q, want)
	})
}
