package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// committed is where the captures used by the codec's tests live.
const committed = "../../../openflow/testdata/ovs-captures"

// TestCaptureRun runs a whole capture into a temporary directory and checks
// that it produces every committed capture, each with frames of the same
// message types, so the tool keeps working and matches the committed set.
func TestCaptureRun(t *testing.T) {
	out := t.TempDir()
	if err := run(out); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(committed, "INDEX"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out, "INDEX"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("INDEX:\n%s\nwant (committed):\n%s", got, want)
	}
	for _, name := range strings.Fields(string(want)) {
		t.Run(name, func(t *testing.T) {
			fresh := frameTypes(t, filepath.Join(out, name+".bin"))
			old := frameTypes(t, filepath.Join(committed, name+".bin"))
			if fresh != old {
				t.Errorf("frame types %q, committed %q", fresh, old)
			}
		})
	}
}

// frameTypes returns the header type of each frame in a capture file as
// "t1,t2,...", checking the framing on the way.
func frameTypes(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for len(b) > 0 {
		if len(b) < 8 || b[0] != 4 {
			t.Fatalf("%s: bad frame start % x", path, b[:min(len(b), 8)])
		}
		n := int(b[2])<<8 | int(b[3])
		if n < 8 || n > len(b) {
			t.Fatalf("%s: frame length %d of %d", path, n, len(b))
		}
		types = append(types, strconv.Itoa(int(b[1])))
		b = b[n:]
	}
	return strings.Join(types, ",")
}
