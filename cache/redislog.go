package cache

import (
	"context"
	"fmt"
	"log/slog"
)

// RedisLogger routes go-redis's own log lines (failed dials, pool events) to slog at debug
// level: during a Redis outage it prints one line per failed dial, which at the default level
// would drown the request log while the breaker already reports the outage once. Install it
// with redis.SetLogger in main; go-redis keeps it process-wide.
type RedisLogger struct{ Log *slog.Logger }

func (l RedisLogger) Printf(ctx context.Context, format string, args ...any) {
	l.Log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, args...))
}
