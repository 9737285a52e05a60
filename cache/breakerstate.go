package cache

import "github.com/sony/gobreaker/v2"

// BreakerState is the state of the circuit breaker around the store, for metrics.
func (c *Cache) BreakerState() gobreaker.State { return c.breaker.State() }
