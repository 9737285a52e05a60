package sandbox

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// queryParams are the parsed paging, sorting and filter parameters of a query endpoint.
type queryParams struct {
	where     expr
	sort      []sortKey
	limit     int
	offset    int
	withTotal bool
}

type sortKey struct {
	field string
	desc  bool
}

// parseQuery reads where/var.*/sort/limit/offset/withTotal; it writes the 400 itself and
// returns false when a parameter is invalid.
func parseQuery(w http.ResponseWriter, q url.Values, sch schema, sortable []string) (queryParams, bool) {
	p := queryParams{where: trueExpr{}, limit: 20, withTotal: true}
	vars := map[string][]string{}
	for k, vs := range q {
		if name, ok := strings.CutPrefix(k, "var."); ok {
			vars[name] = vs
		}
	}
	for _, src := range q["where"] {
		e, err := parseWhere(src, sch, vars)
		if err != nil {
			invalidInput(w, "Malformed parameter: where: Syntax error while parsing 'where'. "+err.Error())
			return p, false
		}
		p.where = andExpr{p.where, e}
	}
	for _, s := range q["sort"] {
		field, dir, _ := strings.Cut(strings.TrimSpace(s), " ")
		dir = strings.ToLower(strings.TrimSpace(dir))
		if !slices.Contains(sortable, field) || (dir != "asc" && dir != "desc") {
			invalidInput(w, "Malformed parameter: sort: '"+s+"' is not a valid sort expression; expected one of "+
				strings.Join(sortable, ", ")+" followed by asc or desc.")
			return p, false
		}
		p.sort = append(p.sort, sortKey{field, dir == "desc"})
	}
	var ok bool
	if p.limit, ok = intParam(w, q, "limit", 20, 0, 500); !ok {
		return p, false
	}
	if p.offset, ok = intParam(w, q, "offset", 0, 0, 10000); !ok {
		return p, false
	}
	switch v := q.Get("withTotal"); v {
	case "", "true":
	case "false":
		p.withTotal = false
	default:
		invalidInput(w, "Malformed parameter: withTotal: must be true or false.")
		return p, false
	}
	return p, true
}

func intParam(w http.ResponseWriter, q url.Values, name string, def, lo, hi int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		invalidInput(w, "Malformed parameter: "+name+": must be an integer between "+
			strconv.Itoa(lo)+" and "+strconv.Itoa(hi)+".")
		return 0, false
	}
	return n, true
}

// sortAndPage orders items by keys (id ascending last, missing values after present ones) and
// cuts the page.
func sortAndPage[T any](items []T, keys []sortKey, value func(T, string) (string, bool), limit, offset int) []T {
	keys = append(keys, sortKey{field: "id"})
	slices.SortStableFunc(items, func(a, b T) int {
		for _, k := range keys {
			va, oka := value(a, k.field)
			vb, okb := value(b, k.field)
			var c int
			switch {
			case oka != okb:
				// Missing values go last, whatever the direction.
				if oka {
					return -1
				}
				return 1
			default:
				c = cmp.Compare(va, vb)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	if offset >= len(items) {
		return items[:0]
	}
	items = items[offset:]
	if limit < len(items) {
		items = items[:limit]
	}
	return items
}

// pagedResult is commercetools' PagedQueryResult.
type pagedResult[T any] struct {
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	Count   int  `json:"count"`
	Total   *int `json:"total,omitempty"`
	Results []T  `json:"results"`
}
