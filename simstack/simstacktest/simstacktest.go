// Package simstacktest starts the sandbox simulators for a test or a benchmark and stops them
// when it ends.
package simstacktest

import (
	"context"
	"testing"
	"time"

	"custgraph/simstack"
)

// Start starts the simulators of o and closes them (within 5 s) when tb ends.
func Start(tb testing.TB, o simstack.Options) *simstack.Stack {
	tb.Helper()
	stack, err := simstack.Start(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stack.Close(ctx)
	})
	return stack
}
