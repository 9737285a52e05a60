// Package simstacktest starts the sandbox simulators for a test or a benchmark, stops them when
// it ends, and gives clients of them.
package simstacktest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"custgraph/loaders"
	"custgraph/simstack"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/sales"
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

// Upstreams returns the three API clients of stack's simulators, calling them through hc. It
// is gateway.SandboxUpstreams without the gateway's policies, loggers and telemetry, for the
// tests of packages the gateway imports.
func Upstreams(tb testing.TB, stack *simstack.Stack, hc *http.Client) loaders.Upstreams {
	tb.Helper()
	ns, ct, sl := stack.NetSuiteConfig(), stack.CommercetoolsConfig(), stack.SalesConfig()
	ns.HTTPClient, ct.HTTPClient, sl.HTTPClient = hc, hc, hc
	var up loaders.Upstreams
	var err error
	if up.NetSuite, err = netsuite.New(ns); err != nil {
		tb.Fatal(err)
	}
	if up.Commercetools, err = commercetools.New(ct); err != nil {
		tb.Fatal(err)
	}
	if up.Sales, err = sales.New(sl); err != nil {
		tb.Fatal(err)
	}
	return up
}
