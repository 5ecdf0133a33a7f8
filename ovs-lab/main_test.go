package ovslab

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that once every instance is closed no harness goroutine
// is left: process waiters, the spawner thread, Host.Do workers.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
