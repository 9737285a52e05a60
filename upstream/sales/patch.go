package sales

import (
	"fmt"

	"custgraph/upstream"
)

// CustomerPatch is the body of PATCH /customers/{id}: one field per parameter of seed 002.
// Omitted fields (the zero Optional) are not sent and stay unchanged; Null clears a field, which
// only the nullable parameters allow (Validate checks). CustomerPriceGroupIDs replaces all of the
// customer's price groups.
type CustomerPatch struct {
	Name                  Optional[string]           `json:"name,omitzero"`
	Number                Optional[string]           `json:"number,omitzero"`
	Note                  Optional[string]           `json:"note,omitzero"` // nullable
	Status                Optional[string]           `json:"status,omitzero"`
	Email                 Optional[string]           `json:"email,omitzero"` // nullable
	Phone                 Optional[string]           `json:"phone,omitzero"` // nullable
	URL                   Optional[string]           `json:"url,omitzero"`   // nullable
	IsEDIEnabled          Optional[bool]             `json:"is_edi_enabled,omitzero"`
	CommissionPolicy      Optional[string]           `json:"commission_policy,omitzero"`
	FreightPolicy         Optional[string]           `json:"freight_policy,omitzero"`
	DefaultCarrierID      Optional[string]           `json:"default_carrier_id,omitzero"`
	DefaultServiceLevelID Optional[string]           `json:"default_service_level_id,omitzero"` // nullable
	DefaultPaymentTermID  Optional[string]           `json:"default_payment_term_id,omitzero"`
	DefaultShippingTermID Optional[string]           `json:"default_shipping_term_id,omitzero"`
	DefaultPriority       Optional[string]           `json:"default_priority,omitzero"`          // a code: PriorityLow, ...
	DefaultSalesRepUserID Optional[string]           `json:"default_sales_rep_user_id,omitzero"` // nullable
	BillToAddressID       Optional[string]           `json:"bill_to_address_id,omitzero"`        // nullable
	ShipToAddressID       Optional[string]           `json:"ship_to_address_id,omitzero"`        // nullable
	CustomerPriceGroupIDs Optional[[]string]         `json:"customer_price_group_ids,omitzero"`
	CustomerTypeGroupID   Optional[string]           `json:"customer_type_group_id,omitzero"`
	CarrierBillingType    Optional[string]           `json:"carrier_billing_type,omitzero"`
	CarrierBillingAccount Optional[string]           `json:"carrier_billing_account,omitzero"` // nullable
	CreditLimit           Optional[CreditLimitInput] `json:"credit_limit,omitzero"`            // nullable
}

// CreditLimitInput is the credit_limit PATCH parameter.
type CreditLimitInput struct {
	Value  string `json:"value"` // decimal string
	UnitID string `json:"unit_id"`
}

// UpdateOptions tune UpdateCustomer.
type UpdateOptions struct {
	// IdempotencyKey, when set, is sent as Idempotency-Key, which makes the PATCH safe to retry:
	// the upstream replays the first response instead of applying it twice.
	IdempotencyKey string
	// Include names the sub-objects to expand in the returned customer.
	Include []string
}

// Validate reports the first parameter set to null that seed 002 does not mark nullable, as an
// *upstream.Error of KindValidation whose Field is the parameter's wire name.
func (p CustomerPatch) Validate() error {
	nonNullable := []struct {
		name string
		null bool
	}{
		{"name", p.Name.IsNull()},
		{"number", p.Number.IsNull()},
		{"status", p.Status.IsNull()},
		{"is_edi_enabled", p.IsEDIEnabled.IsNull()},
		{"commission_policy", p.CommissionPolicy.IsNull()},
		{"freight_policy", p.FreightPolicy.IsNull()},
		{"default_carrier_id", p.DefaultCarrierID.IsNull()},
		{"default_payment_term_id", p.DefaultPaymentTermID.IsNull()},
		{"default_shipping_term_id", p.DefaultShippingTermID.IsNull()},
		{"default_priority", p.DefaultPriority.IsNull()},
		{"customer_price_group_ids", p.CustomerPriceGroupIDs.IsNull()},
		{"customer_type_group_id", p.CustomerTypeGroupID.IsNull()},
		{"carrier_billing_type", p.CarrierBillingType.IsNull()},
	}
	for _, f := range nonNullable {
		if f.null {
			return &upstream.Error{Upstream: upstreamName, Method: "PATCH", Path: "/customers/{id}",
				Kind: upstream.KindValidation, Code: CodeParameterInvalid, Field: f.name,
				Message: fmt.Sprintf("%s cannot be null", f.name)}
		}
	}
	return nil
}
