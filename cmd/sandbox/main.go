// Command sandbox serves the three upstream simulators on one address, for local development and
// load tests, and prints the environment that points the gateway at them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"custgraph/simstack"
	"custgraph/upstream/seed"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	latency := flag.Duration("latency", 0, "how long every simulated call takes (a read is worked on within it, a write applied after it)")
	nsLatency := flag.Duration("netsuite-latency", 0, "NetSuite latency (overrides -latency)")
	ctLatency := flag.Duration("commercetools-latency", 0, "commercetools latency (overrides -latency)")
	salesLatency := flag.Duration("sales-latency", 0, "sales latency (overrides -latency)")
	customers := flag.Int("customers", 200, "seeded customers")
	categories := flag.Int("categories", 20, "seeded NetSuite categories")
	groups := flag.Int("groups", 30, "seeded commercetools groups")
	flag.Parse()

	stack, err := simstack.Start(simstack.Options{Addr: *addr, Latency: *latency,
		NetSuiteLatency: *nsLatency, CommercetoolsLatency: *ctLatency, SalesLatency: *salesLatency,
		Seed: seed.Options{Customers: *customers, Categories: *categories, Groups: *groups}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
	// The NetSuite client signs with a private key read from a file; the sandbox's key guards
	// nothing real, so it is written next to the other temporary files.
	keyFile := filepath.Join(os.TempDir(), "custgraph-sandbox-netsuite-key.pem")
	ns := stack.NetSuiteConfig()
	if err := os.WriteFile(keyFile, ns.PrivateKeyPEM, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox: write key file:", err)
		os.Exit(1)
	}
	ct, sl := stack.CommercetoolsConfig(), stack.SalesConfig()
	for _, kv := range [][2]string{
		{"CUSTGRAPH_NETSUITE_URL", ns.BaseURL},
		{"CUSTGRAPH_NETSUITE_TOKEN_URL", ns.TokenURL},
		{"CUSTGRAPH_NETSUITE_CLIENT_ID", ns.ClientID},
		{"CUSTGRAPH_NETSUITE_CERTIFICATE_ID", ns.CertificateID},
		{"CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE", keyFile},
		{"CUSTGRAPH_COMMERCETOOLS_URL", ct.APIURL},
		{"CUSTGRAPH_COMMERCETOOLS_AUTH_URL", ct.AuthURL},
		{"CUSTGRAPH_COMMERCETOOLS_PROJECT_KEY", ct.ProjectKey},
		{"CUSTGRAPH_COMMERCETOOLS_CLIENT_ID", ct.ClientID},
		{"CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET", ct.ClientSecret},
		{"CUSTGRAPH_SALES_URL", sl.BaseURL},
		{"CUSTGRAPH_SALES_API_KEY", sl.APIKey},
	} {
		fmt.Printf("export %s=%q\n", kv[0], kv[1])
	}
	fmt.Fprintf(os.Stderr, "sandbox: serving NetSuite, commercetools and sales simulators at %s (admin: %s/{netsuite,commercetools,sales}/_sim/stats)\n", stack.URL, stack.URL)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = stack.Close(sctx)
}
