package netsuite_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"custgraph/upstream/netsuite"
	"custgraph/upstream/netsuite/sandbox"
	"custgraph/upstream/seed"
)

// The client against the sandbox simulator: one SuiteQL request reads a batch of categories,
// another the categories of a batch of customers.
func Example() {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Seed: seed.Generate(seed.Options{Customers: 5, Categories: 5})}))
	defer srv.Close()

	client, err := netsuite.New(sandbox.ClientConfig(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	cat, err := client.GetCategory(ctx, "1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("category %s: %s (inactive %t)\n", cat.ID, cat.Name, cat.IsInactive)

	cats, err := client.CategoriesByID(ctx, []string{"2", "3", "999"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(cats), cats["2"].Name, cats["3"].Name)

	ofCustomers, err := client.CategoriesOfCustomers(ctx, []string{"C-1001", "C-9999"})
	if err != nil {
		fmt.Println(err)
		return
	}
	cc := ofCustomers["C-1001"]
	fmt.Println(len(ofCustomers), cc.EntityID, cc.CustomerID, cc.Category != nil)

	// Output:
	// category 1: Enterprise (inactive false)
	// 2 Mid-Market Small Business
	// 1 C-1001 5001 true
}
