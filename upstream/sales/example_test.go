package sales_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"

	"custgraph/upstream/sales"
	"custgraph/upstream/sales/sandbox"
	"custgraph/upstream/seed"
)

func Example() {
	// The sandbox stands in for the real API; in production the config is
	// sales.Config{BaseURL: "https://<host>/v1/sales", APIKey: key}.
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Seed: seed.Generate(seed.Options{Customers: 12})}))
	defer srv.Close()
	c, err := sales.New(sandbox.ClientConfig(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Batch load by customer number (one request per 100 numbers), expanding two sub-objects.
	byNumber, err := c.CustomersByNumber(ctx, []string{"C-1002", "C-9999"}, sales.IncludeType, sales.IncludeParentAccount)
	if err != nil {
		log.Fatal(err)
	}
	cu := byNumber["C-1002"]
	fmt.Println(len(byNumber), cu.Name, cu.Status, cu.Type.Name, cu.ParentAccount.Number)

	// Set one field, clear another, leave the rest alone; the key makes the PATCH retryable.
	updated, err := c.UpdateCustomer(ctx, cu.ID, sales.CustomerPatch{
		Status: sales.Set(sales.StatusHoldShipment),
		Note:   sales.Null[string](),
	}, sales.UpdateOptions{IdempotencyKey: "example-hold-C-1002"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Status, updated.Note == nil, updated.Name)

	// Page through a filtered list.
	opts := sales.ListCustomersOptions{Limit: 2, Status: sales.StatusHoldShipment}
	for {
		page, err := c.ListCustomers(ctx, opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, h := range page.Customers {
			fmt.Print(h.Number, " ")
		}
		if !page.PageInfo.HasNextPage {
			break
		}
		opts.Cursor = page.PageInfo.NextCursor
	}
	fmt.Println()
	// Output:
	// 1 Globex Industrial Inc. normal End User C-1001
	// hold_shipment true Globex Industrial Inc.
	// C-1002 C-1004 C-1008 C-1012
}

func ExampleCustomerPatch() {
	p := sales.CustomerPatch{
		Name:                  sales.Set("Acme Industrial"),
		Note:                  sales.Null[string](),          // clear
		CustomerPriceGroupIDs: sales.Set([]string{"ag_123"}), // replaces all
	}
	if err := p.Validate(); err != nil {
		log.Fatal(err)
	}
	b, _ := json.Marshal(p)
	fmt.Println(string(b))

	bad := sales.CustomerPatch{Status: sales.Null[string]()}
	fmt.Println(bad.Validate())
	// Output:
	// {"name":"Acme Industrial","note":null,"customer_price_group_ids":["ag_123"]}
	// sales: PATCH /customers/{id} parameter_invalid: status cannot be null
}
