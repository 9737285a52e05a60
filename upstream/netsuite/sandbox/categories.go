package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"custgraph/upstream/netsuite/internal/nsql"
	"custgraph/upstream/sim"
)

// categorySchema is what q may filter customerCategory records by.
func categorySchema() nsql.Schema {
	return nsql.Schema{"id": nsql.TypeNumber, "name": nsql.TypeString, "isInactive": nsql.TypeBoolean}
}

func categoryRecord(c category) nsql.Record {
	return func(field string) any {
		switch field {
		case "id":
			return float64(c.id)
		case "name":
			return c.name
		case "isInactive":
			return c.inactive
		}
		return nil
	}
}

// categoryJSON is a customerCategory record; nil fields were left out by fields=.
type categoryJSON struct {
	Links      []link  `json:"links"`
	ID         string  `json:"id"`
	Name       *string `json:"name,omitempty"`
	IsInactive *bool   `json:"isInactive,omitempty"`
}

func selfLink(r *http.Request, path string, id int64) []link {
	return []link{{Rel: "self", Href: sim.BaseURL(r) + path + "/" + strconv.FormatInt(id, 10)}}
}

func (b *backend) listCategories(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	filter, ok := parseFilter(w, r, categorySchema())
	if !ok {
		return
	}
	b.mu.Lock()
	cats := b.sortedCategories()
	b.mu.Unlock()
	var items []any
	for _, c := range cats {
		if filter == nil || nsql.EvalQ(filter, categoryRecord(c)) {
			items = append(items, itemJSON{Links: selfLink(r, categoryPath, c.id), ID: strconv.FormatInt(c.id, 10)})
		}
	}
	extra := map[string][]string{}
	if q := r.URL.Query().Get("q"); q != "" {
		extra["q"] = []string{q}
	}
	writeBody(w, http.StatusOK, mediaCollection, paginate(r, p, items, extra))
}

// lookupCategory finds the {id} category or answers 404. It returns a copy.
func (b *backend) lookupCategory(w http.ResponseWriter, r *http.Request) (category, bool) {
	id, ok := parseID(r.PathValue("id"))
	if ok {
		b.mu.Lock()
		c, found := b.cats[id]
		var cp category
		if found {
			cp = *c
		}
		b.mu.Unlock()
		if found {
			return cp, true
		}
	}
	writeError(w, http.StatusNotFound, codeNotFound, nonexistentDetail, errorWhere{})
	return category{}, false
}

func (b *backend) getCategory(w http.ResponseWriter, r *http.Request) {
	c, ok := b.lookupCategory(w, r)
	if !ok {
		return
	}
	name, inactive := c.name, c.inactive
	out := categoryJSON{Links: selfLink(r, categoryPath, c.id), ID: strconv.FormatInt(c.id, 10), Name: &name, IsInactive: &inactive}
	if fields := r.URL.Query().Get("fields"); fields != "" {
		out.Name, out.IsInactive = nil, nil
		for _, f := range strings.Split(fields, ",") {
			switch strings.ToLower(strings.TrimSpace(f)) {
			case "id":
			case "name":
				out.Name = &name
			case "isinactive":
				out.IsInactive = &inactive
			default:
				writeError(w, http.StatusBadRequest, codeInvalidParam,
					"Invalid value for the fields query parameter: unknown field "+strconv.Quote(strings.TrimSpace(f))+".",
					errorWhere{QueryParam: "fields"})
				return
			}
		}
	}
	writeBody(w, http.StatusOK, mediaSingular, out)
}

// categoryInput reads the writable fields of a body; present reports which were given.
type categoryInput struct {
	name        string
	inactive    bool
	hasName     bool
	hasInactive bool
}

func readCategoryInput(w http.ResponseWriter, r *http.Request) (categoryInput, bool) {
	var in categoryInput
	fields, ok := readBody(w, r)
	if !ok {
		return in, false
	}
	for k, raw := range fields {
		switch k {
		case "name":
			if err := json.Unmarshal(raw, &in.name); err != nil || isNull(raw) {
				badField(w, "name", "Invalid value for the field name: it must be a string.")
				return in, false
			}
			if strings.TrimSpace(in.name) == "" {
				badField(w, "name", "Please enter value(s) for: Name.")
				return in, false
			}
			in.hasName = true
		case "isInactive":
			if err := json.Unmarshal(raw, &in.inactive); err != nil || isNull(raw) {
				badField(w, "isInactive", "Invalid value for the field isInactive: it must be a boolean.")
				return in, false
			}
			in.hasInactive = true
		case "id", "links", "externalId", "refName":
			// Read-only fields a client may echo back; NetSuite ignores them.
		default:
			badField(w, k, "Invalid field name: "+strconv.Quote(k)+" is not a field of customerCategory.")
			return in, false
		}
	}
	return in, true
}

func (b *backend) createCategory(w http.ResponseWriter, r *http.Request) {
	in, ok := readCategoryInput(w, r)
	if !ok {
		return
	}
	if !in.hasName {
		badField(w, "name", "Please enter value(s) for: Name.")
		return
	}
	b.mu.Lock()
	if b.nameTaken(in.name, 0) {
		b.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeUser, duplicateDetail, errorWhere{Path: "name"})
		return
	}
	c := &category{id: b.nextCatID, name: in.name, inactive: in.inactive}
	b.cats[c.id] = c
	b.nextCatID++
	b.mu.Unlock()
	w.Header().Set("Location", selfLink(r, categoryPath, c.id)[0].Href)
	w.WriteHeader(http.StatusNoContent)
}

func (b *backend) updateCategory(w http.ResponseWriter, r *http.Request) {
	cur, ok := b.lookupCategory(w, r)
	if !ok {
		return
	}
	in, ok := readCategoryInput(w, r)
	if !ok {
		return
	}
	b.mu.Lock()
	c, found := b.cats[cur.id]
	if !found { // deleted meanwhile
		b.mu.Unlock()
		writeError(w, http.StatusNotFound, codeNotFound, nonexistentDetail, errorWhere{})
		return
	}
	if in.hasName && b.nameTaken(in.name, c.id) {
		b.mu.Unlock()
		writeError(w, http.StatusBadRequest, codeUser, duplicateDetail, errorWhere{Path: "name"})
		return
	}
	if in.hasName {
		c.name = in.name
	}
	if in.hasInactive {
		c.inactive = in.inactive
	}
	b.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (b *backend) deleteCategory(w http.ResponseWriter, r *http.Request) {
	cur, ok := b.lookupCategory(w, r)
	if !ok {
		return
	}
	b.mu.Lock()
	_, found := b.cats[cur.id]
	used := found && b.inUse(cur.id)
	if found && !used {
		delete(b.cats, cur.id)
	}
	b.mu.Unlock()
	switch {
	case !found: // deleted meanwhile
		writeError(w, http.StatusNotFound, codeNotFound, nonexistentDetail, errorWhere{})
	case used:
		writeError(w, http.StatusBadRequest, codeUser, dependentsDetail, errorWhere{})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
