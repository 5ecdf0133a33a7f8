package controller

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/openflow/oftest"
)

// TestThousandSwitches connects 1,000 fake switches at once: every one
// completes the handshake and answers echoes, and when they leave the
// controller's goroutines go back to where they were.
func TestThousandSwitches(t *testing.T) {
	const n = 1000
	rec := newRecorder()
	tc := startController(t, &Config{EchoInterval: 2 * time.Second, EchoTimeout: 30 * time.Second}, rec)
	before := runtime.NumGoroutine()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sws := make([]*oftest.Switch, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sw, err := oftest.Dial(ctx, tc.addr, oftest.Options{DPID: uint64(i + 1)})
			if err != nil {
				errs <- err
				return
			}
			sws[i] = sw
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	start := time.Now()
	rec.waitForWithin(t, 60*time.Second, fmt.Sprintf("%d switches up", n), func(r *recorder) bool { return len(r.ups) == n })
	t.Logf("%d switches up in %v", n, time.Since(start).Round(time.Millisecond))
	if got := len(tc.Switches()); got != n {
		t.Fatalf("%d switches registered, want %d", got, n)
	}
	// Each switch answers an echo round trip: the controller serves all.
	ctx, cancel2 := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel2()
	for _, s := range tc.Switches() {
		if _, err := s.Request(ctx, echoRequest()); err != nil {
			t.Fatalf("switch %d: %v", s.DPID(), err)
		}
	}
	for _, sw := range sws {
		sw.Close()
	}
	rec.waitForWithin(t, 60*time.Second, "all switches down", func(r *recorder) bool { return len(r.downs) == n })
	deadline := time.Now().Add(20 * time.Second)
	for runtime.NumGoroutine() > before+5 {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d before, %d after every switch left", before, runtime.NumGoroutine())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func echoRequest() *openflow.EchoRequest { return &openflow.EchoRequest{Data: []byte("ping")} }
