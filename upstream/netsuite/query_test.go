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

func TestPlanWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		offset, limit int
		want          windowPlan
	}{
		{0, 10, windowPlan{pageLimit: 10, pageOffset: 0, skip: 0, pages: 1}},
		{30, 10, windowPlan{pageLimit: 10, pageOffset: 30, skip: 0, pages: 1}},
		{50, 20, windowPlan{pageLimit: 24, pageOffset: 48, skip: 2, pages: 1}},
		{2, 3, windowPlan{pageLimit: 5, pageOffset: 0, skip: 2, pages: 1}},
		{999, 2, windowPlan{pageLimit: 3, pageOffset: 999, skip: 0, pages: 1}},
		{7, 1000, windowPlan{pageLimit: 1000, pageOffset: 0, skip: 7, pages: 2}},
	}
	for _, tt := range tests {
		got := planWindow(tt.offset, tt.limit)
		if got != tt.want {
			t.Errorf("planWindow(%d, %d) = %+v, want %+v", tt.offset, tt.limit, got, tt.want)
		}
		// Whatever the plan, the page(s) must cover the window.
		end := got.pageOffset + got.pageLimit*got.pages
		if got.pageOffset > tt.offset || end < tt.offset+tt.limit || got.pageOffset%got.pageLimit != 0 || got.pageLimit > maxBatch {
			t.Errorf("planWindow(%d, %d) = %+v does not cover the window with aligned pages", tt.offset, tt.limit, got)
		}
	}
}

func FuzzPlanWindow(f *testing.F) {
	f.Add(50, 20)
	f.Add(7, 1000)
	f.Add(12345, 17)
	f.Fuzz(func(t *testing.T, offset, limit int) {
		if offset < 0 || offset > 1<<30 || limit < 1 || limit > maxBatch {
			return
		}
		p := planWindow(offset, limit)
		end := p.pageOffset + p.pageLimit*p.pages
		if p.pageOffset > offset || end < offset+limit || p.pageOffset%p.pageLimit != 0 || p.pageLimit > maxBatch ||
			p.skip != offset-p.pageOffset || (p.pages != 1 && p.pages != 2) {
			t.Fatalf("planWindow(%d, %d) = %+v", offset, limit, p)
		}
	})
}
