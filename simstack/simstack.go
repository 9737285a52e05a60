// Package simstack runs the three sandbox simulators behind one loopback listener, under the
// path prefixes /netsuite, /commercetools and /sales: the gateway's sandbox mode, cmd/sandbox and
// the end-to-end tests all start the sandbox through it. It only wires simulators together.
package simstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"custgraph/upstream/commercetools"
	ctsandbox "custgraph/upstream/commercetools/sandbox"
	"custgraph/upstream/netsuite"
	nssandbox "custgraph/upstream/netsuite/sandbox"
	"custgraph/upstream/sales"
	salessandbox "custgraph/upstream/sales/sandbox"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// Options configure a Stack.
type Options struct {
	// Addr to listen on; "" = 127.0.0.1:0 (a free port).
	Addr string
	Seed seed.Options
	// Latency is added to every request of every simulator; the per-upstream values, when not
	// zero, replace it for that upstream.
	Latency              time.Duration
	NetSuiteLatency      time.Duration
	CommercetoolsLatency time.Duration
	SalesLatency         time.Duration
}

// Path prefixes of the simulators.
const (
	NetSuitePrefix      = "/netsuite"
	CommercetoolsPrefix = "/commercetools"
	SalesPrefix         = "/sales"
)

// Stack is a running sandbox.
type Stack struct {
	// URL is the listener's base URL, e.g. http://127.0.0.1:8090.
	URL           string
	NetSuite      *nssandbox.Simulator
	Commercetools *ctsandbox.Simulator
	Sales         *salessandbox.Simulator

	srv  *http.Server
	done chan error
}

// Start listens on opts.Addr and serves the simulators until Close.
func Start(opts Options) (*Stack, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox listen on %s: %w", addr, err)
	}
	data := seed.Generate(opts.Seed)
	pick := func(d time.Duration) time.Duration {
		if d != 0 {
			return d
		}
		return opts.Latency
	}
	s := &Stack{
		URL:           "http://" + ln.Addr().String(),
		NetSuite:      nssandbox.New(nssandbox.Options{Seed: data, Latency: pick(opts.NetSuiteLatency)}),
		Commercetools: ctsandbox.New(ctsandbox.Options{Seed: data, Latency: pick(opts.CommercetoolsLatency)}),
		Sales:         salessandbox.New(salessandbox.Options{Seed: data, Latency: pick(opts.SalesLatency)}),
		done:          make(chan error, 1),
	}
	mux := http.NewServeMux()
	mux.Handle(NetSuitePrefix+"/", sim.Mount(NetSuitePrefix, s.NetSuite))
	mux.Handle(CommercetoolsPrefix+"/", sim.Mount(CommercetoolsPrefix, s.Commercetools))
	mux.Handle(SalesPrefix+"/", sim.Mount(SalesPrefix, s.Sales))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the listener and waits for in-flight requests up to ctx's deadline.
func (s *Stack) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// Servers returns the simulators' admin handles by upstream name.
func (s *Stack) Servers() map[string]*sim.Server {
	return map[string]*sim.Server{
		"netsuite":      s.NetSuite.Server(),
		"commercetools": s.Commercetools.Server(),
		"sales":         s.Sales.Server(),
	}
}

// Reset puts every simulator back to its seed with zero counters.
func (s *Stack) Reset() {
	for _, srv := range s.Servers() {
		srv.Reset()
	}
}

// Requests returns each simulator's request count (token fetches included).
func (s *Stack) Requests() map[string]int64 {
	out := map[string]int64{}
	for name, srv := range s.Servers() {
		out[name] = srv.Stats().Requests
	}
	return out
}

// NetSuiteConfig is a client configuration the NetSuite simulator accepts.
func (s *Stack) NetSuiteConfig() netsuite.Config {
	return nssandbox.ClientConfig(s.URL + NetSuitePrefix)
}

// CommercetoolsConfig is a client configuration the commercetools simulator accepts.
func (s *Stack) CommercetoolsConfig() commercetools.Config {
	return ctsandbox.ClientConfig(s.URL + CommercetoolsPrefix)
}

// SalesConfig is a client configuration the sales simulator accepts.
func (s *Stack) SalesConfig() sales.Config { return salessandbox.ClientConfig(s.URL + SalesPrefix) }
