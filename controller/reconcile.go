package controller

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/oflb/oflb/openflow"
)

// flowKey identifies a flow entry the way a switch does: table, priority
// and match (in the codec's canonical encoding).
type flowKey string

func keyOf(table uint8, priority uint16, m *openflow.Match) (flowKey, error) {
	b := []byte{table, byte(priority >> 8), byte(priority)}
	b, err := m.AppendBinary(b)
	if err != nil {
		return "", err
	}
	return flowKey(b), nil
}

// keptFlags are the flow-mod flags that last with an entry.
// CHECK_OVERLAP and RESET_COUNTS act when the flow-mod is applied, and
// switches need not report them in flow statistics.
const keptFlags = openflow.FlowSendFlowRem | openflow.FlowNoPktCounts | openflow.FlowNoBytCounts

// sameEntry reports whether an entry on the switch already is what fm
// asks for: same cookie, timeouts, lasting flags and instructions.
func sameEntry(fm *openflow.FlowMod, fs *openflow.FlowStats) bool {
	if fm.Cookie != fs.Cookie || fm.IdleTimeout != fs.IdleTimeout || fm.HardTimeout != fs.HardTimeout ||
		fm.Flags&keptFlags != fs.Flags&keptFlags {
		return false
	}
	a, err1 := openflow.AppendInstructions(nil, fm.Instructions)
	b, err2 := openflow.AppendInstructions(nil, fs.Instructions)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// ReconcileResult counts what one reconciliation did.
type ReconcileResult struct {
	Dumped, Kept, Adopted, Added, Replaced, Deleted int
}

// reconcile makes the switch's owned entries match what the applications
// want: dump owned entries, keep the identical ones, offer the unwanted ones
// to the adopters, add what is missing and replace what differs (in one
// bundle where possible), and delete the stale ones last, so that nothing
// wanted is ever absent while its replacement is on the way.
func (c *Controller) reconcile(ctx context.Context, s *Switch) error {
	if c.cfg.OwnerCookieMask == 0 && len(c.desired) == 0 {
		return nil
	}
	res, err := c.Reconcile(ctx, s)
	if err != nil {
		return err
	}
	s.Logger().Info("reconciled", "dumped", res.Dumped, "kept", res.Kept, "adopted", res.Adopted,
		"added", res.Added, "replaced", res.Replaced, "deleted", res.Deleted)
	return nil
}

// Reconcile runs one reconciliation of s now and reports what it did.
func (c *Controller) Reconcile(ctx context.Context, s *Switch) (ReconcileResult, error) {
	var res ReconcileResult
	want := make(map[flowKey]*openflow.FlowMod)
	var order []flowKey
	for _, d := range c.desired {
		fms := d.DesiredFlows(s)
		for i := range fms {
			fm := &fms[i]
			if c.cfg.OwnerCookieMask != 0 && fm.Cookie&c.cfg.OwnerCookieMask != c.cfg.OwnerCookie {
				return res, fmt.Errorf("desired entry with cookie %#x outside the owner cookie space %#x/%#x",
					fm.Cookie, c.cfg.OwnerCookie, c.cfg.OwnerCookieMask)
			}
			k, err := keyOf(fm.TableID, fm.Priority, &fm.Match)
			if err != nil {
				return res, fmt.Errorf("desired entry: %w", err)
			}
			if _, dup := want[k]; !dup {
				order = append(order, k)
			}
			want[k] = fm
		}
	}

	var stats []openflow.FlowStats
	if c.cfg.OwnerCookieMask != 0 {
		m, err := s.Request(ctx, &openflow.MultipartRequest{Body: &openflow.FlowStatsRequest{
			TableID: openflow.TableAll, OutPort: openflow.PortAny, OutGroup: openflow.GroupAny,
			Cookie: c.cfg.OwnerCookie, CookieMask: c.cfg.OwnerCookieMask,
		}})
		if err != nil {
			return res, fmt.Errorf("dump owned entries: %w", err)
		}
		fr, ok := multipartBody[*openflow.FlowStatsReply](m)
		if !ok {
			// Taking it for an empty table would replace every entry.
			return res, fmt.Errorf("dump owned entries: answered with %s", replyKind(m))
		}
		stats = fr.Stats
	}
	res.Dumped = len(stats)

	present := make(map[flowKey]bool, len(stats))
	var changes, deletes []openflow.Message
	for i := range stats {
		fs := &stats[i]
		k, err := keyOf(fs.TableID, fs.Priority, &fs.Match)
		if err != nil {
			return res, fmt.Errorf("dumped entry: %w", err)
		}
		present[k] = true
		if fm, ok := want[k]; ok {
			if sameEntry(fm, fs) {
				res.Kept++
			} else {
				res.Replaced++
				changes = append(changes, asAdd(fm))
			}
			continue
		}
		if c.offer(s, fs) {
			res.Adopted++
			continue
		}
		res.Deleted++
		deletes = append(deletes, &openflow.FlowMod{
			Command: openflow.FlowDeleteStrict, TableID: fs.TableID, Priority: fs.Priority,
			Match: fs.Match, Cookie: fs.Cookie, CookieMask: ^uint64(0),
			OutPort: openflow.PortAny, OutGroup: openflow.GroupAny, BufferID: openflow.NoBuffer,
		})
	}
	for _, k := range order {
		if !present[k] {
			res.Added++
			changes = append(changes, asAdd(want[k]))
		}
	}
	if err := s.Bulk(ctx, changes...); err != nil {
		return res, fmt.Errorf("install wanted entries: %w", err)
	}
	if err := s.Bulk(ctx, deletes...); err != nil {
		return res, fmt.Errorf("delete stale entries: %w", err)
	}
	return res, nil
}

func asAdd(fm *openflow.FlowMod) *openflow.FlowMod {
	add := *fm
	add.Command = openflow.FlowAdd
	if add.BufferID == 0 {
		add.BufferID = openflow.NoBuffer
	}
	return &add
}

// offer asks the adopters, in registration order, whether one wants fs.
func (c *Controller) offer(s *Switch, fs *openflow.FlowStats) bool {
	for _, a := range c.adopters {
		if a.AdoptFlow(s, fs) {
			return true
		}
	}
	return false
}

var bundleIDs atomic.Uint32

// maxBundle bounds the messages of one bundle, and so the switch memory a
// single commit needs.
const maxBundle = 50000

// Bulk applies many messages and waits until the switch has processed
// them: in atomic bundles where the switch supports them (Open vSwitch
// installs flow-mods about 8x faster that way), otherwise as plain messages
// followed by a barrier. It returns the switch's errors, joined.
func (s *Switch) Bulk(ctx context.Context, msgs ...openflow.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if s.features.Bundles != nil || s.c.cfg.DisableBundles {
		return s.Do(ctx, msgs...)
	}
	for len(msgs) > 0 {
		n := min(len(msgs), maxBundle)
		if err := s.bundle(ctx, msgs[:n]); err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

func (s *Switch) bundle(ctx context.Context, msgs []openflow.Message) error {
	id := bundleIDs.Add(1)
	flags := openflow.BundleAtomic | openflow.BundleOrdered
	m, err := s.Request(ctx, &openflow.BundleControl{BundleID: id, ControlType: openflow.BundleOpenRequest, Flags: flags})
	if err != nil {
		return fmt.Errorf("open bundle: %w", err)
	}
	if bc, ok := m.(*openflow.BundleControl); !ok || bc.ControlType != openflow.BundleOpenReply {
		return fmt.Errorf("open bundle: unexpected reply %v", m)
	}
	adds := make([]openflow.Message, len(msgs))
	b := &batch{}
	xids := make([]uint32, len(msgs))
	defer func() {
		s.mu.Lock()
		for _, x := range xids {
			delete(s.calls, x)
		}
		s.mu.Unlock()
	}()
	for i, inner := range msgs {
		xid := s.NextXID()
		xids[i] = xid
		adds[i] = &openflow.BundleAdd{BundleID: id, Flags: flags, Xid: xid, Message: inner}
		s.register(xid, &call{batch: b})
		if err := s.sendWait(ctx, xid, adds[i]); err != nil {
			// Leave nothing open on the switch: discard what was added
			// (best effort; the switch also discards it on a timeout).
			s.Send(&openflow.BundleControl{BundleID: id, ControlType: openflow.BundleDiscardRequest, Flags: flags})
			return fmt.Errorf("bundle add: %w", err)
		}
	}
	_, commitErr := s.Request(ctx, &openflow.BundleControl{BundleID: id, ControlType: openflow.BundleCommitRequest, Flags: flags})
	b.mu.Lock()
	errs := append([]error(nil), b.errs...)
	b.mu.Unlock()
	if commitErr != nil {
		errs = append(errs, fmt.Errorf("commit bundle: %w", commitErr))
	}
	return errors.Join(errs...)
}
