package netsuite

import (
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestBuildQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		f       CategoryFilter
		want    string
		wantErr string
	}{
		{"none", CategoryFilter{}, "", ""},
		{"active", CategoryFilter{IsInactive: ptr(false)}, `isInactive IS false`, ""},
		{"name", CategoryFilter{Name: ptr("Enterprise")}, `name IS "Enterprise"`, ""},
		{"quotes and backslashes", CategoryFilter{NameContains: ptr(`a"b\c`)}, `name CONTAIN "a\"b\\c"`, ""},
		{"all, in fixed order", CategoryFilter{IDs: []string{"1", "20"}, Name: ptr("x"), NameStartsWith: ptr("y"),
			NameContains: ptr("z"), IsInactive: ptr(true)},
			`id ANY_OF [1, 20] AND name IS "x" AND name START_WITH "y" AND name CONTAIN "z" AND isInactive IS true`, ""},
		{"bad id", CategoryFilter{IDs: []string{"1 OR"}}, "", "not a NetSuite internal id"},
		{"leading zero", CategoryFilter{IDs: []string{"01"}}, "", "not a NetSuite internal id"},
		{"invalid UTF-8", CategoryFilter{Name: ptr("\xff")}, "", "UTF-8"},
		{"too many ids", CategoryFilter{IDs: strings.Split(strings.Repeat("1,", 1000)+"1", ",")}, "", "at most 1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := buildQ(tt.f)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("buildQ = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestSuiteQLBuilders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"search, no filter", func() (string, error) { return buildSearchQuery(CategoryFilter{}) },
			"SELECT id, name, isinactive FROM customercategory ORDER BY id"},
		{"search, every filter", func() (string, error) {
			return buildSearchQuery(CategoryFilter{IDs: []string{"3"}, Name: ptr("O'Brien"), NameStartsWith: ptr(`50%_\`),
				NameContains: ptr("x"), IsInactive: ptr(false)})
		}, `SELECT id, name, isinactive FROM customercategory WHERE id IN (3) AND UPPER(name) = UPPER('O''Brien')` +
			` AND UPPER(name) LIKE UPPER('50\%\_\\%') ESCAPE '\' AND UPPER(name) LIKE UPPER('%x%') ESCAPE '\'` +
			` AND isinactive = 'F' ORDER BY id`},
		{"by id", func() (string, error) { return buildCategoriesByIDQuery([]string{"1", "2"}), nil },
			"SELECT id, name, isinactive FROM customercategory WHERE id IN (1, 2) ORDER BY id"},
		{"customers", func() (string, error) { return buildCustomersQuery([]string{"C-1001", "it's"}), nil },
			"SELECT c.id, c.entityid, c.category, cc.name, cc.isinactive FROM customer c LEFT JOIN customercategory cc" +
				" ON cc.id = c.category WHERE c.entityid IN ('C-1001', 'it''s') ORDER BY c.id"},
		{"members", func() (string, error) { return buildMembersQuery([]string{"5"}), nil },
			"SELECT c.id, c.entityid, c.category FROM customer c WHERE c.category IN (5) AND c.isinactive = 'F' ORDER BY c.id"},
		{"customer id", func() (string, error) { return buildCustomerIDQuery("C-1'"), nil },
			"SELECT id FROM customer WHERE entityid = 'C-1''' ORDER BY id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.got()
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

func TestBatchHelpers(t *testing.T) {
	t.Parallel()
	if got := uniqueIDs([]string{"1", "1", "x", "", "007", "2", "-3"}); strings.Join(got, ",") != "1,2" {
		t.Errorf("uniqueIDs = %v, want [1 2]", got)
	}
	if got := uniqueTexts([]string{"a", "", "a", "\xff", "b", strings.Repeat("x", maxEntityIDLen+1)}); strings.Join(got, ",") != "a,b" {
		t.Errorf("uniqueTexts = %v, want [a b]", got)
	}
	ids := make([]string, 2500)
	got := chunks(ids, 1000)
	if len(got) != 3 || len(got[0]) != 1000 || len(got[2]) != 500 {
		t.Errorf("chunks of 2500 = %d chunks, want 1000+1000+500", len(got))
	}
	if chunks(nil, 1000) != nil {
		t.Error("chunks(nil) is not empty")
	}
}
