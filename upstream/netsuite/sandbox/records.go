package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"custgraph/upstream/netsuite/internal/nsql"
	"custgraph/upstream/sim"
)

const (
	restPrefix   = "/services/rest"
	categoryPath = restPrefix + "/record/v1/customerCategory"
	customerPath = restPrefix + "/record/v1/customer"
	suiteQLPath  = restPrefix + "/query/v1/suiteql"
	tokenPath    = restPrefix + "/auth/oauth2/v1/token"

	maxPage     = 1000
	maxBodySize = 1 << 20
)

func (b *backend) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+tokenPath, b.token)
	mux.HandleFunc("GET "+categoryPath, b.auth(b.listCategories))
	mux.HandleFunc("POST "+categoryPath, b.auth(b.createCategory))
	mux.HandleFunc("GET "+categoryPath+"/{id}", b.auth(b.getCategory))
	mux.HandleFunc("PATCH "+categoryPath+"/{id}", b.auth(b.updateCategory))
	mux.HandleFunc("DELETE "+categoryPath+"/{id}", b.auth(b.deleteCategory))
	mux.HandleFunc("GET "+customerPath, b.auth(b.listCustomers))
	mux.HandleFunc("GET "+customerPath+"/{id}", b.auth(b.getCustomer))
	mux.HandleFunc("PATCH "+customerPath+"/{id}", b.auth(b.updateCustomer))
	mux.HandleFunc("POST "+suiteQLPath, b.auth(b.suiteQL))

	// Known paths with another method are 405, everything else 404, both in NetSuite's shape.
	known := http.NewServeMux()
	for _, p := range []string{tokenPath, categoryPath, categoryPath + "/{id}", customerPath, customerPath + "/{id}", suiteQLPath} {
		known.HandleFunc(p, func(http.ResponseWriter, *http.Request) {})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := known.Handler(r); pattern != "" {
			writeError(w, http.StatusMethodNotAllowed, codeInvalidParam,
				fmt.Sprintf("Method %s is not allowed for this resource.", r.Method), errorWhere{})
			return
		}
		writeError(w, http.StatusNotFound, "INVALID_URL", "The requested URL does not exist in REST web services.", errorWhere{})
	})
}

// auth rejects requests without a live bearer token, as NetSuite does with INVALID_LOGIN.
func (b *backend) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !b.tokens.Valid(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="NetSuite"`)
			writeError(w, http.StatusUnauthorized, codeLogin, invalidLoginDetail, errorWhere{})
			return
		}
		h(w, r)
	}
}

// page is a validated limit/offset.
type page struct{ limit, offset int }

func parsePage(w http.ResponseWriter, r *http.Request) (page, bool) {
	p := page{limit: maxPage}
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxPage {
			writeError(w, http.StatusBadRequest, codeInvalidParam,
				fmt.Sprintf("Invalid value for the limit query parameter: it must be a number from 1 to %d.", maxPage),
				errorWhere{QueryParam: "limit"})
			return p, false
		}
		p.limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n%p.limit != 0 {
			writeError(w, http.StatusBadRequest, codeInvalidParam,
				"Invalid value for the offset query parameter: it must be a non-negative multiple of limit.",
				errorWhere{QueryParam: "offset"})
			return p, false
		}
		p.offset = n
	}
	return p, true
}

// collectionJSON is the envelope of record lists and SuiteQL answers.
type collectionJSON struct {
	Links        []link `json:"links"`
	Count        int    `json:"count"`
	HasMore      bool   `json:"hasMore"`
	Items        []any  `json:"items"`
	Offset       int    `json:"offset"`
	TotalResults int    `json:"totalResults"`
}

// paginate cuts items to p and builds the envelope with self/next/prev links that keep extra
// (the q of a record list).
func paginate(r *http.Request, p page, items []any, extra url.Values) collectionJSON {
	total := len(items)
	start := min(p.offset, total)
	end := min(start+p.limit, total)
	pageItems := items[start:end]
	if pageItems == nil {
		pageItems = []any{}
	}
	href := func(offset int) string {
		v := url.Values{}
		for k, vs := range extra {
			v[k] = vs
		}
		v.Set("limit", strconv.Itoa(p.limit))
		v.Set("offset", strconv.Itoa(offset))
		return sim.BaseURL(r) + r.URL.Path + "?" + v.Encode()
	}
	c := collectionJSON{
		Links:        []link{{Rel: "self", Href: href(p.offset)}},
		Count:        len(pageItems),
		HasMore:      end < total,
		Items:        pageItems,
		Offset:       p.offset,
		TotalResults: total,
	}
	if c.HasMore {
		c.Links = append(c.Links, link{Rel: "next", Href: href(p.offset + p.limit)})
	}
	if p.offset > 0 {
		c.Links = append(c.Links, link{Rel: "prev", Href: href(max(p.offset-p.limit, 0))})
	}
	return c
}

type itemJSON struct {
	Links []link `json:"links"`
	ID    string `json:"id"`
}

// parseFilter parses and checks the q parameter; nil means no filter.
func parseFilter(w http.ResponseWriter, r *http.Request, schema nsql.Schema) (nsql.QExpr, bool) {
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		return nil, true
	}
	e, err := nsql.ParseQ(q)
	if err == nil {
		err = nsql.CheckQ(e, schema)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidParam,
			"Invalid query parameter value for q: "+err.Error()+".", errorWhere{QueryParam: "q"})
		return nil, false
	}
	return e, true
}

// readBody decodes a JSON object body into fields, answering 400 INVALID_CONTENT itself.
func readBody(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodySize))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, codeInvalidBody, "The request body is too large.", errorWhere{})
		return nil, false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil || fields == nil {
		writeError(w, http.StatusBadRequest, codeInvalidBody,
			"Invalid content in the request body: it must be a JSON object.", errorWhere{})
		return nil, false
	}
	return fields, true
}

func badField(w http.ResponseWriter, field, detail string) {
	writeError(w, http.StatusBadRequest, codeInvalidBody, detail, errorWhere{Path: field})
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
