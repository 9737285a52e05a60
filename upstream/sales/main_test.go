package sales_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The batch helpers start goroutines: none may outlive the tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
