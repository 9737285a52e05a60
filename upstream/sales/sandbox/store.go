package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/shopspring/decimal"

	"custgraph/upstream/sales"
	"custgraph/upstream/seed"
)

// seedEpoch is the fixed origin of every seeded timestamp, so the same seed renders the same
// JSON every time.
func seedEpoch() time.Time { return time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC) }

// makeID derives an opaque, stable id from a kind and an index: the same seed always has the
// same ids, and callers cannot guess one id from another.
func makeID(prefix, kind string, i int) string {
	h := sha256.Sum256([]byte(kind + "/" + strconv.Itoa(i)))
	return prefix + "_" + hex.EncodeToString(h[:8])
}

type customerRec struct {
	ID, Name, Number, Status, Commission string
	EDI                                  bool
	Note                                 *string
	Credit                               *creditRec
	Email, Phone, URL                    *string
	FreightPolicy                        string
	CarrierID                            string
	ServiceLevelID                       *string
	BillingType, BillingAccount          *string
	PaymentTermID, ShippingTermID        string
	PriorityCode                         string
	SalesRepID                           *string
	AcceptsInvoiceEmails                 bool
	BillToID, ShipToID                   *string
	TypeGroupID                          string
	PriceGroupIDs                        []string
	ParentID                             string // "" when the customer has no parent
	DeletedAt                            *time.Time
	CreatedAt, UpdatedAt                 time.Time
}

// creditRec is a credit limit: Value is the decimal string as given, UnitID names a unit.
type creditRec struct {
	Value  string
	UnitID string
}

type unitRec struct {
	ID, Symbol string
}

type carrierRec struct {
	wireCarrier
}

type serviceLevelRec struct {
	wireServiceLevel
	CarrierID string // a service level belongs to one carrier
}

// store is the simulator's state. Reference data (addresses, groups, carriers, terms, users,
// units) is read-only after construction; customers and idempotency records change.
type store struct {
	ds  seed.Dataset
	now func() time.Time

	addresses     map[string]*wireAddress
	addressOrder  []string
	groups        map[string]*wireGroup
	groupOrder    []string
	carriers      map[string]*carrierRec
	serviceLevels map[string]*serviceLevelRec
	paymentTerms  map[string]*wirePaymentTerm
	shippingTerms map[string]*wireShippingTerm
	priorities    map[string]*wirePriority // by code
	users         map[string]*wireUser
	units         map[string]unitRec
	children      map[string][]string // parent id -> child ids; no endpoint changes parentage

	mu        sync.Mutex
	customers map[string]*customerRec
	byNumber  map[string]string
	order     []string // customer ids sorted by (number, id)
	idem      idempotencyStore
	writes    int64
}

func newStore(ds seed.Dataset) *store {
	s := &store{ds: ds, now: time.Now}
	s.seedReference()
	s.seedCustomers()
	return s
}

// Reset puts customers back to the seed and forgets idempotency keys (sim.Upstream).
func (s *store) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seedCustomers()
}

func ptr[T any](v T) *T { return &v }

func (s *store) seedReference() {
	ep := seedEpoch().AddDate(0, -6, 0)
	stamp := func(i int) (time.Time, time.Time) {
		c := ep.Add(time.Duration(i) * 24 * time.Hour)
		return c, c.Add(30 * 24 * time.Hour)
	}

	s.units = map[string]unitRec{}
	for _, u := range []unitRec{{"unit_usd", "$"}, {"unit_eur", "€"}, {"unit_cad", "CA$"}} {
		s.units[u.ID] = u
	}

	type carrierSeed struct {
		name, code, account, visibility string
		levels                          []string
	}
	carriers := []carrierSeed{
		{"FedEx", sales.CarrierFedEx, "FX-448812", sales.VisibilityVisible, []string{"FedEx Ground", "FedEx 2Day", "FedEx Priority Overnight"}},
		{"UPS", sales.CarrierUPS, "UPS-7Y3922", sales.VisibilityVisible, []string{"UPS Ground", "UPS Next Day Air"}},
		{"USPS", sales.CarrierUSPS, "", sales.VisibilityVisible, []string{"USPS Ground Advantage", "USPS Priority Mail"}},
		{"Customer Pickup", "", "", sales.VisibilityHidden, []string{"Will Call"}},
	}
	s.carriers, s.serviceLevels = map[string]*carrierRec{}, map[string]*serviceLevelRec{}
	sl := 0
	for i, c := range carriers {
		cr, up := stamp(i)
		rec := &carrierRec{wireCarrier{ID: makeID("car", "carrier", i), Object: sales.ObjectCarrier,
			Name: c.name, CustomerPortalVisibility: c.visibility, CreatedAt: cr, UpdatedAt: up}}
		if c.code != "" {
			rec.Code = ptr(c.code)
		}
		if c.account != "" {
			rec.AccountNumber = ptr(c.account)
		}
		s.carriers[rec.ID] = rec
		for j, name := range c.levels {
			vis := sales.VisibilityVisible
			if c.visibility == sales.VisibilityHidden || j == 2 {
				vis = sales.VisibilityHidden
			}
			s.serviceLevels[makeID("sl", "service_level", sl)] = &serviceLevelRec{
				wireServiceLevel: wireServiceLevel{ID: makeID("sl", "service_level", sl), Object: sales.ObjectServiceLevel,
					Name: name, ServiceLevelToken: tokenOf(name), CustomerPortalVisibility: vis,
					IsDefault: j == 0, CreatedAt: cr, UpdatedAt: up},
				CarrierID: rec.ID,
			}
			sl++
		}
	}

	s.paymentTerms = map[string]*wirePaymentTerm{}
	for i, t := range []struct{ name, status string }{
		{"Net 30", sales.PaymentTermActive}, {"Net 60", sales.PaymentTermActive},
		{"Net 15", sales.PaymentTermActive}, {"Due on Receipt", sales.PaymentTermActive},
		{"Net 90", sales.PaymentTermInactive},
	} {
		cr, up := stamp(i)
		s.paymentTerms[makeID("pt", "payment_term", i)] = &wirePaymentTerm{ID: makeID("pt", "payment_term", i),
			Object: sales.ObjectPaymentTerm, Name: t.name, Status: t.status, CreatedAt: cr, UpdatedAt: up}
	}
	s.shippingTerms = map[string]*wireShippingTerm{}
	for i, t := range []struct{ name, typ string }{
		{"Free Freight", sales.ShippingTermFreeFreight}, {"Flat Rate", sales.ShippingTermFlatRate},
		{"Carrier Rate", sales.ShippingTermCarrierRate},
	} {
		cr, up := stamp(i)
		s.shippingTerms[makeID("st", "shipping_term", i)] = &wireShippingTerm{ID: makeID("st", "shipping_term", i),
			Object: sales.ObjectShippingTerm, Name: t.name, Type: t.typ, CreatedAt: cr, UpdatedAt: up}
	}
	s.priorities = map[string]*wirePriority{}
	for i, code := range []string{sales.PriorityLow, sales.PriorityNormal, sales.PriorityHigh} {
		cr, up := stamp(i)
		s.priorities[code] = &wirePriority{ID: makeID("pri", "priority", i), Object: sales.ObjectPriority,
			Code: code, Name: strings.ToUpper(code[:1]) + code[1:], CreatedAt: cr, UpdatedAt: up}
	}
	s.users = map[string]*wireUser{}
	for i, name := range []string{"Dana Whitfield", "Marcus Oyelaran", "Priya Raman", "Tomás Ferreira", "Helen Park"} {
		cr, up := stamp(i)
		first, last, _ := strings.Cut(strings.ToLower(name), " ")
		u := &wireUser{ID: makeID("usr", "user", i), Object: sales.ObjectUser, Name: ptr(name),
			Email: ptr(first + "." + last + "@sales.example.com"), Username: ptr(first[:1] + last),
			CreatedAt: cr, UpdatedAt: up}
		if i != 3 { // one rep never verified the address
			u.EmailVerifiedAt = ptr(cr.Add(time.Hour))
		}
		if i%2 == 0 {
			u.ImageURL = ptr("https://images.sales.example.com/users/" + u.ID + ".png")
		}
		s.users[u.ID] = u
	}

	s.groups = map[string]*wireGroup{}
	typeGroups := []string{"Distributor", "Retailer", "Wholesaler", "End User"}
	for i, name := range typeGroups {
		cr, up := stamp(i)
		g := &wireGroup{ID: makeID("ag", "type_group", i), Object: sales.ObjectAccountGroup, Name: name,
			Description: ptr(name + " accounts"), CommissionPolicy: sales.CommissionApplied,
			FreightPolicy: sales.FreightPolicyBilled, Type: sales.GroupTypeType, CreatedAt: cr, UpdatedAt: up}
		if i == 3 {
			g.Description, g.CommissionPolicy = nil, sales.CommissionExempt
		}
		s.groups[g.ID] = g
	}
	pricing := []string{"List Price", "Tier 1 Volume", "Tier 2 Volume", "Tier 3 Volume",
		"Contract Pricing", "Promotional", "Employee Pricing", "Export Pricing"}
	for i, name := range pricing {
		cr, up := stamp(i)
		g := &wireGroup{ID: makeID("ag", "pricing_group", i), Object: sales.ObjectAccountGroup, Name: name,
			CommissionPolicy: sales.CommissionApplied, FreightPolicy: sales.FreightPolicyBilled,
			Type: sales.GroupTypePricing, CreatedAt: cr, UpdatedAt: up}
		if i%3 != 2 {
			g.Description = ptr("Prices of the " + name + " list")
		}
		if i >= 6 {
			g.CommissionPolicy = sales.CommissionExempt
		}
		if i == 3 || i == 4 {
			g.FreightPolicy = sales.FreightPolicyFree
		}
		s.groups[g.ID] = g
	}
	s.groupOrder = sortedKeys(s.groups)

	// Two addresses per customer, its own: bill-to at 2i, ship-to at 2i+1.
	s.addresses = map[string]*wireAddress{}
	for _, c := range s.ds.Customers {
		i := c.Index
		cr := seedEpoch().Add(time.Duration(i) * 7 * time.Hour)
		for k, label := range []string{"Bill To", "Ship To"} {
			a := &wireAddress{ID: makeID("addr", "address", 2*i+k), Object: sales.ObjectAddress,
				Name: c.Name + " (" + label + ")", CreatedAt: cr, UpdatedAt: cr.Add(time.Duration(i%5+1) * 24 * time.Hour)}
			if i%5 != 1 {
				a.Phone = ptr(fmt.Sprintf("+1-555-%04d", (2*i+k)%10000))
			}
			if k == 0 && i%4 != 3 {
				a.Email = ptr("billing@" + slug(c.Name) + ".example.com")
			}
			a.IsDropShip = k == 1 && i%6 == 5
			s.addresses[a.ID] = a
		}
	}
	s.addressOrder = sortedKeys(s.addresses)

	s.children = map[string][]string{}
	for _, c := range s.ds.Customers {
		if c.Parent >= 0 {
			p := customerID(c.Parent)
			s.children[p] = append(s.children[p], customerID(c.Index))
		}
	}
}

func customerID(i int) string { return makeID("cus", "customer", i) }

// qtyID is the id of a customer's credit limit quantity; it follows the customer.
func qtyID(customerID string) string { return "qty_" + strings.TrimPrefix(customerID, "cus_") }

// seedCustomers (re)builds the customer store from the seed. The caller holds s.mu or owns s.
func (s *store) seedCustomers() {
	s.customers = make(map[string]*customerRec, len(s.ds.Customers))
	s.byNumber = make(map[string]string, len(s.ds.Customers))
	s.idem = idempotencyStore{}
	s.writes = 0

	carrierIDs := sortedByName(s.carriers, func(c *carrierRec) string { return c.Name })
	levelsOf := map[string][]string{} // carrier -> service levels, default first
	for _, id := range sortedKeys(s.serviceLevels) {
		l := s.serviceLevels[id]
		if l.IsDefault {
			levelsOf[l.CarrierID] = append([]string{id}, levelsOf[l.CarrierID]...)
		} else {
			levelsOf[l.CarrierID] = append(levelsOf[l.CarrierID], id)
		}
	}
	activeTerms := []string{}
	for _, id := range sortedByName(s.paymentTerms, func(t *wirePaymentTerm) string { return t.Name }) {
		if s.paymentTerms[id].Status == sales.PaymentTermActive {
			activeTerms = append(activeTerms, id)
		}
	}
	shipTerms := map[string]string{}
	for id, t := range s.shippingTerms {
		shipTerms[t.Type] = id
	}
	reps := sortedByName(s.users, func(u *wireUser) string { return *u.Name })
	notes := []string{"Prefers delivery before noon.", "Call before shipping hazardous goods.",
		"Invoices go to the regional office.", "Dock closes at 4 pm on Fridays."}
	// Carrier per customer: FedEx most often, pickup rarely.
	carrierPick := []string{"FedEx", "UPS", "USPS", "FedEx", "UPS", "Customer Pickup", "FedEx"}
	carrierByName := map[string]string{}
	for _, id := range carrierIDs {
		carrierByName[s.carriers[id].Name] = id
	}

	for _, c := range s.ds.Customers {
		i := c.Index
		created := seedEpoch().Add(time.Duration(i) * 7 * time.Hour)
		r := &customerRec{
			ID: customerID(i), Name: c.Name, Number: c.Number,
			Status:     []string{sales.StatusNormal, sales.StatusNormal, sales.StatusPreferred, sales.StatusHoldShipment}[i%4],
			Commission: sales.CommissionApplied, EDI: i%3 == 0,
			AcceptsInvoiceEmails: i%2 == 0,
			CreatedAt:            created, UpdatedAt: created.Add(time.Duration(i%30+1) * 24 * time.Hour),
		}
		if i%7 == 6 {
			r.Commission = sales.CommissionExempt
		}
		if i%4 != 0 {
			r.Note = ptr(notes[i%len(notes)])
		}
		if i%9 != 8 {
			unit := "unit_usd"
			if i%5 == 4 {
				unit = "unit_eur"
			}
			r.Credit = &creditRec{Value: decimal.NewFromInt(int64(i%10+1) * 5000).StringFixed(2), UnitID: unit}
		}
		sl := slug(c.Name)
		if i%8 != 7 {
			r.Email = ptr("ap@" + sl + ".example.com")
		}
		if i%5 != 1 {
			r.Phone = ptr(fmt.Sprintf("+1-555-01%02d", i%100))
		}
		if i%3 != 2 {
			r.URL = ptr("https://www." + sl + ".example.com")
		}

		r.FreightPolicy = sales.FreightPolicyBilled
		if i%3 == 0 {
			r.FreightPolicy = sales.FreightPolicyFree
		}
		r.CarrierID = carrierByName[carrierPick[i%len(carrierPick)]]
		levels := levelsOf[r.CarrierID]
		switch {
		case i%5 == 2:
			// no default service level
		case i%5 == 3 && len(levels) > 1:
			r.ServiceLevelID = ptr(levels[1])
		default:
			r.ServiceLevelID = ptr(levels[0])
		}
		if s.carriers[r.CarrierID].Code != nil {
			if i%4 == 3 {
				r.BillingType, r.BillingAccount = ptr(sales.BillingTypeThirdParty), ptr("3P-"+c.Number)
			} else {
				r.BillingType = ptr(sales.BillingTypeSender)
			}
		}

		r.PaymentTermID = activeTerms[i%len(activeTerms)]
		if r.FreightPolicy == sales.FreightPolicyFree {
			r.ShippingTermID = shipTerms[sales.ShippingTermFreeFreight]
		} else if i%2 == 0 {
			r.ShippingTermID = shipTerms[sales.ShippingTermFlatRate]
		} else {
			r.ShippingTermID = shipTerms[sales.ShippingTermCarrierRate]
		}
		r.PriorityCode = sales.PriorityNormal
		switch i % 6 {
		case 0:
			r.PriorityCode = sales.PriorityHigh
		case 5:
			r.PriorityCode = sales.PriorityLow
		}
		if i%6 != 4 {
			r.SalesRepID = ptr(reps[i%len(reps)])
		}

		r.BillToID = ptr(makeID("addr", "address", 2*i))
		r.ShipToID = ptr(makeID("addr", "address", 2*i+1))
		r.TypeGroupID = makeID("ag", "type_group", c.Category%4)
		for _, g := range c.Groups {
			id := makeID("ag", "pricing_group", g%8)
			if !slices.Contains(r.PriceGroupIDs, id) {
				r.PriceGroupIDs = append(r.PriceGroupIDs, id)
			}
		}
		if c.Parent >= 0 {
			r.ParentID = customerID(c.Parent)
		}
		s.customers[r.ID] = r
		s.byNumber[r.Number] = r.ID
	}
	s.sortCustomers()
}

func (s *store) sortCustomers() {
	s.order = s.order[:0]
	for id := range s.customers {
		s.order = append(s.order, id)
	}
	slices.SortFunc(s.order, func(a, b string) int {
		return compareKeys(s.customers[a].key(), s.customers[b].key())
	})
}

func (c *customerRec) key() sortKey { return sortKey{Number: c.Number, ID: c.ID} }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedByName[V any](m map[string]V, name func(V) string) []string {
	out := sortedKeys(m)
	slices.SortStableFunc(out, func(a, b string) int { return strings.Compare(name(m[a]), name(m[b])) })
	return out
}

// slug turns a company name into a host label: "Acme Industrial Inc." -> "acme-industrial".
func slug(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	if len(words) > 2 {
		words = words[:2]
	}
	return strings.Join(words, "-")
}

func tokenOf(name string) string {
	return strings.Join(strings.Fields(strings.ToLower(name)), "_")
}

// displayValue formats a decimal with its unit's symbol and thousands separators: "$1,234.50".
func displayValue(value string, u unitRec) string {
	d, err := decimal.NewFromString(value)
	if err != nil {
		return value
	}
	s := d.Abs().StringFixed(2)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	sign := ""
	if d.IsNegative() {
		sign = "-"
	}
	return sign + u.Symbol + b.String() + "." + frac
}
