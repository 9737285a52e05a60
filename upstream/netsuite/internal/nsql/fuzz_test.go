package nsql

import (
	"testing"
	"unicode/utf8"
)

// FuzzParseQ: the simulator's q parser never panics, and what it accepts it can check and
// evaluate.
func FuzzParseQ(f *testing.F) {
	for _, s := range []string{`name IS "x"`, `(id ANY_OF [1, 2] OR name START_WITH "a\"b") AND isInactive IS false`,
		`id BETWEEN [1, 42]`, `name EMPTY`, `((((`, `name IS "\`, `x IS [`, `a AND OR b`} {
		f.Add(s)
	}
	schema := Schema{"id": TypeNumber, "name": TypeString, "isInactive": TypeBoolean}
	rec := func(field string) any {
		switch field {
		case "id":
			return float64(3)
		case "name":
			return "Enterprise"
		case "isInactive":
			return false
		}
		return nil
	}
	f.Fuzz(func(t *testing.T, q string) {
		e, err := ParseQ(q)
		if err != nil {
			return
		}
		if CheckQ(e, schema) == nil {
			EvalQ(e, rec)
		}
	})
}

// FuzzParseSuiteQL: the SuiteQL parser never panics; LIKE patterns it accepts parse and match.
func FuzzParseSuiteQL(f *testing.F) {
	for _, s := range []string{
		"SELECT id, name FROM customercategory WHERE id IN (1, 2) ORDER BY id",
		"SELECT c.id FROM customer c LEFT JOIN customercategory cc ON cc.id = c.category WHERE UPPER(cc.name) LIKE UPPER('a\\%%') ESCAPE '\\'",
		"SELECT id FROM customer WHERE entityid = 'it''s' OR (id = 1 AND id = 2)",
		"SELECT", "SELECT id FROM", "SELECT id FROM t WHERE (", "SELECT id FROM t WHERE x IN (",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		parsed, err := ParseSuiteQL(q)
		if err != nil {
			return
		}
		var walk func(c Cond)
		walk = func(c Cond) {
			switch c := c.(type) {
			case *Logic:
				for _, t := range c.Terms {
					walk(t)
				}
			case *Like:
				lit, ok := c.Pattern.(Literal)
				if !ok {
					return
				}
				var esc rune
				if c.Escape != nil {
					esc, _ = utf8.DecodeRuneInString(c.Escape.Text)
				}
				if parts, err := ParseLike(lit.Text, esc); err == nil {
					MatchLike("Enterprise", parts)
				}
			}
		}
		if parsed.Where != nil {
			walk(parsed.Where)
		}
	})
}
