package e2e

import (
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"custgraph/cache"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial process-wide; the outage test causes many on purpose.
	redis.SetLogger(cache.RedisLogger{Log: slog.New(slog.DiscardHandler)})
	// No goroutine outlives the tests: faults, breakers, cancelled calls and budgets included.
	goleak.VerifyTestMain(m)
}
