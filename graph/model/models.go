// Package model holds the GraphQL object types the resolvers build: hand-written ones here,
// generated ones in models_gen.go. Hand-written models keep the upstream record they came from,
// so that expandable edges can be answered from data already fetched. Nothing here does I/O.
package model

import (
	"errors"
	"time"

	"custgraph/upstream/sales"
)

// Customer is a sales platform customer. The sub-objects the sales API returns through
// include[] (credit limit, contact info, addresses, type, ...) are plain fields, filled when the
// record was fetched with their include: the resolvers plan include[] from the query's
// selection, so every one a query asks for was fetched. As plain fields gqlgen renders them
// inline; as resolvers each would cost a goroutine per customer. Price groups, which take paging
// arguments, are a method without a context for the same reason. Edges to other records
// (parent and child accounts, category, groups) are resolvers.
type Customer struct {
	ID               string
	SalesID          string
	Number           string
	Name             string
	Status           CustomerStatus
	Note             *string
	IsEdiEnabled     bool
	IsParentAccount  bool
	CommissionPolicy CommissionPolicy
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DeletedAt        *time.Time

	CreditLimit             *Quantity
	ContactInfo             *ContactInfo
	FreightPreferences      *FreightPreferences
	Defaults                *CustomerDefaults
	NotificationPreferences *NotificationPreferences
	BillToAddress           *Address
	ShipToAddress           *Address
	Type                    *AccountGroup
	// PriceGroupPages pages the price groups that came with the record (include price_groups);
	// the resolvers set it, as the cursors are theirs. Nil when the include was not fetched.
	PriceGroupPages func(first *int, after *string) (*AccountGroupConnection, error) `json:"-"`

	// Raw is the record as the sales API returned it; Includes the include[] names it was
	// fetched with (an expandable not included is null in Raw, not absent upstream).
	Raw      *sales.Customer `json:"-"`
	Includes IncludeSet      `json:"-"`
}

// PriceGroups is the priceGroups field: a method without a context, so gqlgen renders it inline
// instead of in a goroutine per customer.
func (c *Customer) PriceGroups(first *int, after *string) (*AccountGroupConnection, error) {
	if c.PriceGroupPages == nil {
		return nil, errors.New("price groups were not fetched for this customer")
	}
	return c.PriceGroupPages(first, after)
}

func (Customer) IsNode()         {}
func (c Customer) GetID() string { return c.ID }

// CustomerCategory is a NetSuite customerCategory.
type CustomerCategory struct {
	ID         string
	NetsuiteID string
	Name       string
	IsInactive bool
}

func (CustomerCategory) IsNode()         {}
func (c CustomerCategory) GetID() string { return c.ID }

// CustomerGroup is a commercetools customer group.
type CustomerGroup struct {
	ID              string
	CommercetoolsID string
	Key             *string
	Version         int64
	Name            string
	CreatedAt       time.Time
	LastModifiedAt  time.Time
	Custom          *CustomFields
}

func (CustomerGroup) IsNode()         {}
func (g CustomerGroup) GetID() string { return g.ID }

// Address is a sales platform address.
type Address struct {
	ID         string
	SalesID    string
	Name       string
	Phone      *string
	Email      *string
	IsDropShip bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (Address) IsNode()         {}
func (a Address) GetID() string { return a.ID }

// AccountGroup is a sales platform pricing or type group.
type AccountGroup struct {
	ID               string
	SalesID          string
	Name             string
	Description      *string
	Type             AccountGroupType
	CommissionPolicy *CommissionPolicy
	FreightPolicy    *FreightPolicy
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (AccountGroup) IsNode()         {}
func (a AccountGroup) GetID() string { return a.ID }
