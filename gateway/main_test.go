package gateway

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its tests: the admission tests' waiting
// and cancelled requests, gates and servers included.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
