package loaders_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/cache"
	"custgraph/loaders"
	"custgraph/simstack"
	"custgraph/upstream/netsuite"
)

// batchCounter counts loader batches by loader name.
type batchCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (b *batchCounter) StartBatch(ctx context.Context, loader string, _ int) (context.Context, func(int)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n[loader]++
	return ctx, func(int) {}
}

func (b *batchCounter) take() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.n
	b.n = map[string]int{}
	return out
}

// TestCachedReferencesComeEmbedded: a customer's category and groups are cached as references
// only, yet a warm read returns them embedded, read from their own entries in one batch per
// type (no load per item, no dataloader window, no upstream call); a renamed category shows its
// new name in every customer at once after its own entry is invalidated.
func TestCachedReferencesComeEmbedded(t *testing.T) {
	t.Parallel()
	rc, err := cache.RedisClientFromURL("redis://127.0.0.1:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	if err := rc.Ping(t.Context()).Err(); err != nil {
		t.Skipf("no Redis at 127.0.0.1:6379: %v", err)
	}
	ns := "test-embed-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() {
		ctx := context.Background()
		for iter := rc.Scan(ctx, 0, ns+":*", 1000).Iterator(); iter.Next(ctx); {
			rc.Unlink(ctx, iter.Val())
		}
	})
	// A 2 s bound instead of the production 50 ms: on a busy test machine a slow read would be
	// bypassed (by design) and show up here as an upstream call this test is not about.
	c, err := cache.New(cache.NewRedis(rc, cache.RedisOptions{OpTimeout: 2 * time.Second}), cache.Options{Namespace: ns, FormatVersion: 1})
	if err != nil {
		t.Fatal(err)
	}

	stack, up, customers := sandbox(t, 40, 40)
	numbers := make([]string, len(customers))
	for i, cu := range customers {
		numbers[i] = cu.Number
	}

	counter := &batchCounter{n: map[string]int{}}
	w := loaders.NewCacheWrapper(c, loaders.CacheTTLs{})
	f := loaders.NewFactory(up, loaders.Options{Wrap: w, Observe: counter})
	read := func() (cats map[string]string, groups map[string][]string) {
		l := f.New()
		ctx := loaders.With(t.Context(), l)
		ccs, errs := loaders.LoadMany(ctx, l.CategoryOfCustomer, numbers)
		cus, gerrs := loaders.LoadMany(ctx, l.GroupsOfCustomer, numbers)
		cats, groups = map[string]string{}, map[string][]string{}
		for i, n := range numbers {
			if errs[i] == nil {
				if ccs[i].CategoryID != "" && ccs[i].Category == nil {
					t.Errorf("customer %s: category %s not embedded", n, ccs[i].CategoryID)
				} else if ccs[i].Category != nil {
					cats[n] = ccs[i].Category.Name
				}
			}
			if gerrs[i] == nil {
				if got, want := len(cus[i].Groups()), len(cus[i].GroupIDs()); got != want {
					t.Errorf("customer %s: %d of %d groups embedded", n, got, want)
				}
				for _, g := range cus[i].Groups() {
					groups[n] = append(groups[n], g.Name)
				}
			}
		}
		return cats, groups
	}

	coldCats, coldGroups := read() // fills the cache
	if len(coldCats) == 0 || len(coldGroups) == 0 {
		t.Fatalf("seed gave %d customers with a category and %d with groups: nothing to check", len(coldCats), len(coldGroups))
	}
	counter.take()
	before := upstreamRequests(stack)
	warmCats, warmGroups := read()
	if got := upstreamRequests(stack) - before; got != 0 {
		t.Errorf("warm read made %d upstream requests, want 0", got)
	}
	for n, name := range coldCats {
		if warmCats[n] != name {
			t.Errorf("customer %s: warm category %q, cold %q", n, warmCats[n], name)
		}
	}
	for n, names := range coldGroups {
		if strings.Join(warmGroups[n], ",") != strings.Join(names, ",") {
			t.Errorf("customer %s: warm groups %v, cold %v", n, warmGroups[n], names)
		}
	}
	batches := counter.take()
	for _, name := range []string{"CategoryOfCustomer", "GroupsOfCustomer", "CategoryByID", "GroupByID"} {
		if batches[name] != 1 {
			t.Errorf("%s: %d batches on the warm read, want 1 (all: %v)", name, batches[name], batches)
		}
	}

	// Rename one customer's category upstream and invalidate the category's own entry, as the
	// updateCustomerCategory mutation does: every customer in it shows the new name.
	var number string
	for n := range coldCats {
		number = n
		break
	}
	ccs, errs := loaders.LoadMany(loaders.With(t.Context(), f.New()), f.New().CategoryOfCustomer, []string{number})
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	catID := ccs[0].CategoryID
	renamed := "Renamed " + catID
	if _, err := up.NetSuite.UpdateCategory(t.Context(), catID, netsuite.CategoryPatch{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	if err := w.Invalidator().Category(t.Context(), catID); err != nil {
		t.Fatal(err)
	}
	afterCats, _ := read()
	for n, name := range coldCats {
		want := name
		if name == coldCats[number] {
			want = renamed
		}
		if afterCats[n] != want {
			t.Errorf("customer %s after the rename: category %q, want %q", n, afterCats[n], want)
		}
	}
}

// upstreamRequests counts the NetSuite and commercetools requests, token fetches excluded.
func upstreamRequests(stack *simstack.Stack) int64 {
	n := netsuiteRequests(stack)
	for route, c := range stack.Commercetools.Server().Stats().Routes {
		if !strings.Contains(route, "/token") {
			n += c
		}
	}
	return n
}
