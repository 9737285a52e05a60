package sandbox

import (
	"slices"

	"custgraph/upstream/sales"
)

// includeSet is the parsed include[] of a request.
type includeSet map[string]bool

// embeddedChildLimit caps child_accounts inside a customer; the list's next_cursor continues
// it through GET /customers?parent_account_id=...
const embeddedChildLimit = 100

// renderCustomer builds the wire form of c with the sub-objects named in inc. The caller holds
// s.mu. Nested customers (parent_account, child_accounts) always have every sub-object null, as
// seed 002 says for them.
func (s *store) renderCustomer(c *customerRec, inc includeSet) *wireCustomer {
	w := &wireCustomer{
		ID: c.ID, Object: sales.ObjectCustomer, Name: c.Name, Number: c.Number, Status: c.Status,
		IsEDIEnabled: c.EDI, IsParentAccount: len(s.children[c.ID]) > 0, CommissionPolicy: c.Commission,
		Note: c.Note, DeletedAt: c.DeletedAt, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if inc[sales.IncludeCreditLimit] && c.Credit != nil {
		w.CreditLimit = &wireQuantity{ID: qtyID(c.ID), Object: sales.ObjectQuantity, Value: c.Credit.Value,
			DisplayValue: displayValue(c.Credit.Value, s.units[c.Credit.UnitID])}
	}
	if inc[sales.IncludeContactInfo] {
		w.ContactInfo = &wireContactInfo{Object: sales.ObjectContactInfo, Email: c.Email, Phone: c.Phone, URL: c.URL}
	}
	if inc[sales.IncludeFreightPreferences] {
		f := &wireFreight{Object: sales.ObjectFreightPreferences, Status: c.FreightPolicy,
			BillingType: c.BillingType, BillingAccount: c.BillingAccount}
		if cr := s.carriers[c.CarrierID]; cr != nil {
			f.Carrier = ptr(cr.wireCarrier)
		}
		if c.ServiceLevelID != nil {
			if l := s.serviceLevels[*c.ServiceLevelID]; l != nil {
				f.ServiceLevel = ptr(l.wireServiceLevel)
			}
		}
		w.FreightPreferences = f
	}
	if inc[sales.IncludeDefaults] {
		d := &wireDefaults{Object: sales.ObjectDefaults}
		if t := s.paymentTerms[c.PaymentTermID]; t != nil {
			d.PaymentTerm = ptr(*t)
		}
		if t := s.shippingTerms[c.ShippingTermID]; t != nil {
			d.ShippingTerm = ptr(*t)
		}
		if p := s.priorities[c.PriorityCode]; p != nil {
			d.Priority = ptr(*p)
		}
		if c.SalesRepID != nil {
			if u := s.users[*c.SalesRepID]; u != nil {
				d.SalesRep = ptr(*u)
			}
		}
		w.Defaults = d
	}
	if inc[sales.IncludeNotificationPreferences] {
		w.NotificationPreferences = &wireNotifications{Object: sales.ObjectNotificationPreferences,
			AcceptsInvoiceEmails: c.AcceptsInvoiceEmails}
	}
	if inc[sales.IncludeBillToAddress] && c.BillToID != nil {
		if a := s.addresses[*c.BillToID]; a != nil {
			w.BillToAddress = ptr(*a)
		}
	}
	if inc[sales.IncludeShipToAddress] && c.ShipToID != nil {
		if a := s.addresses[*c.ShipToID]; a != nil {
			w.ShipToAddress = ptr(*a)
		}
	}
	if inc[sales.IncludeType] {
		if g := s.groups[c.TypeGroupID]; g != nil {
			w.Type = ptr(*g)
		}
	}
	if inc[sales.IncludePriceGroups] {
		var data []wireGroup
		for _, id := range c.PriceGroupIDs {
			if g := s.groups[id]; g != nil {
				data = append(data, *g)
			}
		}
		w.PriceGroups = newList(data, wirePageInfo{})
	}
	if inc[sales.IncludeParentAccount] && c.ParentID != "" {
		if p := s.customers[c.ParentID]; p != nil {
			w.ParentAccount = s.renderCustomer(p, nil)
		}
	}
	if inc[sales.IncludeChildAccounts] && len(s.children[c.ID]) > 0 {
		var kids []*customerRec
		for _, id := range s.children[c.ID] {
			kids = append(kids, s.customers[id])
		}
		// In list order, so the embedded list's next_cursor continues it.
		slices.SortFunc(kids, func(a, b *customerRec) int { return compareKeys(a.key(), b.key()) })
		page, info := paginate(kids, (*customerRec).key, embeddedChildLimit, cursor{})
		data := make([]*wireCustomer, 0, len(page))
		for _, k := range page {
			data = append(data, s.renderCustomer(k, nil))
		}
		w.ChildAccounts = newList(data, info)
	}
	return w
}
