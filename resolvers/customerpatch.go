package resolvers

import (
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"

	"custgraph/graph/model"
	"custgraph/upstream/sales"
)

// opt maps a GraphQL input field to a sales PATCH field: omitted stays omitted, null clears.
func opt[T any](o graphql.Omittable[*T]) sales.Optional[T] {
	if !o.IsSet() {
		return sales.Optional[T]{}
	}
	if v := o.Value(); v != nil {
		return sales.Set(*v)
	}
	return sales.Null[T]()
}

func optEnum[T ~string](o graphql.Omittable[*T]) sales.Optional[string] {
	if !o.IsSet() {
		return sales.Optional[string]{}
	}
	if v := o.Value(); v != nil {
		return sales.Set(wireEnum(*v))
	}
	return sales.Null[string]()
}

// optNode maps a global-id input field to the upstream id.
func optNode(field, typ string, o graphql.Omittable[*string]) (sales.Optional[string], error) {
	if !o.IsSet() {
		return sales.Optional[string]{}, nil
	}
	v := o.Value()
	if v == nil {
		return sales.Null[string](), nil
	}
	id, err := idOf(field, typ, *v)
	if err != nil {
		return sales.Optional[string]{}, err
	}
	return sales.Set(id), nil
}

// customerPatch maps UpdateCustomerInput to a sales PATCH body. Fields the sales platform cannot
// clear are refused when null, here, before anything is sent.
func customerPatch(in model.UpdateCustomerInput) (sales.CustomerPatch, error) {
	nonNull := []struct {
		field string
		set   bool
		null  bool
	}{
		{"name", in.Name.IsSet(), in.Name.Value() == nil},
		{"number", in.Number.IsSet(), in.Number.Value() == nil},
		{"status", in.Status.IsSet(), in.Status.Value() == nil},
		{"isEdiEnabled", in.IsEdiEnabled.IsSet(), in.IsEdiEnabled.Value() == nil},
		{"commissionPolicy", in.CommissionPolicy.IsSet(), in.CommissionPolicy.Value() == nil},
		{"freightPolicy", in.FreightPolicy.IsSet(), in.FreightPolicy.Value() == nil},
		{"defaultCarrierId", in.DefaultCarrierID.IsSet(), in.DefaultCarrierID.Value() == nil},
		{"defaultPaymentTermId", in.DefaultPaymentTermID.IsSet(), in.DefaultPaymentTermID.Value() == nil},
		{"defaultShippingTermId", in.DefaultShippingTermID.IsSet(), in.DefaultShippingTermID.Value() == nil},
		{"defaultPriority", in.DefaultPriority.IsSet(), in.DefaultPriority.Value() == nil},
		{"priceGroupIds", in.PriceGroupIds.IsSet(), in.PriceGroupIds.Value() == nil},
		{"typeGroupId", in.TypeGroupID.IsSet(), in.TypeGroupID.Value() == nil},
		{"carrierBillingType", in.CarrierBillingType.IsSet(), in.CarrierBillingType.Value() == nil},
	}
	for _, f := range nonNull {
		if f.set && f.null {
			return sales.CustomerPatch{}, badInputf("input."+f.field, "%s cannot be cleared (null); omit it to leave it unchanged", f.field)
		}
	}
	if v := in.Name.Value(); v != nil && *v == "" {
		return sales.CustomerPatch{}, badInput("input.name", "name cannot be empty")
	}
	if v := in.Number.Value(); v != nil && *v == "" {
		return sales.CustomerPatch{}, badInput("input.number", "number cannot be empty")
	}
	p := sales.CustomerPatch{
		Name:                  opt(in.Name),
		Number:                opt(in.Number),
		Note:                  opt(in.Note),
		Status:                optEnum(in.Status),
		Email:                 opt(in.Email),
		Phone:                 opt(in.Phone),
		URL:                   opt(in.URL),
		IsEDIEnabled:          opt(in.IsEdiEnabled),
		CommissionPolicy:      optEnum(in.CommissionPolicy),
		FreightPolicy:         optEnum(in.FreightPolicy),
		DefaultCarrierID:      opt(in.DefaultCarrierID),
		DefaultServiceLevelID: opt(in.DefaultServiceLevelID),
		DefaultPaymentTermID:  opt(in.DefaultPaymentTermID),
		DefaultShippingTermID: opt(in.DefaultShippingTermID),
		DefaultPriority:       optEnum(in.DefaultPriority),
		DefaultSalesRepUserID: opt(in.DefaultSalesRepUserID),
		CarrierBillingType:    optEnum(in.CarrierBillingType),
		CarrierBillingAccount: opt(in.CarrierBillingAccount),
	}
	var err error
	if p.BillToAddressID, err = optNode("input.billToAddressId", typeAddress, in.BillToAddressID); err != nil {
		return p, err
	}
	if p.ShipToAddressID, err = optNode("input.shipToAddressId", typeAddress, in.ShipToAddressID); err != nil {
		return p, err
	}
	if p.CustomerTypeGroupID, err = optNode("input.typeGroupId", typeAccountGroup, in.TypeGroupID); err != nil {
		return p, err
	}
	if in.PriceGroupIds.IsSet() {
		gids := in.PriceGroupIds.Value()
		ids := make([]string, len(gids))
		for i, g := range gids {
			if ids[i], err = idOf("input.priceGroupIds", typeAccountGroup, g); err != nil {
				return p, err
			}
		}
		p.CustomerPriceGroupIDs = sales.Set(ids)
	}
	if in.CreditLimit.IsSet() {
		if v := in.CreditLimit.Value(); v != nil {
			if v.Value.IsNegative() {
				return p, badInput("input.creditLimit.value", "a credit limit cannot be negative")
			}
			p.CreditLimit = sales.Set(sales.CreditLimitInput{Value: v.Value.String(), UnitID: v.UnitID})
		} else {
			p.CreditLimit = sales.Null[sales.CreditLimitInput]()
		}
	}
	if b, err := json.Marshal(p); err == nil && string(b) == "{}" {
		return p, badInput("input", "input changes nothing")
	}
	return p, p.Validate()
}
