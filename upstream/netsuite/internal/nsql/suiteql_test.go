package nsql

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseSuiteQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    string
		want *Query
	}{
		{
			name: "contract batch",
			q:    "SELECT id, name, isinactive FROM customercategory WHERE id IN (1, 2, 3)",
			want: &Query{
				Columns: []Column{{Ref: ColRef{Column: "id"}}, {Ref: ColRef{Column: "name"}}, {Ref: ColRef{Column: "isinactive"}}},
				From:    TableRef{Name: "customercategory"},
				Where: &In{Left: ColRef{Column: "id"}, List: []Literal{
					{Kind: LitNumber, Text: "1"}, {Kind: LitNumber, Text: "2"}, {Kind: LitNumber, Text: "3"}}},
			},
		},
		{
			name: "contract join",
			q: "SELECT c.entityid, c.category, cc.name, cc.isinactive FROM customer c LEFT JOIN customercategory cc " +
				"ON cc.id = c.category WHERE c.entityid IN ('C-1001', 'C-1002')",
			want: &Query{
				Columns: []Column{
					{Ref: ColRef{"c", "entityid"}}, {Ref: ColRef{"c", "category"}},
					{Ref: ColRef{"cc", "name"}}, {Ref: ColRef{"cc", "isinactive"}},
				},
				From: TableRef{Name: "customer", Alias: "c"},
				Joins: []Join{{Left: true, Table: TableRef{Name: "customercategory", Alias: "cc"},
					On: &Compare{Left: ColRef{"cc", "id"}, Right: ColRef{"c", "category"}}}},
				Where: &In{Left: ColRef{"c", "entityid"}, List: []Literal{
					{Kind: LitString, Text: "C-1001"}, {Kind: LitString, Text: "C-1002"}}},
			},
		},
		{
			name: "like with escape, upper, and/or, order, alias, keywords in any case",
			q: `select ID as Ident, name from CustomerCategory where (upper(name) like upper('o''k\%%') escape '\' ` +
				`or isinactive = 'T') and id = 5 order by name desc, id`,
			want: &Query{
				Columns: []Column{{Ref: ColRef{Column: "id"}, Alias: "ident"}, {Ref: ColRef{Column: "name"}}},
				From:    TableRef{Name: "customercategory"},
				Where: &Logic{Op: "AND", Terms: []Cond{
					&Logic{Op: "OR", Terms: []Cond{
						&Like{Left: Func{"UPPER", ColRef{Column: "name"}}, Pattern: Func{"UPPER", Literal{LitString, `o'k\%%`}},
							Escape: &Literal{LitString, `\`}},
						&Compare{Left: ColRef{Column: "isinactive"}, Right: Literal{LitString, "T"}},
					}},
					&Compare{Left: ColRef{Column: "id"}, Right: Literal{LitNumber, "5"}},
				}},
				OrderBy: []OrderItem{{Ref: ColRef{Column: "name"}, Desc: true}, {Ref: ColRef{Column: "id"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSuiteQL(tt.q)
			if err != nil {
				t.Fatalf("ParseSuiteQL: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSuiteQL(%q) =\n%#v\nwant\n%#v", tt.q, got, tt.want)
			}
		})
	}
}

func TestParseSuiteQLRejects(t *testing.T) {
	t.Parallel()
	longIn := "SELECT id FROM customer WHERE id IN (" + strings.Repeat("1, ", MaxInList) + "1)"
	tests := []struct {
		name, q, wantErr string
	}{
		{"not a select", "DELETE FROM customer", "expected SELECT"},
		{"star", "SELECT * FROM customer", "SELECT *"},
		{"no from", "SELECT id", "expected FROM"},
		{"unterminated literal", "SELECT id FROM customer WHERE entityid = 'abc", "unterminated"},
		{"injection-looking tail", "SELECT id FROM customer WHERE entityid = 'a' OR 1 = 1 --'", "comments"},
		{"inequality", "SELECT id FROM customer WHERE id > 3", "unexpected character"},
		{"not equal", "SELECT id FROM customer WHERE id <> 3", "unexpected character"},
		{"unsupported function", "SELECT id FROM customer WHERE LOWER(entityid) = 'a'", "function LOWER"},
		{"NOT", "SELECT id FROM customer WHERE NOT id = 3", "expected a column"},
		{"IS NULL", "SELECT id FROM customer WHERE category IS NULL", "expected =, IN or LIKE"},
		{"group by", "SELECT id FROM customer GROUP BY id", "unexpected"},
		{"subquery in IN", "SELECT id FROM customer WHERE id IN (SELECT id FROM customer)", "IN lists take literals"},
		{"two-character escape", "SELECT id FROM customer WHERE entityid LIKE 'a' ESCAPE '\\\\'", "one character"},
		{"IN list too long", longIn, "at most 1000"},
		{"trailing garbage", "SELECT id FROM customer ORDER BY id; DROP TABLE customer", "unexpected character"},
		{"reserved alias", "SELECT id FROM customer WHERE", "expected a column"},
		{"semicolon", "SELECT id FROM customer;", "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSuiteQL(tt.q)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseSuiteQL(%q) error = %v, want one containing %q", tt.q, err, tt.wantErr)
			}
		})
	}
}

func TestLike(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		escape  rune
		s       string
		want    bool
	}{
		{"Enter%", 0, "Enterprise", true},
		{"Enter%", 0, "enterprise", false},
		{"%prise", 0, "Enterprise", true},
		{"%terp%", 0, "Enterprise", true},
		{"E_terprise", 0, "Enterprise", true},
		{"E_terprise", 0, "Eterprise", false},
		{`100\%`, '\\', "100%", true},
		{`100\%`, '\\', "1000", false},
		{`a\_b`, '\\', "a_b", true},
		{`a\_b`, '\\', "axb", false},
		{`a\\b%`, '\\', `a\bc`, true},
		{"%", 0, "", true},
		{"%%", 0, "x", true},
		{"ü%", 0, "über", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.s, func(t *testing.T) {
			t.Parallel()
			parts, err := ParseLike(tt.pattern, tt.escape)
			if err != nil {
				t.Fatal(err)
			}
			if got := MatchLike(tt.s, parts); got != tt.want {
				t.Errorf("%q LIKE %q = %t, want %t", tt.s, tt.pattern, got, tt.want)
			}
		})
	}
	if _, err := ParseLike(`a\b`, '\\'); err == nil {
		t.Error(`ParseLike("a\\b") with escape \ succeeded; an escape must precede %, _ or itself`)
	}
	if _, err := ParseLike(`a\`, '\\'); err == nil {
		t.Error(`ParseLike("a\\") succeeded; a trailing escape is invalid`)
	}
}
