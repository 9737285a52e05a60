package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"custgraph/upstream/sales"
)

type paramKind int

const (
	kindString paramKind = iota
	kindBool
	kindStringList
	kindCredit
)

// paramSpec is one PATCH parameter of seed 002.
type paramSpec struct {
	name     string
	kind     paramKind
	nullable bool
	enum     []string
}

// patchParams lists the PATCH parameters in seed 002's order, which is also the order in which
// they are checked, so the first error reported is the same for the same body.
func patchParams() []paramSpec {
	return []paramSpec{
		{name: "name"},
		{name: "number"},
		{name: "note", nullable: true},
		{name: "status", enum: []string{sales.StatusNormal, sales.StatusPreferred, sales.StatusHoldShipment}},
		{name: "email", nullable: true},
		{name: "phone", nullable: true},
		{name: "url", nullable: true},
		{name: "is_edi_enabled", kind: kindBool},
		{name: "commission_policy", enum: []string{sales.CommissionApplied, sales.CommissionExempt}},
		{name: "freight_policy", enum: []string{sales.FreightPolicyFree, sales.FreightPolicyBilled}},
		{name: "default_carrier_id"},
		{name: "default_service_level_id", nullable: true},
		{name: "default_payment_term_id"},
		{name: "default_shipping_term_id"},
		{name: "default_priority", enum: []string{sales.PriorityLow, sales.PriorityNormal, sales.PriorityHigh}},
		{name: "default_sales_rep_user_id", nullable: true},
		{name: "bill_to_address_id", nullable: true},
		{name: "ship_to_address_id", nullable: true},
		{name: "customer_price_group_ids", kind: kindStringList},
		{name: "customer_type_group_id"},
		{name: "carrier_billing_type", enum: []string{sales.BillingTypeSender, sales.BillingTypeThirdParty}},
		{name: "carrier_billing_account", nullable: true},
		{name: "credit_limit", kind: kindCredit, nullable: true},
	}
}

// patchValue is one parameter present in a body: null, or one of the typed values.
type patchValue struct {
	null   bool
	str    string
	boolV  bool
	list   []string
	credit creditRec
}

// patchBody is a parsed PATCH body: only the parameters present.
type patchBody map[string]patchValue

const maxBody = 1 << 20

// parsePatch reads a PATCH body into its parameters, checking names, types and nullability.
func parsePatch(body []byte) (patchBody, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return patchBody{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeParameterInvalid,
			Message: "The request body must be a JSON object."}}
	}
	specs := patchParams()
	for _, k := range sortedKeys(raw) {
		if !slices.ContainsFunc(specs, func(p paramSpec) bool { return p.name == k }) {
			return nil, &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeParameterUnknown,
				Message: fmt.Sprintf("Received unknown parameter: %s", clip(k)), Param: clip(k)}}
		}
	}
	out := patchBody{}
	for _, p := range specs {
		r, ok := raw[p.name]
		if !ok {
			continue
		}
		if bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
			if !p.nullable {
				return nil, invalidParam(p.name, "%s cannot be null.", p.name)
			}
			out[p.name] = patchValue{null: true}
			continue
		}
		var v patchValue
		var err error
		switch p.kind {
		case kindString:
			err = json.Unmarshal(r, &v.str)
		case kindBool:
			err = json.Unmarshal(r, &v.boolV)
		case kindStringList:
			var items []*string
			if err = json.Unmarshal(r, &items); err == nil {
				for _, it := range items {
					if it == nil {
						err = fmt.Errorf("null item")
						break
					}
					v.list = append(v.list, *it)
				}
			}
		case kindCredit:
			if e := parseCredit(r, &v.credit); e != nil {
				return nil, e
			}
		}
		if err != nil {
			return nil, invalidParam(p.name, "Invalid %s: expected %s.", p.name, kindName(p.kind))
		}
		if p.enum != nil && !slices.Contains(p.enum, v.str) {
			return nil, invalidParam(p.name, "Invalid %s %q: must be one of %s.", p.name, clip(v.str), strings.Join(p.enum, ", "))
		}
		out[p.name] = v
	}
	return out, nil
}

func kindName(k paramKind) string {
	switch k {
	case kindBool:
		return "a boolean"
	case kindStringList:
		return "an array of strings"
	case kindCredit:
		return "an object"
	}
	return "a string"
}

func parseCredit(r json.RawMessage, out *creditRec) *apiError {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(r, &raw); err != nil || raw == nil {
		return invalidParam("credit_limit", "Invalid credit_limit: expected an object with value and unit_id.")
	}
	for _, k := range sortedKeys(raw) {
		if k != "value" && k != "unit_id" {
			return &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeParameterUnknown,
				Message: fmt.Sprintf("Received unknown parameter: credit_limit[%s]", clip(k)), Param: "credit_limit." + clip(k)}}
		}
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"value", &out.Value}, {"unit_id", &out.UnitID}} {
		v, ok := raw[f.name]
		if !ok {
			return &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeParameterMissing,
				Message: "Missing required param: credit_limit." + f.name + ".", Param: "credit_limit." + f.name}}
		}
		if err := json.Unmarshal(v, f.dst); err != nil || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return invalidParam("credit_limit."+f.name, "Invalid credit_limit.%s: expected a string.", f.name)
		}
	}
	d, err := decimal.NewFromString(out.Value)
	if err != nil || !decimalText(out.Value) {
		return invalidParam("credit_limit.value", "Invalid credit_limit.value: expected a decimal string such as \"2500.00\".")
	}
	if d.IsNegative() {
		return invalidParam("credit_limit.value", "credit_limit.value must not be negative.")
	}
	return nil
}

// decimalText accepts plain decimals only ("12", "12.50", "-3.5"): no exponents, spaces or
// bare dots, some of which decimal.NewFromString would also take.
func decimalText(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasDot := strings.Cut(s, ".")
	digits := func(p string) bool {
		return p != "" && len(p) <= 20 && strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }) < 0
	}
	return digits(intPart) && (!hasDot || digits(frac))
}

// apply validates p against the store and returns the customer it makes of c; c is unchanged.
// The caller holds s.mu.
func (s *store) apply(c *customerRec, p patchBody) (*customerRec, *apiError) {
	n := *c
	n.PriceGroupIDs = slices.Clone(c.PriceGroupIDs)
	str := func(name string) (string, bool) { v, ok := p[name]; return v.str, ok && !v.null }
	nullable := func(name string, dst **string) {
		if v, ok := p[name]; ok {
			if v.null {
				*dst = nil
			} else {
				*dst = ptr(v.str)
			}
		}
	}

	if v, ok := str("name"); ok {
		if strings.TrimSpace(v) == "" {
			return nil, invalidParam("name", "name cannot be empty.")
		}
		n.Name = v
	}
	if v, ok := str("number"); ok {
		if strings.TrimSpace(v) == "" || len(v) > 64 || strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return nil, invalidParam("number", "number must be 1 to 64 printable characters.")
		}
		if other, taken := s.byNumber[v]; taken && other != c.ID {
			return nil, &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeResourceAlreadyExists,
				Message: fmt.Sprintf("Customer number %q is already in use.", clip(v)), Param: "number"}}
		}
		n.Number = v
	}
	nullable("note", &n.Note)
	if v, ok := str("status"); ok {
		n.Status = v
	}
	nullable("email", &n.Email)
	nullable("phone", &n.Phone)
	nullable("url", &n.URL)
	if v, ok := p["is_edi_enabled"]; ok {
		n.EDI = v.boolV
	}
	if v, ok := str("commission_policy"); ok {
		n.Commission = v
	}
	if v, ok := str("freight_policy"); ok {
		n.FreightPolicy = v
	}
	if v, ok := str("default_carrier_id"); ok {
		if s.carriers[v] == nil {
			return nil, missingRef("default_carrier_id", "carrier", v)
		}
		if v != n.CarrierID && n.ServiceLevelID != nil {
			// A service level belongs to one carrier: a new carrier drops the old level unless
			// the same patch names a new one.
			n.ServiceLevelID = nil
		}
		n.CarrierID = v
	}
	if v, ok := p["default_service_level_id"]; ok {
		if v.null {
			n.ServiceLevelID = nil
		} else {
			l := s.serviceLevels[v.str]
			if l == nil {
				return nil, missingRef("default_service_level_id", "service level", v.str)
			}
			if l.CarrierID != n.CarrierID {
				return nil, invalidParam("default_service_level_id",
					"Service level %q does not belong to the customer's default carrier.", clip(v.str))
			}
			n.ServiceLevelID = ptr(v.str)
		}
	}
	if v, ok := str("default_payment_term_id"); ok {
		if s.paymentTerms[v] == nil {
			return nil, missingRef("default_payment_term_id", "payment term", v)
		}
		n.PaymentTermID = v
	}
	if v, ok := str("default_shipping_term_id"); ok {
		if s.shippingTerms[v] == nil {
			return nil, missingRef("default_shipping_term_id", "shipping term", v)
		}
		n.ShippingTermID = v
	}
	if v, ok := str("default_priority"); ok {
		n.PriorityCode = v
	}
	if v, ok := p["default_sales_rep_user_id"]; ok && !v.null && s.users[v.str] == nil {
		return nil, missingRef("default_sales_rep_user_id", "user", v.str)
	}
	nullable("default_sales_rep_user_id", &n.SalesRepID)
	for _, f := range []struct {
		name string
		dst  **string
	}{{"bill_to_address_id", &n.BillToID}, {"ship_to_address_id", &n.ShipToID}} {
		if v, ok := p[f.name]; ok && !v.null && s.addresses[v.str] == nil {
			return nil, missingRef(f.name, "address", v.str)
		}
		nullable(f.name, f.dst)
	}
	if v, ok := p["customer_price_group_ids"]; ok {
		ids := []string{}
		for _, id := range v.list {
			if g := s.groups[id]; g == nil || g.Type != sales.GroupTypePricing {
				return nil, missingRef("customer_price_group_ids", "pricing group", id)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		n.PriceGroupIDs = ids
	}
	if v, ok := str("customer_type_group_id"); ok {
		if g := s.groups[v]; g == nil || g.Type != sales.GroupTypeType {
			return nil, missingRef("customer_type_group_id", "type group", v)
		}
		n.TypeGroupID = v
	}
	if v, ok := str("carrier_billing_type"); ok {
		n.BillingType = ptr(v)
	}
	nullable("carrier_billing_account", &n.BillingAccount)
	if v, ok := p["credit_limit"]; ok {
		if v.null {
			n.Credit = nil
		} else {
			if _, ok := s.units[v.credit.UnitID]; !ok {
				return nil, missingRef("credit_limit.unit_id", "unit", v.credit.UnitID)
			}
			n.Credit = ptr(v.credit)
		}
	}
	return &n, nil
}

func missingRef(param, what, id string) *apiError {
	return invalidParam(param, "No such %s: %q.", what, clip(id))
}

// idempotencyTTL is how long a key's first response is replayed.
const idempotencyTTL = 24 * time.Hour

type idemEntry struct {
	key         string
	fingerprint string // hash of method, path, include[] and canonical body: never the body
	at          time.Time
	status      int
	body        []byte
}

// idempotencyStore keeps the first successful response per key, oldest first so expiry is
// cheap.
type idempotencyStore struct {
	byKey map[string]*idemEntry
	fifo  []*idemEntry
}

func (st *idempotencyStore) lookup(key string, now time.Time) *idemEntry {
	for len(st.fifo) > 0 && now.Sub(st.fifo[0].at) >= idempotencyTTL {
		if st.byKey[st.fifo[0].key] == st.fifo[0] {
			delete(st.byKey, st.fifo[0].key)
		}
		st.fifo = st.fifo[1:]
	}
	return st.byKey[key]
}

func (st *idempotencyStore) save(e *idemEntry) {
	if st.byKey == nil {
		st.byKey = map[string]*idemEntry{}
	}
	st.byKey[e.key] = e
	st.fifo = append(st.fifo, e)
}

// fingerprint identifies a request for idempotency: the same key must come with the same
// method, path, include[] set and body (compared as JSON values, so key order and spacing do
// not matter).
func fingerprint(method, path string, include []string, body []byte) string {
	canon := bytes.TrimSpace(body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if b, err := json.Marshal(v); err == nil {
			canon = b
		}
	}
	inc := slices.Clone(include)
	slices.Sort(inc)
	inc = slices.Compact(inc)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", method, path, strings.Join(inc, ","))
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil))
}
