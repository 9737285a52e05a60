package sales

import (
	"encoding/json"
	"errors"
	"testing"

	"custgraph/upstream"
)

func TestOptionalJSON(t *testing.T) {
	t.Parallel()
	type body struct {
		S Optional[string]           `json:"s,omitzero"`
		B Optional[bool]             `json:"b,omitzero"`
		L Optional[[]string]         `json:"l,omitzero"`
		C Optional[CreditLimitInput] `json:"c,omitzero"`
	}
	cases := []struct {
		name string
		in   body
		want string
	}{
		{"all omitted", body{}, `{}`},
		{"set values", body{S: Set("x"), B: Set(false), L: Set([]string{"a"}), C: Set(CreditLimitInput{"1.00", "unit_usd"})},
			`{"s":"x","b":false,"l":["a"],"c":{"value":"1.00","unit_id":"unit_usd"}}`},
		{"zero values are sent when set", body{S: Set(""), L: Set([]string{})}, `{"s":"","l":[]}`},
		{"set nil slice is an empty list, not null", body{L: Set[[]string](nil)}, `{"l":[]}`},
		{"nulls", body{S: Null[string](), B: Null[bool](), L: Null[[]string](), C: Null[CreditLimitInput]()},
			`{"s":null,"b":null,"l":null,"c":null}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.in)
			if err != nil || string(b) != tc.want {
				t.Fatalf("marshal = %s, %v; want %s", b, err, tc.want)
			}
			var back body
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			again, _ := json.Marshal(back)
			if string(again) != tc.want {
				t.Fatalf("round trip = %s, want %s", again, tc.want)
			}
		})
	}

	t.Run("states", func(t *testing.T) {
		t.Parallel()
		var o Optional[int]
		if !o.IsZero() || o.IsNull() || o.IsSet() {
			t.Fatal("zero value must be omitted")
		}
		if v, ok := Set(3).Get(); !ok || v != 3 || Set(3).IsZero() {
			t.Fatal("Set(3)")
		}
		if _, ok := Null[int]().Get(); ok || !Null[int]().IsNull() || Null[int]().IsZero() {
			t.Fatal("Null")
		}
	})
	t.Run("omitted without omitzero is an error, not a null", func(t *testing.T) {
		t.Parallel()
		var bad struct {
			S Optional[string] `json:"s"`
		}
		if _, err := json.Marshal(bad); err == nil {
			t.Fatal("encoding an omitted Optional without omitzero must fail")
		}
	})
}

func TestCustomerPatchValidate(t *testing.T) {
	t.Parallel()
	nullable := CustomerPatch{Note: Null[string](), Email: Null[string](), Phone: Null[string](), URL: Null[string](),
		DefaultServiceLevelID: Null[string](), DefaultSalesRepUserID: Null[string](), BillToAddressID: Null[string](),
		ShipToAddressID: Null[string](), CarrierBillingAccount: Null[string](), CreditLimit: Null[CreditLimitInput]()}
	if err := nullable.Validate(); err != nil {
		t.Fatalf("nullable fields set to null: %v", err)
	}
	cases := []struct {
		field string
		p     CustomerPatch
	}{
		{"name", CustomerPatch{Name: Null[string]()}},
		{"number", CustomerPatch{Number: Null[string]()}},
		{"status", CustomerPatch{Status: Null[string]()}},
		{"is_edi_enabled", CustomerPatch{IsEDIEnabled: Null[bool]()}},
		{"commission_policy", CustomerPatch{CommissionPolicy: Null[string]()}},
		{"freight_policy", CustomerPatch{FreightPolicy: Null[string]()}},
		{"default_carrier_id", CustomerPatch{DefaultCarrierID: Null[string]()}},
		{"default_payment_term_id", CustomerPatch{DefaultPaymentTermID: Null[string]()}},
		{"default_shipping_term_id", CustomerPatch{DefaultShippingTermID: Null[string]()}},
		{"default_priority", CustomerPatch{DefaultPriority: Null[string]()}},
		{"customer_price_group_ids", CustomerPatch{CustomerPriceGroupIDs: Null[[]string]()}},
		{"customer_type_group_id", CustomerPatch{CustomerTypeGroupID: Null[string]()}},
		{"carrier_billing_type", CustomerPatch{CarrierBillingType: Null[string]()}},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			t.Parallel()
			err := tc.p.Validate()
			var ue *upstream.Error
			if !errors.As(err, &ue) || ue.Kind != upstream.KindValidation || ue.Field != tc.field || ue.Code != CodeParameterInvalid {
				t.Fatalf("Validate() = %#v, want KindValidation on %s", err, tc.field)
			}
		})
	}
}

// TestCustomerPatchWireNames checks every field's JSON name against the PATCH parameters of
// seed 002, so a typo in a tag cannot send a parameter the upstream would refuse.
func TestCustomerPatchWireNames(t *testing.T) {
	t.Parallel()
	s := Set("v")
	p := CustomerPatch{Name: s, Number: s, Note: s, Status: s, Email: s, Phone: s, URL: s, IsEDIEnabled: Set(true),
		CommissionPolicy: s, FreightPolicy: s, DefaultCarrierID: s, DefaultServiceLevelID: s, DefaultPaymentTermID: s,
		DefaultShippingTermID: s, DefaultPriority: s, DefaultSalesRepUserID: s, BillToAddressID: s, ShipToAddressID: s,
		CustomerPriceGroupIDs: Set([]string{"v"}), CustomerTypeGroupID: s, CarrierBillingType: s, CarrierBillingAccount: s,
		CreditLimit: Set(CreditLimitInput{Value: "1", UnitID: "u"})}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"name", "number", "note", "status", "email", "phone", "url", "is_edi_enabled",
		"commission_policy", "freight_policy", "default_carrier_id", "default_service_level_id",
		"default_payment_term_id", "default_shipping_term_id", "default_priority", "default_sales_rep_user_id",
		"bill_to_address_id", "ship_to_address_id", "customer_price_group_ids", "customer_type_group_id",
		"carrier_billing_type", "carrier_billing_account", "credit_limit"}
	if len(got) != len(want) {
		t.Fatalf("%d fields on the wire, want %d: %s", len(got), len(want), b)
	}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("parameter %s missing from %s", k, b)
		}
	}
}
