package e2e

import (
	"log/slog"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"custgraph/cache"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial process-wide; the outage test causes many on purpose.
	redis.SetLogger(cache.RedisLogger{Log: slog.New(slog.DiscardHandler)})
	os.Exit(m.Run())
}
