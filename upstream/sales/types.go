package sales

import (
	"encoding/json"
	"time"
)

// Object names: the "object" field of every resource.
const (
	ObjectCustomer                = "customer"
	ObjectList                    = "list"
	ObjectQuantity                = "quantity"
	ObjectContactInfo             = "customer_contact_info"
	ObjectFreightPreferences      = "customer_freight_preferences"
	ObjectCarrier                 = "carrier"
	ObjectServiceLevel            = "service_level"
	ObjectDefaults                = "customer_defaults"
	ObjectPaymentTerm             = "payment_term"
	ObjectShippingTerm            = "shipping_term"
	ObjectPriority                = "priority"
	ObjectUser                    = "user"
	ObjectNotificationPreferences = "customer_notification_preferences"
	ObjectAddress                 = "address"
	ObjectAccountGroup            = "account_group"
)

// Customer statuses (customer.status, the status filter, PATCH status).
const (
	StatusNormal       = "normal"
	StatusPreferred    = "preferred"
	StatusHoldShipment = "hold_shipment"
)

// Commission policies (customer and account group commission_policy).
const (
	CommissionApplied = "commission_applied"
	CommissionExempt  = "commission_exempt"
)

// Freight policies (freight_preferences.status, account group freight_policy, PATCH freight_policy).
const (
	FreightPolicyFree   = "free_freight"
	FreightPolicyBilled = "billed_freight"
)

// Carrier codes (carrier.code; null for carriers without one).
const (
	CarrierFedEx = "fedex"
	CarrierUPS   = "ups"
	CarrierUSPS  = "usps"
)

// Customer portal visibility of carriers and service levels.
const (
	VisibilityVisible = "visible"
	VisibilityHidden  = "hidden"
)

// Carrier billing types (freight_preferences.billing_type, PATCH carrier_billing_type).
const (
	BillingTypeSender     = "sender"
	BillingTypeThirdParty = "third_party"
)

// Payment term statuses.
const (
	PaymentTermActive   = "active"
	PaymentTermInactive = "inactive"
)

// Shipping term types.
const (
	ShippingTermFreeFreight = "free_freight"
	ShippingTermFlatRate    = "flat_rate_freight"
	ShippingTermCarrierRate = "carrier_rate_freight"
)

// Priority codes (priority.code, PATCH default_priority).
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
)

// Account group types (account_group.type, the account groups type filter).
const (
	GroupTypePricing = "pricing_group"
	GroupTypeType    = "type_group"
)

// Include names: the customer sub-objects that are null unless named in include[].
const (
	IncludeCreditLimit             = "credit_limit"
	IncludeContactInfo             = "contact_info"
	IncludeFreightPreferences      = "freight_preferences"
	IncludeDefaults                = "defaults"
	IncludeNotificationPreferences = "notification_preferences"
	IncludeBillToAddress           = "bill_to_address"
	IncludeShipToAddress           = "ship_to_address"
	IncludeType                    = "type"
	IncludePriceGroups             = "price_groups"
	IncludeParentAccount           = "parent_account"
	IncludeChildAccounts           = "child_accounts"
)

// AllIncludes returns every include name, in the order of seed 002. A fresh slice each call.
func AllIncludes() []string {
	return []string{IncludeCreditLimit, IncludeContactInfo, IncludeFreightPreferences,
		IncludeDefaults, IncludeNotificationPreferences, IncludeBillToAddress, IncludeShipToAddress,
		IncludeType, IncludePriceGroups, IncludeParentAccount, IncludeChildAccounts}
}

// Error types and codes of the vendor's {"error": {...}} body.
const (
	ErrorTypeInvalidRequest = "invalid_request_error"
	ErrorTypeAuthentication = "authentication_error"
	ErrorTypeRateLimit      = "rate_limit_error"
	ErrorTypeAPI            = "api_error"

	CodeResourceMissing       = "resource_missing"
	CodeParameterInvalid      = "parameter_invalid"
	CodeParameterUnknown      = "parameter_unknown"
	CodeParameterMissing      = "parameter_missing"
	CodeResourceAlreadyExists = "resource_already_exists"
	CodeIdempotencyKeyReused  = "idempotency_key_reused"
	CodeAPIKeyMissing         = "api_key_missing"
	CodeAPIKeyInvalid         = "api_key_invalid"
	CodeRateLimit             = "rate_limit"
	CodeConcurrencyLimit      = "concurrency_limit"
	CodeServiceUnavailable    = "service_unavailable"
	CodeURLInvalid            = "url_invalid"
)

// Customer is one B2B customer account. Every pointer is null on the wire either because the
// value is nullable or because the sub-object was not named in include[].
type Customer struct {
	ID               string  `json:"id"`
	Object           string  `json:"object"`
	Name             string  `json:"name"`
	Number           string  `json:"number"`
	Status           string  `json:"status"`
	IsEDIEnabled     bool    `json:"is_edi_enabled"`
	IsParentAccount  bool    `json:"is_parent_account"`
	CommissionPolicy string  `json:"commission_policy"`
	Note             *string `json:"note"`

	// CreditLimit is marked Expandable in seed 002: ask for IncludeCreditLimit. A server that
	// returns it regardless is tolerated.
	CreditLimit             *Quantity                `json:"credit_limit"`
	ContactInfo             *ContactInfo             `json:"contact_info"`
	FreightPreferences      *FreightPreferences      `json:"freight_preferences"`
	Defaults                *Defaults                `json:"defaults"`
	NotificationPreferences *NotificationPreferences `json:"notification_preferences"`
	BillToAddress           *Address                 `json:"bill_to_address"`
	ShipToAddress           *Address                 `json:"ship_to_address"`
	Type                    *AccountGroup            `json:"type"`
	PriceGroups             *AccountGroupList        `json:"price_groups"`
	// ParentAccount and the customers in ChildAccounts come with every sub-object null.
	ParentAccount *Customer     `json:"parent_account"`
	ChildAccounts *CustomerList `json:"child_accounts"`

	DeletedAt *time.Time `json:"deleted_at"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Quantity is a decimal amount with its unit, e.g. a credit limit.
type Quantity struct {
	ID           string `json:"id"`
	Object       string `json:"object"`
	Value        string `json:"value"` // decimal string, e.g. "25000.00"
	DisplayValue string `json:"display_value"`
	// Unit is always null in customer responses; its shape is not documented there.
	Unit json.RawMessage `json:"unit"`
}

// ContactInfo is a customer's contact details.
type ContactInfo struct {
	Object string  `json:"object"`
	Email  *string `json:"email"`
	Phone  *string `json:"phone"`
	URL    *string `json:"url"`
}

// FreightPreferences is how a customer's orders ship by default.
type FreightPreferences struct {
	Object         string        `json:"object"`
	Status         string        `json:"status"` // freight policy: FreightPolicyFree or FreightPolicyBilled
	Carrier        *Carrier      `json:"carrier"`
	ServiceLevel   *ServiceLevel `json:"service_level"`
	BillingType    *string       `json:"billing_type"` // BillingTypeSender, BillingTypeThirdParty or null
	BillingAccount *string       `json:"billing_account"`
}

// Carrier is a shipping carrier.
type Carrier struct {
	ID                       string  `json:"id"`
	Object                   string  `json:"object"`
	Name                     string  `json:"name"`
	Code                     *string `json:"code"` // CarrierFedEx, CarrierUPS, CarrierUSPS or null
	AccountNumber            *string `json:"account_number"`
	CustomerPortalVisibility string  `json:"customer_portal_visibility"`
	// Owner and ServiceLevels are always null in customer responses.
	Owner         json.RawMessage `json:"owner"`
	ServiceLevels json.RawMessage `json:"service_levels"`
	DeletedAt     *time.Time      `json:"deleted_at"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// ServiceLevel is one service of a carrier (e.g. ground, overnight).
type ServiceLevel struct {
	ID                       string    `json:"id"`
	Object                   string    `json:"object"`
	Name                     string    `json:"name"`
	ServiceLevelToken        string    `json:"service_level_token"`
	CustomerPortalVisibility string    `json:"customer_portal_visibility"`
	IsDefault                bool      `json:"is_default"`
	CreatedAt                time.Time `json:"created_at"`
	UpdatedAt                time.Time `json:"updated_at"`
}

// Defaults is what a customer's new orders start with.
type Defaults struct {
	Object       string        `json:"object"`
	PaymentTerm  *PaymentTerm  `json:"payment_term"`
	ShippingTerm *ShippingTerm `json:"shipping_term"`
	Priority     *Priority     `json:"priority"`
	SalesRep     *User         `json:"sales_rep"`
}

// PaymentTerm is a payment term such as "Net 30".
type PaymentTerm struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Name   string `json:"name"`
	Status string `json:"status"` // PaymentTermActive or PaymentTermInactive
	// Owner is always null in customer responses.
	Owner     json.RawMessage `json:"owner"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// ShippingTerm is a shipping term such as free freight.
type ShippingTerm struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Name   string `json:"name"`
	Type   string `json:"type"` // ShippingTermFreeFreight, ShippingTermFlatRate, ShippingTermCarrierRate
	// Owner, FlatRate, MinimumOrderValue and FreeShippingServiceLevels are always null in
	// customer responses.
	Owner                     json.RawMessage `json:"owner"`
	FlatRate                  *Quantity       `json:"flat_rate"`
	MinimumOrderValue         *Quantity       `json:"minimum_order_value"`
	FreeShippingServiceLevels json.RawMessage `json:"free_shipping_service_levels"`
	CreatedAt                 time.Time       `json:"created_at"`
	UpdatedAt                 time.Time       `json:"updated_at"`
}

// Priority is an order priority.
type Priority struct {
	ID     string `json:"id"`
	Object string `json:"object"`
	Code   string `json:"code"` // PriorityLow, PriorityNormal or PriorityHigh
	Name   string `json:"name"`
	// Owner is always null in customer responses.
	Owner     json.RawMessage `json:"owner"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// User is a user of the sales platform, e.g. a sales rep.
type User struct {
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

// NotificationPreferences is which notifications a customer receives.
type NotificationPreferences struct {
	Object               string `json:"object"`
	AcceptsInvoiceEmails bool   `json:"accepts_invoice_emails"`
}

// Address is a billing or shipping address. Seed 002 lists only these fields.
type Address struct {
	ID         string  `json:"id"`
	Object     string  `json:"object"`
	Name       string  `json:"name"`
	Phone      *string `json:"phone"`
	Email      *string `json:"email"`
	IsDropShip bool    `json:"is_drop_ship"`
	// Geolocation is always null in customer responses.
	Geolocation json.RawMessage `json:"geolocation"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// AccountGroup is a pricing group or a customer type group.
type AccountGroup struct {
	ID               string    `json:"id"`
	Object           string    `json:"object"`
	Name             string    `json:"name"`
	Description      *string   `json:"description"`
	CommissionPolicy string    `json:"commission_policy"`
	FreightPolicy    string    `json:"freight_policy"`
	Type             string    `json:"type"` // GroupTypePricing or GroupTypeType
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// PageInfo is the pagination metadata of a list. A null cursor decodes as "".
type PageInfo struct {
	NextCursor  string `json:"next_cursor"`
	PrevCursor  string `json:"prev_cursor"`
	HasNextPage bool   `json:"has_next_page"`
	HasPrevPage bool   `json:"has_prev_page"`
}

// AccountGroupList is a list object of account groups.
type AccountGroupList struct {
	Object   string         `json:"object"`
	PageInfo PageInfo       `json:"page_info"`
	Data     []AccountGroup `json:"data"`
}

// CustomerList is a list object of customers.
type CustomerList struct {
	Object   string     `json:"object"`
	PageInfo PageInfo   `json:"page_info"`
	Data     []Customer `json:"data"`
}

// addressList is the list object of GET /addresses.
type addressList struct {
	Object   string    `json:"object"`
	PageInfo PageInfo  `json:"page_info"`
	Data     []Address `json:"data"`
}
