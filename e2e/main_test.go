package e2e

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"custgraph/cache"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial process-wide; the outage test causes many on purpose.
	redis.SetLogger(cache.RedisLogger{Log: slog.New(slog.DiscardHandler)})
	code := m.Run()
	if code == 0 {
		// No upstream credential in any log line or response of the whole suite (audit_test.go).
		leaks, checked := audit.check()
		if len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: secrets check (%s): %s\n", checked, strings.Join(leaks, "; "))
			code = 1
		} else if testing.Verbose() {
			fmt.Printf("secrets check: none found, %s\n", checked)
		}
	}
	if code == 0 {
		// No goroutine outlives the tests: faults, breakers, cancelled calls and budgets included.
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goleak: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
