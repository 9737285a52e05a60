package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"

	"custgraph/upstream/netsuite/internal/nsql"
)

// customerSchema is what q may filter customer records by.
func customerSchema() nsql.Schema {
	return nsql.Schema{
		"id": nsql.TypeNumber, "entityId": nsql.TypeString, "externalId": nsql.TypeString,
		"companyName": nsql.TypeString, "isInactive": nsql.TypeBoolean, "category": nsql.TypeNumber,
	}
}

func customerRecord(c customer) nsql.Record {
	return func(field string) any {
		switch field {
		case "id":
			return float64(c.id)
		case "entityId":
			return c.entityID
		case "externalId":
			return c.externalID
		case "companyName":
			return c.companyName
		case "isInactive":
			return c.inactive
		case "category":
			if c.category == 0 {
				return nil
			}
			return float64(c.category)
		}
		return nil
	}
}

// refJSON is a reference to another record, as select fields are rendered.
type refJSON struct {
	Links   []link `json:"links"`
	ID      string `json:"id"`
	RefName string `json:"refName,omitempty"`
}

type customerJSON struct {
	Links       []link   `json:"links"`
	ID          string   `json:"id"`
	EntityID    string   `json:"entityId"`
	ExternalID  string   `json:"externalId,omitempty"`
	CompanyName string   `json:"companyName"`
	IsInactive  bool     `json:"isInactive"`
	Category    *refJSON `json:"category,omitempty"`
}

func (b *backend) listCustomers(w http.ResponseWriter, r *http.Request) {
	p, ok := parsePage(w, r)
	if !ok {
		return
	}
	filter, ok := parseFilter(w, r, customerSchema())
	if !ok {
		return
	}
	b.mu.Lock()
	custs := b.sortedCustomers()
	b.mu.Unlock()
	var items []any
	for _, c := range custs {
		if filter == nil || nsql.EvalQ(filter, customerRecord(c)) {
			items = append(items, itemJSON{Links: selfLink(r, customerPath, c.id), ID: strconv.FormatInt(c.id, 10)})
		}
	}
	extra := map[string][]string{}
	if q := r.URL.Query().Get("q"); q != "" {
		extra["q"] = []string{q}
	}
	writeBody(w, http.StatusOK, mediaCollection, paginate(r, p, items, extra))
}

func (b *backend) getCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PathValue("id"))
	var out customerJSON
	found := false
	if ok {
		b.mu.Lock()
		if c, ok := b.custs[id]; ok {
			found = true
			out = customerJSON{Links: selfLink(r, customerPath, c.id), ID: strconv.FormatInt(c.id, 10),
				EntityID: c.entityID, ExternalID: c.externalID, CompanyName: c.companyName, IsInactive: c.inactive}
			if c.category != 0 {
				ref := &refJSON{Links: selfLink(r, categoryPath, c.category), ID: strconv.FormatInt(c.category, 10)}
				if cat, ok := b.cats[c.category]; ok {
					ref.RefName = cat.name
				}
				out.Category = ref
			}
		}
		b.mu.Unlock()
	}
	if !found {
		writeError(w, http.StatusNotFound, codeNotFound, nonexistentDetail, errorWhere{})
		return
	}
	writeBody(w, http.StatusOK, mediaSingular, out)
}

// updateCustomer takes {"category": {"id": "5"}} (a string or number id), {"category": null} or
// {"category": {"id": ""}} to clear, and "isInactive". Other customer fields are not simulated.
func (b *backend) updateCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := parseID(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, codeNotFound, nonexistentDetail, errorWhere{})
		return
	}
	fields, ok := readBody(w, r)
	if !ok {
		return
	}
	var (
		setCategory, setInactive bool
		newCategory              int64
		inactive                 bool
	)
	for k, raw := range fields {
		switch k {
		case "category":
			setCategory = true
			if isNull(raw) {
				continue
			}
			var ref struct {
				ID json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal(raw, &ref); err != nil || ref.ID == nil {
				badField(w, "category", `Invalid value for the field category: it must be a reference such as {"id": "5"}.`)
				return
			}
			var idText string
			if err := json.Unmarshal(ref.ID, &idText); err != nil {
				idText = string(ref.ID) // a number
			}
			if idText == "" {
				continue
			}
			catID, ok := parseID(idText)
			if !ok {
				badField(w, "category", "You have entered an Invalid Field Value "+idText+" for the following field: category")
				return
			}
			newCategory = catID
		case "isInactive":
			if err := json.Unmarshal(raw, &inactive); err != nil || isNull(raw) {
				badField(w, "isInactive", "Invalid value for the field isInactive: it must be a boolean.")
				return
			}
			setInactive = true
		case "id", "links", "entityId":
			// Read-only here; ignored as NetSuite ignores read-only fields.
		default:
			badField(w, k, "Invalid field name: "+strconv.Quote(k)+" cannot be set on customer in this sandbox.")
			return
		}
	}

	b.mu.Lock()
	c, found := b.custs[id]
	validCategory := true
	if found && setCategory && newCategory != 0 {
		cat, ok := b.cats[newCategory]
		validCategory = ok && !cat.inactive
	}
	if found && validCategory {
		if setCategory {
			c.category = newCategory
		}
		if setInactive {
			c.inactive = inactive
		}
	}
	b.mu.Unlock()
	switch {
	case !found:
		writeError(w, http.StatusNotFound, codeNotFound, nonexistentDetail, errorWhere{})
	case !validCategory:
		badField(w, "category", "You have entered an Invalid Field Value "+strconv.FormatInt(newCategory, 10)+" for the following field: category")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
