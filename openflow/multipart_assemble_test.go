package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"testing"
	"time"
)

// mpSplitFrames cuts a byte stream of whole messages into frames.
func mpSplitFrames(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var frames [][]byte
	for len(b) > 0 {
		h, err := ParseHeader(b)
		if err != nil || int(h.Length) < HeaderLen || int(h.Length) > len(b) {
			t.Fatalf("bad frame in stream: %+v %v", h, err)
		}
		frames = append(frames, b[:h.Length:h.Length])
		b = b[h.Length:]
	}
	return frames
}

// mpFlowDump returns a flow stats reply of n distinct entries.
func mpFlowDump(n int) *FlowStatsReply {
	r := &FlowStatsReply{Stats: make([]FlowStats, n)}
	for i := range r.Stats {
		fs := flowStatsSample()
		fs.Cookie = uint64(i)
		fs.Match.SetIPv4Dst(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		r.Stats[i] = fs
	}
	return r
}

// mpParts encodes body as MULTIPART_REPLY frames of at most maxLen bytes.
func mpParts(t testing.TB, xid uint32, body MultipartReplyBody, maxLen int) [][]byte {
	t.Helper()
	b, err := AppendMultipartReplies(nil, xid, body, maxLen)
	if err != nil {
		t.Fatal(err)
	}
	return mpSplitFrames(t, b)
}

// feed gives the frames to a through a reused buffer that is scribbled
// over after each Add, as a connection's reader would, and returns the
// assembled reply of the last frame.
func feed(t *testing.T, a *Assembler, frames [][]byte) *MultipartReply {
	t.Helper()
	buf := make([]byte, 0, MaxMessageLen)
	var got *MultipartReply
	for i, f := range frames {
		buf = append(buf[:0], f...)
		h, r, err := a.Add(buf)
		if err != nil {
			t.Fatalf("part %d of %d: %v", i+1, len(frames), err)
		}
		if h.Xid != binary.BigEndian.Uint32(f[4:8]) {
			t.Fatalf("part %d: header %+v", i+1, h)
		}
		if (r != nil) != (i == len(frames)-1) {
			t.Fatalf("part %d of %d: reply %v", i+1, len(frames), r != nil)
		}
		got = r
		for j := range buf {
			buf[j] = 0xa5
		}
	}
	return got
}

func TestAppendMultipartReplies(t *testing.T) {
	dump := mpFlowDump(50) // 96 bytes each
	tests := []struct {
		name      string
		body      MultipartReplyBody
		maxLen    int
		wantParts int
		wantErr   bool
	}{
		{name: "one part", body: dump, maxLen: 0, wantParts: 1},
		{name: "ten entries a part", body: dump, maxLen: 16 + 10*96, wantParts: 5},
		{name: "room for 10.5 entries", body: dump, maxLen: 16 + 10*96 + 48, wantParts: 5},
		{name: "one entry a part", body: dump, maxLen: 16 + 96, wantParts: 50},
		{name: "entry larger than a part", body: dump, maxLen: 16 + 95, wantErr: true},
		{name: "empty array", body: &FlowStatsReply{}, maxLen: 100, wantParts: 1},
		{name: "port stats", body: &PortStatsReply{Stats: make([]PortStats, 9)}, maxLen: 16 + 2*PortStatsLen, wantParts: 5},
		{name: "ports", body: &PortDescReply{Ports: make([]Port, 4)}, maxLen: 16 + PortLen, wantParts: 4},
		{name: "meter stats", body: &MeterStatsReply{Stats: make([]MeterStats, 4)}, maxLen: 16 + 2*MeterStatsLen, wantParts: 2},
		{name: "table features", body: &TableFeaturesReply{Features: []TableFeatures{tableFeaturesSample, tableFeaturesSample}}, maxLen: 16 + 128, wantParts: 2},
		{name: "desc fits", body: &descSample, maxLen: 16 + DescLen, wantParts: 1},
		{name: "desc cannot be split", body: &descSample, maxLen: 1000, wantErr: true},
		{name: "header does not fit", body: dump, maxLen: 15, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendMultipartReplies([]byte{0xee}, 9, tt.body, tt.maxLen)
			if tt.wantErr {
				if err == nil || len(b) != 1 {
					t.Fatalf("err %v, %d bytes", err, len(b))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			frames := mpSplitFrames(t, b[1:])
			if len(frames) != tt.wantParts {
				t.Fatalf("%d parts, want %d", len(frames), tt.wantParts)
			}
			for i, f := range frames {
				_, m, err := Unmarshal(f)
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				if tt.maxLen > 0 && len(f) > tt.maxLen {
					t.Fatalf("part %d of %d bytes", i, len(f))
				}
				more := m.(*MultipartReply).Flags&MultipartMore != 0
				if more != (i < len(frames)-1) {
					t.Fatalf("part %d: MORE %v", i, more)
				}
			}
			got := feed(t, NewAssembler(nil), frames)
			if !reflect.DeepEqual(got.Body, tt.body) || got.Flags != 0 {
				t.Fatalf("assembled %#v", got)
			}
		})
	}
}

func TestAppendMultipartRequests(t *testing.T) {
	req := &TableFeaturesRequest{Features: []TableFeatures{tableFeaturesSample, tableFeaturesSample, tableFeaturesSample}}
	b, err := AppendMultipartRequests(nil, 3, req, 16+2*128)
	if err != nil {
		t.Fatal(err)
	}
	frames := mpSplitFrames(t, b)
	if len(frames) != 2 {
		t.Fatalf("%d parts", len(frames))
	}
	var all []TableFeatures
	for i, f := range frames {
		_, m, err := Unmarshal(f)
		if err != nil {
			t.Fatal(err)
		}
		r := m.(*MultipartRequest)
		if more := r.Flags&MultipartMore != 0; more != (i == 0) {
			t.Fatalf("part %d: flags %v", i, r.Flags)
		}
		all = append(all, r.Body.(*TableFeaturesRequest).Features...)
	}
	if !reflect.DeepEqual(all, req.Features) {
		t.Fatalf("parts hold %#v", all)
	}
}

func TestAssemblerMerge(t *testing.T) {
	tests := []struct {
		name   string
		body   MultipartReplyBody
		maxLen int
	}{
		{"flow dump in 20 parts", mpFlowDump(100), 16 + 5*96},
		{"flow dump in 1 part", mpFlowDump(3), 0},
		{"empty flow dump", &FlowStatsReply{}, 0},
		{"table stats", &TableStatsReply{Stats: []TableStats{{TableID: 0}, {TableID: 1}, {TableID: 2}}}, 16 + TableStatsLen},
		{"port stats", &PortStatsReply{Stats: []PortStats{portStatsSample, portStatsSample}}, 16 + PortStatsLen},
		{"queue stats", &QueueStatsReply{Stats: []QueueStats{{QueueID: 1}, {QueueID: 2}}}, 16 + QueueStatsLen},
		{"group stats", &GroupStatsReply{Stats: []GroupStats{{GroupID: 1, BucketStats: []BucketCounter{{1, 2}}}, {GroupID: 2}}}, 16 + 56},
		{"group desc", &GroupDescReply{Groups: []GroupDesc{{GroupID: 1}, {GroupID: 2, Buckets: []Bucket{{Actions: []Action{&Output{Port: 1}}}}}}}, 16 + 40},
		{"meter stats", &MeterStatsReply{Stats: []MeterStats{{MeterID: 1}, {MeterID: 2}}}, 16 + 40},
		{"meter config", &MeterConfigReply{Configs: []MeterConfig{{MeterID: 1}, {MeterID: 2}}}, 16 + 8},
		{"port desc", &PortDescReply{Ports: []Port{portValue, portValue, portValue}}, 16 + PortLen},
		{"table features", &TableFeaturesReply{Features: []TableFeatures{tableFeaturesSample, ovsTableFeatures()}}, 16 + 300},
		{"aggregate (one part)", &AggregateStatsReply{FlowCount: 3}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := mpParts(t, 77, tt.body, tt.maxLen)
			a := NewAssembler(nil)
			got := feed(t, a, frames)
			if !reflect.DeepEqual(got, &MultipartReply{Body: tt.body}) {
				t.Fatalf("assembled:\n got %#v\nwant %#v", got.Body, tt.body)
			}
			if n, bytes := a.Pending(); n != 0 || bytes != 0 {
				t.Fatalf("%d replies, %d bytes left pending", n, bytes)
			}
			// The same through AddMessage, from decoded parts.
			b := NewAssembler(nil)
			var d Decoder
			for i, f := range frames {
				h, m, err := d.Decode(f)
				if err != nil {
					t.Fatal(err)
				}
				r, err := b.AddMessage(h.Xid, m.(*MultipartReply))
				if err != nil {
					t.Fatalf("part %d: %v", i, err)
				}
				if i == len(frames)-1 {
					if !reflect.DeepEqual(r, &MultipartReply{Body: tt.body}) {
						t.Fatalf("AddMessage assembled %#v", r)
					}
				} else if r != nil {
					t.Fatalf("part %d: early reply", i)
				}
			}
		})
	}
}

func TestAssemblerExperimenterAndRaw(t *testing.T) {
	part := func(xid uint32, mt MultipartType, more bool, body ...[]byte) []byte {
		var flags MultipartFlags
		if more {
			flags = MultipartMore
		}
		f := mpFrame(TypeMultipartReply, mt, flags, body...)
		binary.BigEndian.PutUint32(f[4:8], xid)
		return f
	}
	got := feed(t, NewAssembler(nil), [][]byte{
		part(1, MultipartExperimenter, true, mpU32(0x2320), mpU32(7), []byte{1, 2}),
		part(1, MultipartExperimenter, true, mpU32(0x2320), mpU32(7)),
		part(1, MultipartExperimenter, false, mpU32(0x2320), mpU32(7), []byte{3}),
	})
	if want := (&ExperimenterMultipart{Experimenter: 0x2320, ExpType: 7, Data: []byte{1, 2, 3}}); !reflect.DeepEqual(got.Body, want) {
		t.Fatalf("experimenter: %#v", got.Body)
	}
	got = feed(t, NewAssembler(nil), [][]byte{part(2, 40, true, []byte{1}), part(2, 40, false, []byte{2, 3})})
	if want := (&RawMultipart{Kind: 40, Data: []byte{1, 2, 3}}); !reflect.DeepEqual(got.Body, want) {
		t.Fatalf("raw: %#v", got.Body)
	}

	a := NewAssembler(nil)
	if _, _, err := a.Add(part(3, MultipartExperimenter, true, mpU32(0x2320), mpU32(7))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Add(part(3, MultipartExperimenter, false, mpU32(0x2320), mpU32(8))); !errors.Is(err, ErrMultipartMismatch) {
		t.Fatalf("experimenter type change: %v", err)
	}
}

func TestAssemblerInterleaved(t *testing.T) {
	flows := mpFlowDump(30)
	ports := &PortDescReply{Ports: []Port{portValue, portValue, portValue, portValue}}
	fa := mpParts(t, 1, flows, 16+4*96)
	pa := mpParts(t, 2, ports, 16+PortLen)
	tables := mpParts(t, 3, &TableStatsReply{Stats: []TableStats{{TableID: 9}}}, 0)
	a := NewAssembler(nil)
	var got = map[uint32]*MultipartReply{}
	add := func(f []byte) {
		t.Helper()
		h, r, err := a.Add(f)
		if err != nil {
			t.Fatalf("xid %d: %v", h.Xid, err)
		}
		if r != nil {
			if got[h.Xid] != nil {
				t.Fatalf("xid %d assembled twice", h.Xid)
			}
			got[h.Xid] = r
		}
	}
	for i := 0; i < max(len(fa), len(pa)); i++ {
		if i < len(fa) {
			add(fa[i])
		}
		if i < len(pa) {
			add(pa[i])
		}
		if i == 1 {
			add(tables[0]) // a single-part reply in the middle
			if n, _ := a.Pending(); n != 2 {
				t.Fatalf("%d replies pending, want 2", n)
			}
		}
	}
	if !reflect.DeepEqual(got[1].Body, flows) || !reflect.DeepEqual(got[2].Body, ports) ||
		!reflect.DeepEqual(got[3].Body, &TableStatsReply{Stats: []TableStats{{TableID: 9}}}) {
		t.Fatalf("assembled %#v", got)
	}
}

func TestAssemblerErrors(t *testing.T) {
	flows := mpParts(t, 5, mpFlowDump(10), 16+2*96) // 5 parts of 208 bytes
	ports := mpParts(t, 5, &PortStatsReply{Stats: []PortStats{portStatsSample}}, 0)
	descMore := mpFrame(TypeMultipartReply, MultipartDesc, MultipartMore, mpPad(DescLen))
	desc := mpFrame(TypeMultipartReply, MultipartDesc, 0, mpPad(DescLen))
	badEntry := mpFrame(TypeMultipartReply, MultipartFlow, 0, mpU16(8), mpPad(54))
	binary.BigEndian.PutUint32(badEntry[4:8], 5)
	other := mpParts(t, 6, mpFlowDump(2), 16+96)
	tests := []struct {
		name   string
		cfg    AssemblerConfig
		frames [][]byte
		errAt  int   // index of the frame that fails
		err    error // errors.Is target; nil for any error
	}{
		{name: "type changes", frames: [][]byte{flows[0], ports[0]}, errAt: 1, err: ErrMultipartMismatch},
		{name: "single structure in parts", frames: [][]byte{descMore, desc}, errAt: 1, err: ErrMultipartMismatch},
		{name: "byte limit", cfg: AssemblerConfig{MaxBytes: 3 * 192}, frames: flows, errAt: 3, err: ErrMultipartLimit},
		{name: "part limit", cfg: AssemblerConfig{MaxParts: 2}, frames: flows, errAt: 2, err: ErrMultipartLimit},
		{name: "pending limit", cfg: AssemblerConfig{MaxPending: 1}, frames: [][]byte{flows[0], other[0]}, errAt: 1, err: ErrMultipartLimit},
		{name: "bad part", frames: [][]byte{flows[0], badEntry}, errAt: 1},
		{name: "not a multipart reply", frames: [][]byte{mustMarshal(t, 5, &MultipartRequest{Body: &DescRequest{}})}, errAt: 0},
		{name: "length mismatch", frames: [][]byte{append(append([]byte{}, flows[0]...), 0)}, errAt: 0},
		{name: "short frame", frames: [][]byte{flows[0][:12]}, errAt: 0},
		{name: "other version", frames: [][]byte{append([]byte{5}, flows[0][1:]...)}, errAt: 0, err: ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAssembler(&tt.cfg)
			for i, f := range tt.frames {
				_, r, err := a.Add(f)
				if i < tt.errAt {
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					continue
				}
				if err == nil || (tt.err != nil && !errors.Is(err, tt.err)) {
					t.Fatalf("frame %d: err %v, want %v", i, err, tt.err)
				}
				if r != nil {
					t.Fatalf("frame %d: reply with an error", i)
				}
				break
			}
		})
	}
}

// TestAssemblerDropsRest checks that after an error the remaining parts
// of the same reply are discarded, not assembled into a truncated reply,
// and that the xid is usable again afterwards.
func TestAssemblerDropsRest(t *testing.T) {
	flows := mpParts(t, 5, mpFlowDump(10), 16+2*96)
	a := NewAssembler(&AssemblerConfig{MaxParts: 2})
	for i, f := range flows {
		_, r, err := a.Add(f)
		switch {
		case i < 2:
			if err != nil || r != nil {
				t.Fatalf("part %d: %v %v", i, r, err)
			}
		case i == 2:
			if !errors.Is(err, ErrMultipartLimit) {
				t.Fatalf("part %d: %v", i, err)
			}
		default:
			if !errors.Is(err, ErrMultipartDropped) || r != nil {
				t.Fatalf("part %d: %v %v", i, r, err)
			}
		}
	}
	if n, _ := a.Pending(); n != 0 {
		t.Fatalf("%d pending", n)
	}
	// The xid comes back for a new request.
	small := mpParts(t, 5, mpFlowDump(2), 0)
	if _, r, err := a.Add(small[0]); err != nil || r == nil {
		t.Fatalf("reused xid: %v %v", r, err)
	}
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestAssemblerCancelExpire(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	a := NewAssembler(&AssemblerConfig{Now: clk.Now})
	f1 := mpParts(t, 1, mpFlowDump(4), 16+96)
	f2 := mpParts(t, 2, mpFlowDump(4), 16+96)
	mustAdd := func(f []byte) {
		t.Helper()
		if _, _, err := a.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd(f1[0])
	mustAdd(f2[0])
	if a.Cancel(99) {
		t.Fatal("cancelled an unknown xid")
	}
	if !a.Cancel(1) {
		t.Fatal("xid 1 not under way")
	}
	if _, _, err := a.Add(f1[1]); !errors.Is(err, ErrMultipartDropped) {
		t.Fatalf("part after cancel: %v", err)
	}
	clk.advance(10 * time.Second)
	mustAdd(f2[1])
	clk.advance(10 * time.Second)
	if x := a.Expire(clk.Now().Add(-15 * time.Second)); x != nil {
		t.Fatalf("expired %v too early", x)
	}
	if x := a.Expire(clk.Now().Add(-5 * time.Second)); !reflect.DeepEqual(x, []uint32{2}) {
		t.Fatalf("expired %v, want [2]", x)
	}
	if n, b := a.Pending(); n != 0 || b != 0 {
		t.Fatalf("pending %d, %d bytes", n, b)
	}
	// Expire also forgot the tombstone of xid 1: a new reply with it is
	// assembled.
	again := mpParts(t, 1, mpFlowDump(1), 0)
	if _, r, err := a.Add(again[0]); err != nil || r == nil {
		t.Fatalf("xid 1 after expiry: %v %v", r, err)
	}
}

// TestAssemblerConcurrentCancel runs Cancel and Expire from other
// goroutines while the reader adds parts (meaningful under -race).
func TestAssemblerConcurrentCancel(t *testing.T) {
	a := NewAssembler(nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for x := uint32(0); ; x++ {
			select {
			case <-stop:
				return
			default:
			}
			a.Cancel(x % 8)
			a.Expire(time.Time{})
			a.Pending()
		}
	}()
	for xid := uint32(0); xid < 50; xid++ {
		for _, f := range mpParts(t, xid%8, mpFlowDump(4), 16+96) {
			_, _, err := a.Add(f)
			if err != nil && !errors.Is(err, ErrMultipartDropped) {
				t.Errorf("xid %d: %v", xid, err)
			}
		}
	}
	close(stop)
	wg.Wait()
}

// BenchmarkMultipartFlowDump decodes and assembles a 100,000-entry flow
// stats reply split into parts of at most 64 KiB, as OVS sends a large
// dump.
func BenchmarkMultipartFlowDump(b *testing.B) {
	const entries = 100000
	frames := mpParts(b, 1, mpFlowDump(entries), 64<<10-1)
	total := 0
	for _, f := range frames {
		total += len(f)
	}
	b.Logf("%d entries, %d parts, %d bytes", entries, len(frames), total)

	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		var d Decoder
		for b.Loop() {
			n := 0
			for _, f := range frames {
				_, m, err := d.Decode(f)
				if err != nil {
					b.Fatal(err)
				}
				n += len(m.(*MultipartReply).Body.(*FlowStatsReply).Stats)
			}
			if n != entries {
				b.Fatalf("%d entries", n)
			}
		}
	})
	b.Run("assemble", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			a := NewAssembler(nil)
			var r *MultipartReply
			for _, f := range frames {
				var err error
				if _, r, err = a.Add(f); err != nil {
					b.Fatal(err)
				}
			}
			if n := len(r.Body.(*FlowStatsReply).Stats); n != entries {
				b.Fatalf("%d entries", n)
			}
		}
	})
}

func ExampleAssembler() {
	// A switch answers a flow dump with three MULTIPART_REPLY messages.
	dump := &FlowStatsReply{Stats: []FlowStats{{Cookie: 1}, {Cookie: 2}, {Cookie: 3}}}
	stream, _ := AppendMultipartReplies(nil, 42, dump, MultipartReplyLen+FlowStatsLen)

	a := NewAssembler(&AssemblerConfig{MaxBytes: 1 << 20})
	for len(stream) > 0 {
		h, _ := ParseHeader(stream)
		frame := stream[:h.Length]
		stream = stream[h.Length:]
		hdr, reply, err := a.Add(frame)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		if reply == nil {
			continue // more parts to come
		}
		for _, fs := range reply.Body.(*FlowStatsReply).Stats {
			fmt.Printf("xid %d cookie %d\n", hdr.Xid, fs.Cookie)
		}
	}
	// Output:
	// xid 42 cookie 1
	// xid 42 cookie 2
	// xid 42 cookie 3
}
