package loaders_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"custgraph/loaders"
	"custgraph/simstack"
)

// TestKnownKeysAreOneBatch: keys a resolver already knows (Prefetch, LoadMany) reach the
// upstream as one batch even when the dataloader window is far shorter than the time it takes
// to queue them one by one (the window is 1 ns here; in production it is 2 ms, which a busy
// process also overruns), and the items' own Loads afterwards wait for that batch instead of
// asking again. In naive mode every key stays its own call.
func TestKnownKeysAreOneBatch(t *testing.T) {
	t.Parallel()
	stack, up, customers := sandbox(t, 60, 50)
	numbers := make([]string, len(customers))
	for i, c := range customers {
		numbers[i] = c.Number
	}
	loadEach := func(ctx context.Context, l *loaders.Loaders) {
		for _, n := range numbers {
			if _, err := loaders.Load(ctx, l.CategoryOfCustomer, n); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		naive bool
		run   func(ctx context.Context, l *loaders.Loaders)
		want  int64
	}{
		{"LoadMany", false, func(ctx context.Context, l *loaders.Loaders) {
			_, errs := loaders.LoadMany(ctx, l.CategoryOfCustomer, numbers)
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			loadEach(ctx, l) // memoised: no further call
		}, 1},
		{"Prefetch then each", false, func(ctx context.Context, l *loaders.Loaders) {
			loaders.Prefetch(ctx, l.CategoryOfCustomer, append(numbers, numbers...)) // duplicates too
			loadEach(ctx, l)
		}, 1},
		{"naive", true, func(ctx context.Context, l *loaders.Loaders) {
			loaders.Prefetch(ctx, l.CategoryOfCustomer, numbers)
			_, _ = loaders.LoadMany(ctx, l.CategoryOfCustomer, numbers)
		}, int64(len(numbers))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Sequential: the subtests share the simulator's counter.
			f := loaders.NewFactory(up, loaders.Options{Wait: time.Nanosecond, Naive: tc.naive})
			l := f.New()
			before := netsuiteRequests(stack)
			tc.run(loaders.With(t.Context(), l), l)
			if got := netsuiteRequests(stack) - before; got != tc.want {
				t.Errorf("%d NetSuite requests, want %d", got, tc.want)
			}
		})
	}
}

func netsuiteRequests(stack *simstack.Stack) int64 {
	var n int64
	for route, c := range stack.NetSuite.Server().Stats().Routes {
		if !strings.Contains(route, "/token") { // one token per client, not per batch
			n += c
		}
	}
	return n
}
