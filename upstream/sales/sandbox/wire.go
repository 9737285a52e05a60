package sandbox

import (
	"time"

	"custgraph/upstream/sales"
)

// The wire structs are the simulator's own, field for field in the order of seed 002, rather
// than the client's types: a mistake in one side must show up as a failing contract test, not be
// shared by both.

// alwaysNull is a field seed 002 says is "Always returned as null in this endpoint".
type alwaysNull struct{}

func (alwaysNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

type wireCustomer struct {
	ID                      string                   `json:"id"`
	Object                  string                   `json:"object"`
	Name                    string                   `json:"name"`
	Number                  string                   `json:"number"`
	Status                  string                   `json:"status"`
	IsEDIEnabled            bool                     `json:"is_edi_enabled"`
	IsParentAccount         bool                     `json:"is_parent_account"`
	CommissionPolicy        string                   `json:"commission_policy"`
	Note                    *string                  `json:"note"`
	CreditLimit             *wireQuantity            `json:"credit_limit"`
	ContactInfo             *wireContactInfo         `json:"contact_info"`
	FreightPreferences      *wireFreight             `json:"freight_preferences"`
	Defaults                *wireDefaults            `json:"defaults"`
	NotificationPreferences *wireNotifications       `json:"notification_preferences"`
	BillToAddress           *wireAddress             `json:"bill_to_address"`
	ShipToAddress           *wireAddress             `json:"ship_to_address"`
	Type                    *wireGroup               `json:"type"`
	PriceGroups             *wireList[wireGroup]     `json:"price_groups"`
	ParentAccount           *wireCustomer            `json:"parent_account"`
	ChildAccounts           *wireList[*wireCustomer] `json:"child_accounts"`
	DeletedAt               *time.Time               `json:"deleted_at"`
	CreatedAt               time.Time                `json:"created_at"`
	UpdatedAt               time.Time                `json:"updated_at"`
}

type wireQuantity struct {
	ID           string     `json:"id"`
	Object       string     `json:"object"`
	Value        string     `json:"value"`
	DisplayValue string     `json:"display_value"`
	Unit         alwaysNull `json:"unit"`
}

type wireContactInfo struct {
	Object string  `json:"object"`
	Email  *string `json:"email"`
	Phone  *string `json:"phone"`
	URL    *string `json:"url"`
}

type wireFreight struct {
	Object         string            `json:"object"`
	Status         string            `json:"status"`
	Carrier        *wireCarrier      `json:"carrier"`
	ServiceLevel   *wireServiceLevel `json:"service_level"`
	BillingType    *string           `json:"billing_type"`
	BillingAccount *string           `json:"billing_account"`
}

type wireCarrier struct {
	ID                       string     `json:"id"`
	Object                   string     `json:"object"`
	Name                     string     `json:"name"`
	Code                     *string    `json:"code"`
	AccountNumber            *string    `json:"account_number"`
	CustomerPortalVisibility string     `json:"customer_portal_visibility"`
	Owner                    alwaysNull `json:"owner"`
	ServiceLevels            alwaysNull `json:"service_levels"`
	DeletedAt                *time.Time `json:"deleted_at"`
	CreatedAt                time.Time  `json:"created_at"`
	UpdatedAt                time.Time  `json:"updated_at"`
}

type wireServiceLevel struct {
	ID                       string    `json:"id"`
	Object                   string    `json:"object"`
	Name                     string    `json:"name"`
	ServiceLevelToken        string    `json:"service_level_token"`
	CustomerPortalVisibility string    `json:"customer_portal_visibility"`
	IsDefault                bool      `json:"is_default"`
	CreatedAt                time.Time `json:"created_at"`
	UpdatedAt                time.Time `json:"updated_at"`
}

type wireDefaults struct {
	Object       string            `json:"object"`
	PaymentTerm  *wirePaymentTerm  `json:"payment_term"`
	ShippingTerm *wireShippingTerm `json:"shipping_term"`
	Priority     *wirePriority     `json:"priority"`
	SalesRep     *wireUser         `json:"sales_rep"`
}

type wirePaymentTerm struct {
	ID        string     `json:"id"`
	Object    string     `json:"object"`
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	Owner     alwaysNull `json:"owner"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

type wireShippingTerm struct {
	ID                        string     `json:"id"`
	Object                    string     `json:"object"`
	Name                      string     `json:"name"`
	Type                      string     `json:"type"`
	Owner                     alwaysNull `json:"owner"`
	FlatRate                  alwaysNull `json:"flat_rate"`
	MinimumOrderValue         alwaysNull `json:"minimum_order_value"`
	FreeShippingServiceLevels alwaysNull `json:"free_shipping_service_levels"`
	CreatedAt                 time.Time  `json:"created_at"`
	UpdatedAt                 time.Time  `json:"updated_at"`
}

type wirePriority struct {
	ID        string     `json:"id"`
	Object    string     `json:"object"`
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Owner     alwaysNull `json:"owner"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

type wireUser struct {
	ID              string     `json:"id"`
	Object          string     `json:"object"`
	Email           *string    `json:"email"`
	Name            *string    `json:"name"`
	Username        *string    `json:"username"`
	EmailVerifiedAt *time.Time `json:"email_verified_at"`
	ImageURL        *string    `json:"image_url"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

type wireNotifications struct {
	Object               string `json:"object"`
	AcceptsInvoiceEmails bool   `json:"accepts_invoice_emails"`
}

type wireAddress struct {
	ID          string     `json:"id"`
	Object      string     `json:"object"`
	Name        string     `json:"name"`
	Phone       *string    `json:"phone"`
	Email       *string    `json:"email"`
	IsDropShip  bool       `json:"is_drop_ship"`
	Geolocation alwaysNull `json:"geolocation"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

type wireGroup struct {
	ID               string    `json:"id"`
	Object           string    `json:"object"`
	Name             string    `json:"name"`
	Description      *string   `json:"description"`
	CommissionPolicy string    `json:"commission_policy"`
	FreightPolicy    string    `json:"freight_policy"`
	Type             string    `json:"type"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

type wirePageInfo struct {
	NextCursor  *string `json:"next_cursor"`
	PrevCursor  *string `json:"prev_cursor"`
	HasNextPage bool    `json:"has_next_page"`
	HasPrevPage bool    `json:"has_prev_page"`
}

type wireList[T any] struct {
	Object   string       `json:"object"`
	PageInfo wirePageInfo `json:"page_info"`
	Data     []T          `json:"data"`
}

func newList[T any](data []T, info wirePageInfo) *wireList[T] {
	if data == nil {
		data = []T{} // an empty page is [], never null
	}
	return &wireList[T]{Object: sales.ObjectList, PageInfo: info, Data: data}
}

type wireError struct {
	Error wireErrorBody `json:"error"`
}

type wireErrorBody struct {
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
}
