package resolvers

import (
	"strings"

	"github.com/shopspring/decimal"

	"custgraph/graph/model"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/sales"
)

// The sales API's enum values are the GraphQL ones in lower case (hold_shipment / HOLD_SHIPMENT).
func enumOf[T ~string](s string) T { return T(strings.ToUpper(s)) }

func enumPtr[T ~string](s *string) *T {
	if s == nil || *s == "" {
		return nil
	}
	v := enumOf[T](*s)
	return &v
}

func enumPtrOf[T ~string](s string) *T {
	if s == "" {
		return nil
	}
	v := enumOf[T](s)
	return &v
}

func wireEnum[T ~string](v T) string { return strings.ToLower(string(v)) }

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// customerModel maps a sales customer fetched with includes. The sub-objects whose include was
// not fetched stay nil: the query that built includes does not select them.
func customerModel(c *sales.Customer, includes model.IncludeSet) *model.Customer {
	m := &model.Customer{
		ID:               globalID(typeCustomer, c.ID),
		SalesID:          c.ID,
		Number:           c.Number,
		Name:             c.Name,
		Status:           enumOf[model.CustomerStatus](c.Status),
		Note:             c.Note,
		IsEdiEnabled:     c.IsEDIEnabled,
		IsParentAccount:  c.IsParentAccount,
		CommissionPolicy: enumOf[model.CommissionPolicy](c.CommissionPolicy),
		CreatedAt:        c.CreatedAt,
		UpdatedAt:        c.UpdatedAt,
		DeletedAt:        c.DeletedAt,
		Raw:              c,
		Includes:         includes,
	}
	for _, inc := range includes {
		switch inc {
		case sales.IncludeCreditLimit:
			m.CreditLimit = quantityModel(c.CreditLimit)
		case sales.IncludeContactInfo:
			m.ContactInfo = contactInfoModel(c.ContactInfo)
		case sales.IncludeFreightPreferences:
			m.FreightPreferences = freightModel(c.FreightPreferences)
		case sales.IncludeDefaults:
			m.Defaults = defaultsModel(c.Defaults)
		case sales.IncludeNotificationPreferences:
			if n := c.NotificationPreferences; n != nil {
				m.NotificationPreferences = &model.NotificationPreferences{AcceptsInvoiceEmails: n.AcceptsInvoiceEmails}
			}
		case sales.IncludeBillToAddress:
			m.BillToAddress = addressModel(c.BillToAddress)
		case sales.IncludeShipToAddress:
			m.ShipToAddress = addressModel(c.ShipToAddress)
		case sales.IncludeType:
			m.Type = accountGroupModel(c.Type)
		case sales.IncludePriceGroups:
			m.PriceGroupPages = func(first *int, after *string) (*model.AccountGroupConnection, error) {
				return priceGroupPage(c, first, after)
			}
		}
	}
	return m
}

func quantityModel(q *sales.Quantity) *model.Quantity {
	if q == nil {
		return nil
	}
	d, err := decimal.NewFromString(q.Value)
	if err != nil {
		// An upstream value we cannot read exactly is better absent than wrong.
		return nil
	}
	return &model.Quantity{Value: d, DisplayValue: strPtr(q.DisplayValue)}
}

func contactInfoModel(c *sales.ContactInfo) *model.ContactInfo {
	if c == nil {
		return nil
	}
	return &model.ContactInfo{Email: c.Email, Phone: c.Phone, URL: c.URL}
}

func freightModel(f *sales.FreightPreferences) *model.FreightPreferences {
	if f == nil {
		return nil
	}
	out := &model.FreightPreferences{
		FreightPolicy:  enumPtrOf[model.FreightPolicy](f.Status),
		BillingType:    enumPtr[model.CarrierBillingType](f.BillingType),
		BillingAccount: f.BillingAccount,
	}
	if c := f.Carrier; c != nil {
		out.Carrier = &model.Carrier{ID: c.ID, Name: c.Name, Code: enumPtr[model.CarrierCode](c.Code),
			AccountNumber: c.AccountNumber, PortalVisibility: enumPtrOf[model.PortalVisibility](c.CustomerPortalVisibility)}
	}
	if s := f.ServiceLevel; s != nil {
		out.ServiceLevel = &model.ServiceLevel{ID: s.ID, Name: s.Name, Token: strPtr(s.ServiceLevelToken),
			PortalVisibility: enumPtrOf[model.PortalVisibility](s.CustomerPortalVisibility), IsDefault: s.IsDefault}
	}
	return out
}

func defaultsModel(d *sales.Defaults) *model.CustomerDefaults {
	if d == nil {
		return nil
	}
	out := &model.CustomerDefaults{}
	if p := d.PaymentTerm; p != nil {
		out.PaymentTerm = &model.PaymentTerm{ID: p.ID, Name: p.Name, Status: enumPtrOf[model.PaymentTermStatus](p.Status)}
	}
	if s := d.ShippingTerm; s != nil {
		out.ShippingTerm = &model.ShippingTerm{ID: s.ID, Name: s.Name, Type: enumPtrOf[model.ShippingTermType](s.Type)}
	}
	if p := d.Priority; p != nil {
		out.Priority = &model.Priority{ID: p.ID, Code: enumOf[model.PriorityCode](p.Code), Name: p.Name}
	}
	if u := d.SalesRep; u != nil {
		out.SalesRep = &model.User{ID: u.ID, Name: u.Name, Email: u.Email, Username: u.Username}
	}
	return out
}

func addressModel(a *sales.Address) *model.Address {
	if a == nil {
		return nil
	}
	return &model.Address{ID: globalID(typeAddress, a.ID), SalesID: a.ID, Name: a.Name, Phone: a.Phone,
		Email: a.Email, IsDropShip: a.IsDropShip, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func accountGroupModel(g *sales.AccountGroup) *model.AccountGroup {
	if g == nil {
		return nil
	}
	return &model.AccountGroup{ID: globalID(typeAccountGroup, g.ID), SalesID: g.ID, Name: g.Name,
		Description: g.Description, Type: enumOf[model.AccountGroupType](g.Type),
		CommissionPolicy: enumPtrOf[model.CommissionPolicy](g.CommissionPolicy),
		FreightPolicy:    enumPtrOf[model.FreightPolicy](g.FreightPolicy),
		CreatedAt:        g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

func categoryModel(c *netsuite.Category) *model.CustomerCategory {
	if c == nil {
		return nil
	}
	return &model.CustomerCategory{ID: globalID(typeCustomerCategory, c.ID), NetsuiteID: c.ID, Name: c.Name, IsInactive: c.IsInactive}
}

func groupModel(g *commercetools.CustomerGroup) *model.CustomerGroup {
	if g == nil {
		return nil
	}
	out := &model.CustomerGroup{ID: globalID(typeCustomerGroup, g.ID), CommercetoolsID: g.ID, Key: strPtr(g.Key),
		Version: g.Version, Name: g.Name, CreatedAt: g.CreatedAt, LastModifiedAt: g.LastModifiedAt}
	if c := g.Custom; c != nil {
		fields := make(map[string]any, len(c.Fields))
		for k, raw := range c.Fields {
			fields[k] = jsonValue(raw)
		}
		out.Custom = &model.CustomFields{TypeID: strPtr(c.Type.ID), TypeKey: strPtr(c.Type.Key), Fields: fields}
	}
	return out
}
