package e2e

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// TestE2E runs the end-to-end suites: the oflb binary, built once, against
// a private Open vSwitch instance (userspace datapath) with clients and
// backends in network namespaces. Each spec group starts its own
// controller process with its own policy directory.
//
//	go test -count=1 ./e2e/ -ginkgo.v
//	go test -count=1 ./e2e/ -ginkgo.v -ginkgo.label-filter=scheduler
//
// Labels: every spec has e2e and its group's (traffic, scheduler,
// lifecycle, policy); timeout and restart mark the slow or disruptive
// ones, bug a spec that shows a known defect of the controller until it
// is fixed (-ginkgo.label-filter='!bug' leaves those out).
//
// OFLB_E2E_BINARY, if set, names a prebuilt oflb binary to run instead of
// building ./cmd/oflb; OFLB_E2E_LOGS, if set, puts every spec's flow
// table and controller log into the report, not only failed ones'.
func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "oflb e2e")
}

var _ = BeforeSuite(func() {
	suite.bin = buildController()
	startLab()
})
