package commercetools_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"custgraph/upstream/commercetools"
	"custgraph/upstream/commercetools/sandbox"
	"custgraph/upstream/seed"
)

func Example() {
	// A simulator stands in for commercetools; against the real API, Config carries the
	// region's API and auth URLs, the project key and the API client's credentials.
	simulator := sandbox.New(sandbox.Options{Seed: seed.Generate(seed.Options{Customers: 5, Groups: 5})})
	srv := httptest.NewServer(simulator)
	defer srv.Close()

	client, err := commercetools.New(sandbox.ClientConfig(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	page, err := client.QueryGroups(ctx, commercetools.QueryOptions{
		Where: commercetools.In("key", []string{"grp-001", "grp-002"}),
		Sort:  []string{"name asc"},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range page.Results {
		fmt.Println(g.Key, g.Name, g.Version)
	}

	gold := page.Results[0]
	renamed, err := client.UpdateGroup(ctx, gold.ID, gold.Version, commercetools.ChangeName("Gold Plus"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(renamed.Name, renamed.Version)

	customers, err := client.CustomersByNumber(ctx, []string{"C-1001"})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range customers["C-1001"].Groups() {
		fmt.Println("C-1001 is in", g.Key)
	}
	// Output:
	// grp-001 Gold 1
	// grp-002 Silver 1
	// Gold Plus 2
	// C-1001 is in grp-001
	// C-1001 is in grp-002
	// C-1001 is in grp-005
}
