package cache_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"custgraph/cache"
)

type category struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type notFoundError struct{ id string }

func (e *notFoundError) Error() string { return "category " + e.id + " not found" }

func ExampleBatch() {
	ctx := context.Background()
	// Production: cache.NewRedis(client, cache.RedisOptions{}) with
	// client, err := cache.RedisClientFromURL(os.Getenv("REDIS_URL")).
	c, err := cache.New(cache.NewMemory(10_000), cache.Options{Namespace: "prod", FormatVersion: 1})
	if err != nil {
		panic(err)
	}
	categories := cache.Type{Name: "category", TTL: 5 * time.Minute, NegativeTTL: 30 * time.Second, Jitter: 0.1}

	// The upstream call the cache saves (NetSuite: 200+ ms each).
	fetch := func(_ context.Context, ids []string) []*dataloader.Result[category] {
		fmt.Println("upstream fetch:", slices.Sorted(slices.Values(ids)))
		out := make([]*dataloader.Result[category], len(ids))
		for i, id := range ids {
			if id == "99" {
				out[i] = &dataloader.Result[category]{Error: &notFoundError{id}}
				continue
			}
			out[i] = &dataloader.Result[category]{Data: category{ID: id, Name: "Category " + id}}
		}
		return out
	}
	isNotFound := func(err error) bool { var nf *notFoundError; return errors.As(err, &nf) }
	batch := cache.Batch(c, categories, func(id string) string { return id },
		func(id string) error { return &notFoundError{id} }, isNotFound, fetch)
	loader := dataloader.NewBatchedLoader(batch)

	for _, ids := range [][]string{{"1", "2", "99"}, {"2", "3", "99"}} {
		// A fresh loader per request in the gateway; the cache outlives it.
		loader.ClearAll()
		cats, errs := loader.LoadMany(ctx, ids)()
		for i, id := range ids {
			var err error
			if errs != nil {
				err = errs[i]
			}
			fmt.Printf("%s: %q %v\n", id, cats[i].Name, err)
		}
	}
	fmt.Printf("%+v\n", c.Stats()["category"])
	// Output:
	// upstream fetch: [1 2 99]
	// 1: "Category 1" <nil>
	// 2: "Category 2" <nil>
	// 99: "" category 99 not found
	// upstream fetch: [3]
	// 2: "Category 2" <nil>
	// 3: "Category 3" <nil>
	// 99: "" category 99 not found
	// {Hits:1 Misses:4 NegativeHits:1 Errors:0 Bypassed:0 Coalesced:0}
}
