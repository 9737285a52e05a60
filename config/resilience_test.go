package config

import (
	"strings"
	"testing"
	"time"
)

func TestResilienceSettings(t *testing.T) {
	t.Parallel()
	t.Run("values are read per upstream", func(t *testing.T) {
		t.Parallel()
		c, err := Load([]string{"-netsuite-max-concurrent", "3"}, env(map[string]string{
			"CUSTGRAPH_REQUEST_BUDGET":            "2s",
			"CUSTGRAPH_SALES_RETRIES":             "4",
			"CUSTGRAPH_COMMERCETOOLS_TIMEOUT":     "750ms",
			"CUSTGRAPH_SALES_BREAKER_FAILURES":    "0",
			"CUSTGRAPH_NETSUITE_BREAKER_COOLDOWN": "30s",
		}))
		if err != nil {
			t.Fatal(err)
		}
		r := c.Resilience
		if r.RequestBudget != 2*time.Second || r.NetSuite.MaxConcurrent != 3 || r.Sales.Retries != 4 ||
			r.Commercetools.Timeout != 750*time.Millisecond || r.Sales.BreakerFailures != 0 ||
			r.NetSuite.BreakerCooldown != 30*time.Second || r.Commercetools.MaxConcurrent != 32 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("bad values are named", func(t *testing.T) {
		t.Parallel()
		bad := map[string]string{
			"CUSTGRAPH_REQUEST_BUDGET":                 "-1s",
			"CUSTGRAPH_NETSUITE_MAX_CONCURRENT":        "five",
			"CUSTGRAPH_SALES_RETRIES":                  "11",
			"CUSTGRAPH_COMMERCETOOLS_TIMEOUT":          "3",
			"CUSTGRAPH_COMMERCETOOLS_BREAKER_FAILURES": "-2",
		}
		_, err := Load(nil, env(bad))
		for name := range bad {
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("error does not name %s: %v", name, err)
			}
		}
	})
}
