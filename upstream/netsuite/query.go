package netsuite

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxBatch is both SuiteQL's IN-list limit (Oracle's 1000 expressions) and its page size, so one
// batch of ids is one request.
const maxBatch = 1000

// maxFilterText bounds filter text: no category name comes close, and SuiteQL (Oracle) refuses
// string literals over 4000 bytes.
const maxFilterText = 1000

// checkText accepts filter text the builders may quote: valid UTF-8 (JSON would silently replace
// bad bytes, so the upstream would search for something the caller did not ask for) and at most
// maxFilterText bytes.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("filter text is not valid UTF-8")
	}
	if len(s) > maxFilterText {
		return fmt.Errorf("filter text is longer than %d bytes", maxFilterText)
	}
	return nil
}

// isID reports whether s is a canonical NetSuite internal id: decimal digits, no sign, no leading
// zero, at most 18 digits (fits an int64). Only such ids are written into q or SuiteQL text.
func isID(s string) bool {
	if s == "" || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// qString quotes s for the record collection filter: double quotes, with \" and \\ escaped as the
// NetSuite q grammar reads them.
func qString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// buildQ turns a filter into a q expression; "" means no filter. Conditions are ANDed in a fixed
// order so equal filters give equal URLs (and cache keys).
func buildQ(f CategoryFilter) (string, error) {
	var conds []string
	if len(f.IDs) > 0 {
		if len(f.IDs) > maxBatch {
			return "", fmt.Errorf("at most %d ids per filter, got %d", maxBatch, len(f.IDs))
		}
		for _, id := range f.IDs {
			if !isID(id) {
				return "", fmt.Errorf("id %q is not a NetSuite internal id", id)
			}
		}
		conds = append(conds, "id ANY_OF ["+strings.Join(f.IDs, ", ")+"]")
	}
	for _, c := range []struct {
		op string
		v  *string
	}{{"IS", f.Name}, {"START_WITH", f.NameStartsWith}, {"CONTAIN", f.NameContains}} {
		if c.v == nil {
			continue
		}
		if err := checkText(*c.v); err != nil {
			return "", err
		}
		conds = append(conds, "name "+c.op+" "+qString(*c.v))
	}
	if f.IsInactive != nil {
		conds = append(conds, fmt.Sprintf("isInactive IS %t", *f.IsInactive))
	}
	return strings.Join(conds, " AND "), nil
}

// sqlString quotes s as a SuiteQL string literal: single quotes, a quote doubled.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// likeEscape is the ESCAPE character of every LIKE the client writes.
const likeEscape = `\`

// likeLiteral escapes s so that LIKE matches it literally: the escape character, % and _ are
// each preceded by the escape character.
func likeLiteral(s string) string {
	r := strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_")
	return r.Replace(s)
}

// searchWhere builds the WHERE conditions of a SuiteQL category search over columns qualified by
// prefix ("" or "cc."). Name comparisons are case-insensitive, like the q operators.
func searchWhere(f CategoryFilter, prefix string) ([]string, error) {
	var conds []string
	if len(f.IDs) > 0 {
		if len(f.IDs) > maxBatch {
			return nil, fmt.Errorf("at most %d ids per filter, got %d", maxBatch, len(f.IDs))
		}
		for _, id := range f.IDs {
			if !isID(id) {
				return nil, fmt.Errorf("id %q is not a NetSuite internal id", id)
			}
		}
		conds = append(conds, prefix+"id IN ("+strings.Join(f.IDs, ", ")+")")
	}
	for _, s := range []*string{f.Name, f.NameStartsWith, f.NameContains} {
		if s != nil {
			if err := checkText(*s); err != nil {
				return nil, err
			}
		}
	}
	upperName := "UPPER(" + prefix + "name)"
	if f.Name != nil {
		conds = append(conds, upperName+" = UPPER("+sqlString(*f.Name)+")")
	}
	if f.NameStartsWith != nil {
		conds = append(conds, upperName+" LIKE UPPER("+sqlString(likeLiteral(*f.NameStartsWith)+"%")+") ESCAPE '"+likeEscape+"'")
	}
	if f.NameContains != nil {
		conds = append(conds, upperName+" LIKE UPPER("+sqlString("%"+likeLiteral(*f.NameContains)+"%")+") ESCAPE '"+likeEscape+"'")
	}
	if f.IsInactive != nil {
		conds = append(conds, prefix+"isinactive = "+sqlBool(*f.IsInactive))
	}
	return conds, nil
}

func sqlBool(b bool) string {
	if b {
		return "'T'"
	}
	return "'F'"
}

// buildSearchQuery is the SuiteQL of SearchCategories.
func buildSearchQuery(f CategoryFilter) (string, error) {
	conds, err := searchWhere(f, "")
	if err != nil {
		return "", err
	}
	q := "SELECT id, name, isinactive FROM customercategory"
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	return q + " ORDER BY id", nil
}

// buildCategoriesByIDQuery is the SuiteQL of one CategoriesByID batch; ids must be valid.
func buildCategoriesByIDQuery(ids []string) string {
	return "SELECT id, name, isinactive FROM customercategory WHERE id IN (" + strings.Join(ids, ", ") + ") ORDER BY id"
}

// buildCustomersQuery is the SuiteQL of one CategoriesOfCustomers batch (entity ids are quoted
// literals, so any text is safe).
func buildCustomersQuery(entityIDs []string) string {
	lits := make([]string, len(entityIDs))
	for i, e := range entityIDs {
		lits[i] = sqlString(e)
	}
	return "SELECT c.id, c.entityid, c.category, cc.name, cc.isinactive FROM customer c" +
		" LEFT JOIN customercategory cc ON cc.id = c.category" +
		" WHERE c.entityid IN (" + strings.Join(lits, ", ") + ") ORDER BY c.id"
}

// buildMembersQuery is the SuiteQL of CustomersInCategories; category ids must be valid.
func buildMembersQuery(categoryIDs []string) string {
	return "SELECT c.id, c.entityid, c.category FROM customer c" +
		" WHERE c.category IN (" + strings.Join(categoryIDs, ", ") + ") AND c.isinactive = 'F' ORDER BY c.id"
}

// buildCustomerIDQuery finds a customer's internal id by its entity id.
func buildCustomerIDQuery(entityID string) string {
	return "SELECT id FROM customer WHERE entityid = " + sqlString(entityID) + " ORDER BY id"
}

// uniqueIDs returns the valid, distinct ids of ids in order, dropping the rest: an id that is not
// a NetSuite internal id cannot exist, so batch readers report it as absent.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if isID(id) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// maxEntityIDLen bounds an entity id written into SuiteQL: NetSuite's entityId is far shorter,
// so a longer one cannot exist, and Oracle caps a string literal at 4000 bytes.
const maxEntityIDLen = 512

// uniqueTexts returns the distinct entity ids of ss in order, dropping those that cannot exist
// (empty, too long, not valid UTF-8).
func uniqueTexts(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s != "" && len(s) <= maxEntityIDLen && utf8.ValidString(s) && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// chunks splits ss into slices of at most n.
func chunks(ss []string, n int) [][]string {
	var out [][]string
	for len(ss) > n {
		out = append(out, ss[:n])
		ss = ss[n:]
	}
	if len(ss) > 0 {
		out = append(out, ss)
	}
	return out
}
