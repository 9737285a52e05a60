// Command gateway runs custgraph. With no upstream configured it starts in sandbox mode: the
// three simulators in-process with seeded data, and the playground open.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"custgraph/cache"
	"custgraph/config"
	"custgraph/gateway"
	"custgraph/reqlog"
)

func main() {
	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "custgraph: configuration error:\n%v\n", err)
		os.Exit(2)
	}
	log := newLogger(cfg)
	redis.SetLogger(cache.RedisLogger{Log: log})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = gateway.Run(ctx, cfg, log, func(s gateway.Started) {
		if s.SandboxURL != "" {
			fmt.Printf("custgraph sandbox mode: simulated NetSuite, commercetools and sales APIs at %s (not for production)\n", s.SandboxURL)
			fmt.Printf("  inject faults: curl -X POST %s/netsuite/_sim/faults -d '{\"latency_ms\": 200}'\n", s.SandboxURL)
		}
		if s.Auth == "off" {
			fmt.Println("custgraph authentication: OFF, anyone who can reach this port can read and write (sandbox mode only)")
		} else {
			fmt.Printf("custgraph authentication: %s\n", s.Auth)
		}
		if cfg.Playground {
			fmt.Printf("custgraph playground: %s/\n", s.URL)
		}
		fmt.Printf("custgraph GraphQL endpoint: %s/graphql\n", s.URL)
		if n := cfg.Admission.Slots(); n > 0 {
			fmt.Printf("custgraph admission: %d GraphQL requests at once, the next wait up to %s for a slot (CUSTGRAPH_MAX_INFLIGHT, CUSTGRAPH_QUEUE_TIMEOUT)\n", n, cfg.Admission.QueueTimeout)
		}
	})
	if err != nil {
		log.Error("gateway stopped", "error", err.Error())
		os.Exit(1)
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormatOn(isTerminal(os.Stderr)) == "json" {
		return slog.New(reqlog.NewHandler(slog.NewJSONHandler(os.Stderr, opts))) // request_id, trace_id
	}
	return slog.New(reqlog.NewHandler(slog.NewTextHandler(os.Stderr, opts)))
}

// isTerminal reports whether f is a character device (a terminal), without a dependency.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
