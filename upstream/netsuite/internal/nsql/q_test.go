package nsql

import (
	"reflect"
	"strings"
	"testing"
)

func str(s string) QValue  { return QValue{Kind: QString, Text: s} }
func word(s string) QValue { return QValue{Kind: QWord, Text: s} }
func num(s string) QValue  { return QValue{Kind: QNumber, Text: s} }

func TestParseQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		q    string
		want QExpr
	}{
		{"boolean", `isInactive IS false`, &QCond{Field: "isInactive", Op: "IS", Values: []QValue{word("false")}}},
		{"quoted string", `name IS "Enterprise"`, &QCond{Field: "name", Op: "IS", Values: []QValue{str("Enterprise")}}},
		{"escapes", `name IS "a \"b\" \\ c"`, &QCond{Field: "name", Op: "IS", Values: []QValue{str(`a "b" \ c`)}}},
		{"keywords inside a string stay text", `name CONTAIN "x\" OR id ANY_OF [1]"`,
			&QCond{Field: "name", Op: "CONTAIN", Values: []QValue{str(`x" OR id ANY_OF [1]`)}}},
		{"bare word", `email START_WITH barbara`, &QCond{Field: "email", Op: "START_WITH", Values: []QValue{word("barbara")}}},
		{"unary", `companyName EMPTY`, &QCond{Field: "companyName", Op: "EMPTY"}},
		{"list", `id ANY_OF [1, 2, 3]`, &QCond{Field: "id", Op: "ANY_OF", List: true, Values: []QValue{num("1"), num("2"), num("3")}}},
		{"between", `id BETWEEN [1, 42]`, &QCond{Field: "id", Op: "BETWEEN", List: true, Values: []QValue{num("1"), num("42")}}},
		{"and chain flattens", `name CONTAIN "prise" AND isInactive IS false AND id GREATER 3`, &QLogic{Op: "AND", Terms: []QExpr{
			&QCond{Field: "name", Op: "CONTAIN", Values: []QValue{str("prise")}},
			&QCond{Field: "isInactive", Op: "IS", Values: []QValue{word("false")}},
			&QCond{Field: "id", Op: "GREATER", Values: []QValue{num("3")}},
		}}},
		{"and binds tighter than or", `id EQUAL 1 OR id EQUAL 2 AND name IS "x"`, &QLogic{Op: "OR", Terms: []QExpr{
			&QCond{Field: "id", Op: "EQUAL", Values: []QValue{num("1")}},
			&QLogic{Op: "AND", Terms: []QExpr{
				&QCond{Field: "id", Op: "EQUAL", Values: []QValue{num("2")}},
				&QCond{Field: "name", Op: "IS", Values: []QValue{str("x")}},
			}},
		}}},
		{"parentheses", `(id EQUAL 1 OR id EQUAL 2) AND name IS "x"`, &QLogic{Op: "AND", Terms: []QExpr{
			&QLogic{Op: "OR", Terms: []QExpr{
				&QCond{Field: "id", Op: "EQUAL", Values: []QValue{num("1")}},
				&QCond{Field: "id", Op: "EQUAL", Values: []QValue{num("2")}},
			}},
			&QCond{Field: "name", Op: "IS", Values: []QValue{str("x")}},
		}}},
		{"negative and decimal numbers", `amount GREATER -1.5`, &QCond{Field: "amount", Op: "GREATER", Values: []QValue{num("-1.5")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseQ(tt.q)
			if err != nil {
				t.Fatalf("ParseQ(%q): %v", tt.q, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQ(%q) = %#v, want %#v", tt.q, got, tt.want)
			}
		})
	}
}

func TestParseQRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, q, wantErr string
	}{
		{"empty", ``, "empty"},
		{"seed's = notation", `isInactive=false`, "expected a field name"},
		{"seed's = notation spaced", `isInactive = false`, "unknown operator"},
		{"seed's single quotes", `name='Enterprise'`, "double quotes"},
		{"seed's LIKE", `name LIKE "Enter%"`, "unknown operator"},
		{"single-quoted value", `name IS 'Enterprise'`, "double quotes"},
		{"lower-case operator", `name is "x"`, "unknown operator"},
		{"unterminated string", `name IS "abc`, "unterminated"},
		{"bad escape", `name IS "a\nb"`, "invalid escape"},
		{"dangling AND", `name IS "x" AND`, "field name"},
		{"missing value", `name IS`, "expected a value"},
		{"unclosed paren", `(name IS "x"`, "expected )"},
		{"stray paren", `name IS "x")`, "unexpected"},
		{"unclosed list", `id ANY_OF [1, 2`, "expected , or ]"},
		{"juxtaposed conditions", `name IS "x" name IS "y"`, "unexpected"},
		{"not valid UTF-8", "name IS \"\xff\"", "UTF-8"},
		{"too deep", strings.Repeat("(", 40) + `id EQUAL 1` + strings.Repeat(")", 40), "nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseQ(tt.q)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseQ(%q) error = %v, want one containing %q", tt.q, err, tt.wantErr)
			}
		})
	}
}

func testSchema() Schema {
	return Schema{"id": TypeNumber, "name": TypeString, "isInactive": TypeBoolean}
}

func TestCheckQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, q, wantErr string // wantErr "" = valid
	}{
		{"string op", `name START_WITH "Ent"`, ""},
		{"field case-insensitive", `ISINACTIVE IS true`, ""},
		{"bare word for a string", `name IS Retail`, ""},
		{"number list", `id ANY_OF [1, 2]`, ""},
		{"empty", `name EMPTY_NOT`, ""},
		{"unknown field", `color IS "red"`, "cannot be used in a filter"},
		{"string op on number", `id CONTAIN "1"`, "cannot be used with field id"},
		{"number op on string", `name EQUAL 1`, "cannot be used with field name"},
		{"boolean needs true/false", `isInactive IS "false"`, "true or false"},
		{"number needs numbers", `id ANY_OF ["1"]`, "takes numbers"},
		{"between needs two", `id BETWEEN [1]`, "two values"},
		{"single op with list", `name IS ["a"]`, "exactly one value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseQ(tt.q)
			if err != nil {
				t.Fatalf("ParseQ(%q): %v", tt.q, err)
			}
			err = CheckQ(e, testSchema())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckQ(%q): %v", tt.q, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckQ(%q) error = %v, want one containing %q", tt.q, err, tt.wantErr)
			}
		})
	}
}

func TestEvalQ(t *testing.T) {
	t.Parallel()
	rec := func(id float64, name string, inactive bool) Record {
		return func(f string) any {
			switch f {
			case "id":
				return id
			case "name":
				if name == "" {
					return nil
				}
				return name
			case "isInactive":
				return inactive
			}
			return nil
		}
	}
	ent := rec(1, "Enterprise", false)
	empty := rec(7, "", true)
	tests := []struct {
		q    string
		r    Record
		want bool
	}{
		{`name IS "enterprise"`, ent, true},
		{`name IS_NOT "Enterprise"`, ent, false},
		{`name START_WITH "ENTER"`, ent, true},
		{`name START_WITH_NOT "Enter"`, ent, false},
		{`name END_WITH "prise"`, ent, true},
		{`name CONTAIN "terp"`, ent, true},
		{`name CONTAIN_NOT "terp"`, ent, false},
		{`name CONTAIN "%"`, ent, false},
		{`isInactive IS false`, ent, true},
		{`isInactive IS_NOT false`, ent, false},
		{`id ANY_OF [3, 1]`, ent, true},
		{`id ANY_OF_NOT [3, 1]`, ent, false},
		{`id EQUAL 1`, ent, true},
		{`id GREATER 0`, ent, true},
		{`id GREATER_OR_EQUAL 1`, ent, true},
		{`id LESS 1`, ent, false},
		{`id LESS_OR_EQUAL 1`, ent, true},
		{`id BETWEEN [1, 5]`, ent, true},
		{`id BETWEEN_NOT [1, 5]`, ent, false},
		{`name EMPTY`, empty, true},
		{`name EMPTY_NOT`, ent, true},
		{`name IS "x" OR id EQUAL 7`, empty, true},
		{`(name IS "x" OR id EQUAL 7) AND isInactive IS false`, empty, false},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			t.Parallel()
			e, err := ParseQ(tt.q)
			if err == nil {
				err = CheckQ(e, testSchema())
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := EvalQ(e, tt.r); got != tt.want {
				t.Errorf("EvalQ(%q) = %t, want %t", tt.q, got, tt.want)
			}
		})
	}
}
