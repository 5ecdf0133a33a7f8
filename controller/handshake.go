package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oflb/oflb/openflow"
)

// hello exchanges HELLOs: ours goes first, then the switch's must be the
// first thing it sends, within HelloTimeout, and must offer version 1.3. A
// switch that offers no 1.3 gets OFPET_HELLO_FAILED/OFPHFC_INCOMPATIBLE.
func (s *Switch) hello(r *openflow.Reader) error {
	deadline := s.c.cfg.Now().Add(s.c.cfg.HelloTimeout)
	s.conn.SetDeadline(deadline)
	defer s.conn.SetDeadline(time.Time{})

	ours, err := openflow.Marshal(s.NextXID(), openflow.NewHello(openflow.Version))
	if err != nil {
		return err
	}
	if _, err := s.conn.Write(ours); err != nil {
		return fmt.Errorf("send HELLO: %w", err)
	}
	frame, err := r.Next()
	if err != nil {
		return fmt.Errorf("waiting for HELLO: %w", err)
	}
	h, _ := openflow.ParseHeader(frame)
	if h.Type != openflow.TypeHello {
		return fmt.Errorf("first message is %v (version %#x), not HELLO", h.Type, h.Version)
	}
	var theirs openflow.Hello
	if err := theirs.UnmarshalBinary(frame[openflow.HeaderLen:]); err != nil {
		return fmt.Errorf("malformed HELLO: %w", err)
	}
	if !negotiates13(h.Version, &theirs) {
		em := &openflow.ErrorMsg{
			ErrType: openflow.ErrTypeHelloFailed,
			Code:    uint16(openflow.HelloFailedIncompatible),
			Data:    []byte("oflb supports OpenFlow 1.3 (0x04) only"),
		}
		if b, err := openflow.Marshal(h.Xid, em); err == nil {
			s.conn.Write(b)
		}
		return fmt.Errorf("%w: peer HELLO version %#x", ErrIncompatible, h.Version)
	}
	return nil
}

// negotiates13 applies the OpenFlow 1.3 negotiation rule: with a version
// bitmap, 1.3 must be in it; without one, the negotiated version is the
// smaller of the two header versions, which must then be 1.3.
func negotiates13(version uint8, h *openflow.Hello) bool {
	if h.HasBitmap() {
		return h.Supports(openflow.Version)
	}
	return version >= openflow.Version
}

// handshake learns the switch's identity and abilities after HELLO.
func (s *Switch) handshake(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.c.cfg.HandshakeTimeout)
	defer cancel()

	m, err := s.Request(ctx, &openflow.FeaturesRequest{})
	if err != nil {
		return err
	}
	fr, ok := m.(*openflow.FeaturesReply)
	if !ok {
		return fmt.Errorf("features request answered with %v", m.Type())
	}
	if fr.AuxiliaryID != 0 {
		// An auxiliary connection must not replace the switch's main one
		// (both carry the same DPID); oflb uses the main connection only.
		return fmt.Errorf("%w: auxiliary connection %d of datapath %016x", ErrAuxiliary, fr.AuxiliaryID, fr.DatapathID)
	}
	s.features.DatapathID = fr.DatapathID
	s.features.NBuffers = fr.NBuffers
	s.features.NTables = fr.NTables
	s.features.Capabilities = fr.Capabilities
	s.dpid.Store(fr.DatapathID)
	s.log.Store(s.c.cfg.Logger.With("dpid", fmt.Sprintf("%016x", fr.DatapathID), "switch", s.conn.RemoteAddr().String()))

	// Whole packets in packet-ins: many switches have no buffers, and the
	// load balancer sends first packets back by packet-out with data.
	if _, err := s.Send(&openflow.SetConfig{MissSendLen: openflow.ControllerNoBuffer}); err != nil {
		return err
	}
	if m, err = s.Request(ctx, &openflow.MultipartRequest{Body: &openflow.DescRequest{}}); err != nil {
		return err
	}
	d, ok := multipartBody[*openflow.Desc](m)
	if !ok {
		return fmt.Errorf("DESC request answered with %s", replyKind(m))
	}
	s.features.Desc = *d
	if m, err = s.Request(ctx, &openflow.MultipartRequest{Body: &openflow.PortDescRequest{}}); err != nil {
		return err
	}
	pd, ok := multipartBody[*openflow.PortDescReply](m)
	if !ok {
		return fmt.Errorf("PORT_DESC request answered with %s", replyKind(m))
	}
	s.mu.Lock()
	for _, p := range pd.Ports {
		s.ports[p.PortNo] = p
	}
	s.mu.Unlock()
	s.features.Groups = s.probe(ctx, &openflow.MultipartRequest{Body: &openflow.GroupFeaturesRequest{}})
	s.features.Meters = s.probe(ctx, &openflow.MultipartRequest{Body: &openflow.MeterFeaturesRequest{}})
	s.features.Nicira = s.probe(ctx, &openflow.NXSetControllerID{ID: s.c.cfg.ControllerID})
	s.features.Bundles = s.probeBundles(ctx)
	s.mu.Lock()
	nports := len(s.ports) // the reader updates ports on PORT_STATUS
	s.mu.Unlock()
	s.Logger().Info("switch connected",
		"desc", s.features.Desc.HWDesc, "software", s.features.Desc.SWDesc,
		"tables", s.features.NTables, "buffers", s.features.NBuffers, "ports", nports,
		"groups", s.features.Groups == nil, "meters", s.features.Meters == nil,
		"nicira", s.features.Nicira == nil, "bundles", s.features.Bundles == nil)
	return nil
}

// multipartBody returns the body of a multipart reply if m is one and its
// body has type T.
func multipartBody[T openflow.MultipartReplyBody](m openflow.Message) (T, bool) {
	var zero T
	mr, ok := m.(*openflow.MultipartReply)
	if !ok {
		return zero, false
	}
	b, ok := mr.Body.(T)
	return b, ok
}

// replyKind names a reply for an error message: its type, and the body
// type of a multipart reply.
func replyKind(m openflow.Message) string {
	if mr, ok := m.(*openflow.MultipartReply); ok && mr.Body != nil {
		return mr.Body.MultipartType().String() + " reply"
	}
	return m.Type().String()
}

// probe sends m and classifies the outcome: nil if the switch accepted it,
// ErrNotSupported if it refused it with an OpenFlow error, or the failure.
func (s *Switch) probe(ctx context.Context, m openflow.Message) error {
	var err error
	if m.Type() == openflow.TypeMultipartRequest {
		_, err = s.Request(ctx, m)
	} else {
		err = s.Do(ctx, m)
	}
	var em *openflow.ErrorMsg
	if errors.As(err, &em) {
		return fmt.Errorf("%w: %v", ErrNotSupported, em)
	}
	return err
}

// probeBundles opens and discards an empty bundle.
func (s *Switch) probeBundles(ctx context.Context) error {
	const probeID = 0x0f1b0000
	m, err := s.Request(ctx, &openflow.BundleControl{BundleID: probeID, ControlType: openflow.BundleOpenRequest})
	var em *openflow.ErrorMsg
	if errors.As(err, &em) {
		return fmt.Errorf("%w: %v", ErrNotSupported, em)
	}
	if err != nil {
		return err
	}
	if bc, ok := m.(*openflow.BundleControl); !ok || bc.ControlType != openflow.BundleOpenReply {
		return fmt.Errorf("%w: bundle open answered with %v", ErrNotSupported, m)
	}
	_, err = s.Request(ctx, &openflow.BundleControl{BundleID: probeID, ControlType: openflow.BundleDiscardRequest})
	return err
}
