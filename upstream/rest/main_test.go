package rest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test closes its servers and idle connections: no goroutine outlives it, faults included.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
