// Command loadtest measures custgraph: it starts the upstream simulators and a gateway (or
// targets running ones), drives named scenarios through it with vegeta at a fixed rate or at
// maximum throughput, and prints requests/s, latency percentiles, error rate, upstream requests
// per query, cache hit ratio, gateway CPU and peak memory per scenario and mode. See
// BENCHMARKS.md. Wiring only: the engine is in internal/loadtest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"custgraph/cache"
	"custgraph/cmd/loadtest/internal/loadtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// go-redis's own dial errors would otherwise go to stderr unformatted, once per dial.
	redis.SetLogger(cache.RedisLogger{Log: slog.New(slog.DiscardHandler)})
	if spec := os.Getenv(loadtest.ChildEnv); spec != "" {
		// Started by a loadtest run to be the gateway under test.
		if err := loadtest.ServeGateway(ctx, spec, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "loadtest gateway: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "loadtest: %v\n", err)
			os.Exit(2)
		}
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var cfg loadtest.Config
	scenarios := fs.String("scenarios", strings.Join(loadtest.ScenarioNames(), ","), "comma-separated scenarios")
	modes := fs.String("modes", "cold,warm-redis,warm-memory,naive", "comma-separated gateway modes: cold (no cache), warm-redis, warm-memory, naive (no batching, no cache)")
	fs.IntVar(&cfg.Rate, "rate", 50, "requests per second; 0 = maximum throughput with -workers requests in flight")
	fs.IntVar(&cfg.Workers, "workers", 32, "requests in flight at -rate 0")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time per scenario and mode")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "load before measuring (after one pass over every distinct request)")
	fs.DurationVar(&cfg.Latency, "latency", 50*time.Millisecond, "simulated latency of every upstream call")
	fs.IntVar(&cfg.Customers, "customers", 200, "customers seeded into the simulators")
	fs.StringVar(&cfg.Target, "target", "", "base URL of a running gateway to measure instead of starting one per row (modes are then the gateway's own)")
	fs.StringVar(&cfg.Sandbox, "sandbox", "", "with -target: base URL of the simulators behind it (go run ./cmd/sandbox), for upstream request counts")
	fs.StringVar(&cfg.RedisURL, "redis", "redis://127.0.0.1:6379/0", "Redis of the warm-redis mode (keys under a per-run namespace, removed at the end)")
	fs.DurationVar(&cfg.LoaderWait, "loader-wait", 2*time.Millisecond, "the gateway's dataloader batch window")
	fs.StringVar(&cfg.CPUProfileDir, "cpuprofile", "", "directory for one CPU profile of the gateway per row, over the measured window")
	markdown := fs.Bool("markdown", false, "print the table as Markdown")
	routes := fs.Bool("routes", false, "also print upstream requests per query by simulator route")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Scenarios = split(*scenarios)
	for _, name := range split(*modes) {
		m, err := loadtest.ParseMode(name)
		if err != nil {
			return fmt.Errorf("-modes: %w", err)
		}
		cfg.Modes = append(cfg.Modes, m)
	}
	cfg.Progress = os.Stderr
	machine := loadtest.ThisMachine()
	rows, err := loadtest.Run(ctx, cfg)
	if len(rows) > 0 {
		if rerr := loadtest.Report(os.Stdout, machine, loadtest.LoadAvg(), cfg, rows, *markdown, *routes); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
