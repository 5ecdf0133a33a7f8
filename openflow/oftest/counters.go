package oftest

import (
	"fmt"
	"sort"
	"time"

	"github.com/oflb/oflb/openflow"
)

// SetCounters sets the packet and byte counters of the entries whose
// cookie is cookie and whose match equals m (any table and priority), as
// traffic through the switch would have; flow stats then report them. It
// returns how many entries it changed.
func (s *Switch) SetCounters(cookie uint64, m *openflow.Match, packets, bytes uint64) int {
	want := entryKey(0, 0, m)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.table {
		if e.Cookie == cookie && entryKey(0, 0, &e.Match) == want {
			e.Packets, e.Bytes = packets, bytes
			n++
		}
	}
	return n
}

// AddCounters adds packets and bytes to the counters of every entry whose
// cookie matches cookie under mask, and returns how many it changed.
func (s *Switch) AddCounters(cookie, mask uint64, packets, bytes uint64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.table {
		if e.Cookie&mask == cookie&mask {
			e.Packets += packets
			e.Bytes += bytes
			n++
		}
	}
	return n
}

// Expire removes the entries whose cookie is cookie and whose match equals
// m, as a timeout would, and sends a FLOW_REMOVED with their final
// counters for those that asked for it (SEND_FLOW_REM). It returns how
// many entries it removed.
func (s *Switch) Expire(xid uint32, cookie uint64, m *openflow.Match, reason openflow.FlowRemovedReason) (int, error) {
	want := entryKey(0, 0, m)
	return s.ExpireFunc(xid, reason, func(e *Entry) bool {
		return e.Cookie == cookie && entryKey(0, 0, &e.Match) == want
	})
}

// ExpireFunc removes, at once, every entry for which remove returns true,
// then sends a FLOW_REMOVED with the final counters of each that asked for
// it (SEND_FLOW_REM), in table order. It returns how many entries it
// removed. Removing a flow's two entries together this way stands for a
// switch that expires both before the controller reacts.
func (s *Switch) ExpireFunc(xid uint32, reason openflow.FlowRemovedReason, remove func(*Entry) bool) (int, error) {
	var removed []Entry
	s.mu.Lock()
	for k, e := range s.table {
		if remove(e) {
			removed = append(removed, *e)
			delete(s.table, k)
		}
	}
	s.mu.Unlock()
	sort.Slice(removed, func(i, j int) bool {
		return entryKey(removed[i].TableID, removed[i].Priority, &removed[i].Match) <
			entryKey(removed[j].TableID, removed[j].Priority, &removed[j].Match)
	})
	now := time.Now()
	for _, e := range removed {
		if e.Flags&openflow.FlowSendFlowRem == 0 {
			continue
		}
		d := now.Sub(e.Added)
		fr := &openflow.FlowRemoved{Cookie: e.Cookie, Priority: e.Priority, Reason: reason, TableID: e.TableID,
			DurationSec: uint32(d / time.Second), DurationNsec: uint32(d % time.Second),
			IdleTimeout: e.IdleTimeout, HardTimeout: e.HardTimeout, PacketCount: e.Packets, ByteCount: e.Bytes, Match: e.Match}
		if err := s.Send(xid, fr); err != nil {
			return len(removed), fmt.Errorf("oftest: send FLOW_REMOVED: %w", err)
		}
	}
	return len(removed), nil
}
