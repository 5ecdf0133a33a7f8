package openflow

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Bundles group messages so that the switch applies them together, and
// faster than one by one. OpenFlow 1.4 made them standard; on OpenFlow 1.3
// they are ONF extension 230, which Open vSwitch accepts: EXPERIMENTER
// messages with the ONF experimenter id and the types below, laid out as
// the 1.4 messages after the experimenter header.
const (
	// BundleExperimenterID is the ONF experimenter id (ONF_EXPERIMENTER_ID,
	// "ONF\0") that bundle messages carry on OpenFlow 1.3.
	BundleExperimenterID uint32 = 0x4f4e4600
	// BundleControlExpType is ONFT_BUNDLE_CONTROL.
	BundleControlExpType uint32 = 2300
	// BundleAddExpType is ONFT_BUNDLE_ADD_MESSAGE.
	BundleAddExpType uint32 = 2301
)

// Lengths of the bundle messages.
const (
	// BundleControlLen is the length of the fixed part of an ONF bundle
	// control message, header included; properties follow.
	BundleControlLen = 24
	// BundleAddLen is the length of the fixed part of an ONF bundle add
	// message, header included; the inner message follows.
	BundleAddLen = 24
)

// BundleControlType is ofp_bundle_ctrl_type: the request or reply a
// bundle control message carries.
type BundleControlType uint16

// Bundle control types. Each request is answered by its reply, or by an
// error (type BUNDLE_FAILED, an ONF experimenter error on OpenFlow 1.3).
const (
	// BundleOpenRequest opens a bundle.
	BundleOpenRequest BundleControlType = 0
	// BundleOpenReply confirms that the bundle is open.
	BundleOpenReply BundleControlType = 1
	// BundleCloseRequest closes a bundle: nothing more can be added.
	BundleCloseRequest BundleControlType = 2
	// BundleCloseReply confirms that the bundle is closed.
	BundleCloseReply BundleControlType = 3
	// BundleCommitRequest applies every message of a bundle (closing it
	// first if needed); with BundleAtomic, all or none.
	BundleCommitRequest BundleControlType = 4
	// BundleCommitReply confirms that the bundle was applied.
	BundleCommitReply BundleControlType = 5
	// BundleDiscardRequest drops a bundle and its messages.
	BundleDiscardRequest BundleControlType = 6
	// BundleDiscardReply confirms that the bundle was dropped.
	BundleDiscardReply BundleControlType = 7
)

var bundleControlTypeNames = [...]string{
	"OPEN_REQUEST", "OPEN_REPLY", "CLOSE_REQUEST", "CLOSE_REPLY",
	"COMMIT_REQUEST", "COMMIT_REPLY", "DISCARD_REQUEST", "DISCARD_REPLY",
}

// String returns the name of t as the specification spells it, or its number for an unknown one.
func (t BundleControlType) String() string {
	if int(t) < len(bundleControlTypeNames) {
		return bundleControlTypeNames[t]
	}
	return fmt.Sprintf("BundleControlType(%d)", uint16(t))
}

// BundleFlags is ofp_bundle_flags.
type BundleFlags uint16

// Bundle flags.
const (
	// BundleAtomic asks that the bundle apply all or nothing.
	BundleAtomic BundleFlags = 1 << 0
	// BundleOrdered asks that the messages apply in the order added.
	BundleOrdered BundleFlags = 1 << 1
)

var bundleFlagNames = []bitName{
	{uint32(BundleAtomic), "ATOMIC"},
	{uint32(BundleOrdered), "ORDERED"},
}

// String names the set bits, separated by "|", and any unknown ones in hex.
func (f BundleFlags) String() string { return maskString(uint32(f), bundleFlagNames) }

// ErrBundleNested reports a bundle message put inside a bundle add message.
var ErrBundleNested = errors.New("openflow: a bundle message cannot be added to a bundle")

// ErrBundleNoMessage reports a bundle add message without an inner message.
var ErrBundleNoMessage = errors.New("openflow: bundle add message without a message")

// appendBundleHeader appends the experimenter id and type and the fields
// common to both bundle messages (ofp14_bundle_ctrl_msg).
func appendBundleHeader(b []byte, expType, id uint32, typ uint16, flags BundleFlags) []byte {
	b = binary.BigEndian.AppendUint32(b, BundleExperimenterID)
	b = binary.BigEndian.AppendUint32(b, expType)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint16(b, typ)
	return binary.BigEndian.AppendUint16(b, uint16(flags))
}

// checkBundleHeader checks the length and the experimenter id and type of
// the body of a bundle message.
func checkBundleHeader(what string, body []byte, min int, expType uint32) error {
	if len(body) < min {
		return errShort(what, min, len(body))
	}
	if id, t := binary.BigEndian.Uint32(body[0:4]), binary.BigEndian.Uint32(body[4:8]); id != BundleExperimenterID || t != expType {
		return fmt.Errorf("openflow: %s: experimenter %#x type %d, want %#x type %d", what, id, t, BundleExperimenterID, expType)
	}
	return nil
}

// checkBundleProperties checks that b is a list of bundle properties
// (ofp_bundle_prop_header TLVs, each padded to 8 bytes).
func checkBundleProperties(b []byte) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return errShort("bundle property", 4, len(b))
		}
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < 4 {
			return fmt.Errorf("openflow: bundle property length %d shorter than 4", n)
		}
		n += pad8(n)
		if n > len(b) {
			return errShort("bundle property", n, len(b))
		}
		b = b[n:]
	}
	return nil
}

// BundleControl is the ONF bundle control message (ONFT_BUNDLE_CONTROL,
// ofp14_bundle_ctrl_msg after the experimenter header): open, close,
// commit or discard a bundle, and the switch's replies.
type BundleControl struct {
	// BundleID names the bundle on its connection.
	BundleID uint32
	// ControlType is the request or reply. (The field cannot be called
	// Type: that is the Message method, which returns TypeExperimenter.)
	ControlType BundleControlType
	Flags       BundleFlags
	// Properties are the bundle properties (ofp_bundle_prop_header TLVs,
	// each padded to 8 bytes) as raw bytes; nil when there are none.
	Properties []byte
}

var _ Message = (*BundleControl)(nil)

func init() {
	registerExperimenter(BundleExperimenterID, BundleControlExpType, func() Message { return new(BundleControl) })
	registerExperimenter(BundleExperimenterID, BundleAddExpType, func() Message { return new(BundleAdd) })
}

// Type returns TypeExperimenter.
func (*BundleControl) Type() Type { return TypeExperimenter }

// AppendBinary appends the body of the message, experimenter header
// included.
func (m *BundleControl) AppendBinary(b []byte) ([]byte, error) {
	if err := checkBundleProperties(m.Properties); err != nil {
		return b, fmt.Errorf("bundle control: %w", err)
	}
	b = appendBundleHeader(b, BundleControlExpType, m.BundleID, uint16(m.ControlType), m.Flags)
	return append(b, m.Properties...), nil
}

// UnmarshalBinary decodes the body of the message, experimenter header
// included. Properties alias body.
func (m *BundleControl) UnmarshalBinary(body []byte) error {
	const fixed = BundleControlLen - HeaderLen
	if err := checkBundleHeader("bundle control", body, fixed, BundleControlExpType); err != nil {
		return err
	}
	var props []byte
	if len(body) > fixed {
		props = body[fixed:]
		if err := checkBundleProperties(props); err != nil {
			return fmt.Errorf("bundle control: %w", err)
		}
	}
	*m = BundleControl{
		BundleID:    binary.BigEndian.Uint32(body[8:12]),
		ControlType: BundleControlType(binary.BigEndian.Uint16(body[12:14])),
		Flags:       BundleFlags(binary.BigEndian.Uint16(body[14:16])),
		Properties:  props,
	}
	return nil
}

// BundleAdd is the ONF bundle add message (ONFT_BUNDLE_ADD_MESSAGE,
// ofp14_bundle_add_msg after the experimenter header): add one message to
// an open bundle. The inner message is a whole message, header included,
// and its xid must equal the xid of the bundle add message itself: send a
// BundleAdd with [Append] and the same xid as Xid. Errors about the inner
// message come back with the inner xid.
type BundleAdd struct {
	// BundleID names the bundle on its connection.
	BundleID uint32
	Flags    BundleFlags
	// Xid is the transaction id of the inner message; it must equal the
	// xid the BundleAdd is sent with (OFPBFC_MSG_BAD_XID otherwise).
	// Decoding takes it from the inner header; compare it with the
	// outer header's.
	Xid uint32
	// Message is the inner message. It must not be a bundle message.
	// Decoded, it is a newly allocated message that may alias the body.
	Message Message
	// Properties are the bundle properties that follow the inner message
	// (and the zero padding to 8 bytes that then precedes them), as raw
	// bytes; nil when there are none.
	Properties []byte
}

var _ Message = (*BundleAdd)(nil)

// Type returns TypeExperimenter.
func (*BundleAdd) Type() Type { return TypeExperimenter }

// isBundleMessage reports whether m is a bundle message, which a bundle
// cannot contain.
func isBundleMessage(m Message) bool {
	switch m.(type) {
	case *BundleControl, *BundleAdd:
		return true
	}
	return false
}

// AppendBinary appends the body of the message, experimenter header
// included, with the inner message encoded with m.Xid.
func (m *BundleAdd) AppendBinary(b []byte) ([]byte, error) {
	if m.Message == nil {
		return b, ErrBundleNoMessage
	}
	if isBundleMessage(m.Message) {
		return b, ErrBundleNested
	}
	if err := checkBundleProperties(m.Properties); err != nil {
		return b, fmt.Errorf("bundle add: %w", err)
	}
	start := len(b)
	b = appendBundleHeader(b, BundleAddExpType, m.BundleID, 0, m.Flags)
	inner := len(b)
	b, err := Append(b, m.Xid, m.Message)
	if err != nil {
		return b[:start], fmt.Errorf("bundle add: %w", err)
	}
	if len(m.Properties) > 0 {
		b = appendPad(b, pad8(len(b)-inner))
		b = append(b, m.Properties...)
	}
	return b, nil
}

// UnmarshalBinary decodes the body of the message, experimenter header
// included, and the inner message with the package's decoder. The inner
// message and Properties alias body.
func (m *BundleAdd) UnmarshalBinary(body []byte) error {
	const fixed = BundleAddLen - HeaderLen
	if err := checkBundleHeader("bundle add", body, fixed+HeaderLen, BundleAddExpType); err != nil {
		return err
	}
	if pad := binary.BigEndian.Uint16(body[12:14]); pad != 0 {
		return fmt.Errorf("openflow: bundle add: nonzero padding %#04x", pad)
	}
	rest := body[fixed:]
	h, err := ParseHeader(rest)
	if err != nil {
		return fmt.Errorf("bundle add: %w", err)
	}
	if int(h.Length) < HeaderLen {
		return fmt.Errorf("openflow: bundle add: inner message length %d shorter than its header", h.Length)
	}
	if int(h.Length) > len(rest) {
		return errShort("bundle add inner message", int(h.Length), len(rest))
	}
	if h.Type == TypeExperimenter && len(rest) >= HeaderLen+8 {
		if binary.BigEndian.Uint32(rest[8:12]) == BundleExperimenterID {
			switch binary.BigEndian.Uint32(rest[12:16]) {
			case BundleControlExpType, BundleAddExpType:
				return ErrBundleNested
			}
		}
	}
	_, msg, err := Unmarshal(rest[:h.Length:h.Length])
	if err != nil {
		return fmt.Errorf("bundle add: inner message: %w", err)
	}
	var props []byte
	if tail := rest[h.Length:]; len(tail) > 0 {
		pad := pad8(int(h.Length))
		if len(tail) < pad {
			return errShort("bundle add padding", pad, len(tail))
		}
		for _, c := range tail[:pad] {
			if c != 0 {
				return fmt.Errorf("openflow: bundle add: nonzero padding after the inner message")
			}
		}
		if len(tail) > pad {
			props = tail[pad:]
			if err := checkBundleProperties(props); err != nil {
				return fmt.Errorf("bundle add: %w", err)
			}
		}
	}
	*m = BundleAdd{
		BundleID:   binary.BigEndian.Uint32(body[8:12]),
		Flags:      BundleFlags(binary.BigEndian.Uint16(body[14:16])),
		Xid:        h.Xid,
		Message:    msg,
		Properties: props,
	}
	return nil
}

// BundleFailedCode is an ONF bundle error as Open vSwitch sends it on
// OpenFlow 1.3: an experimenter error of BundleExperimenterID whose
// exp_type is the code (OFPET_BUNDLE_FAILED arrived only in 1.4).
type BundleFailedCode uint16

// ONF bundle error codes (ONFBFC_*).
const (
	BundleFailedUnknown          BundleFailedCode = 2300 // unspecified error
	BundleFailedEPerm            BundleFailedCode = 2301 // permissions error
	BundleFailedBadID            BundleFailedCode = 2302 // bundle id does not exist
	BundleFailedBundleExist      BundleFailedCode = 2303 // bundle id already exists
	BundleFailedBundleClosed     BundleFailedCode = 2304 // bundle id is closed
	BundleFailedOutOfBundles     BundleFailedCode = 2305 // too many bundles
	BundleFailedBadType          BundleFailedCode = 2306 // unsupported or unknown type
	BundleFailedBadFlags         BundleFailedCode = 2307 // unsupported, unknown or inconsistent flags
	BundleFailedMsgBadLen        BundleFailedCode = 2308 // length problem in an included message
	BundleFailedMsgBadXID        BundleFailedCode = 2309 // inconsistent or duplicate xid
	BundleFailedMsgUnsup         BundleFailedCode = 2310 // unsupported message in the bundle
	BundleFailedMsgConflict      BundleFailedCode = 2311 // unsupported message combination
	BundleFailedMsgTooMany       BundleFailedCode = 2312 // cannot handle this many messages
	BundleFailedMsgFailed        BundleFailedCode = 2313 // one message in the bundle failed
	BundleFailedTimeout          BundleFailedCode = 2314 // bundle is taking too long
	BundleFailedBundleInProgress BundleFailedCode = 2315 // bundle is locking the resource
)

var bundleFailedNames = [...]string{
	"UNKNOWN", "EPERM", "BAD_ID", "BUNDLE_EXIST", "BUNDLE_CLOSED", "OUT_OF_BUNDLES", "BAD_TYPE",
	"BAD_FLAGS", "MSG_BAD_LEN", "MSG_BAD_XID", "MSG_UNSUP", "MSG_CONFLICT", "MSG_TOO_MANY",
	"MSG_FAILED", "TIMEOUT", "BUNDLE_IN_PROGRESS",
}

// String returns the name of c as the specification spells it, or its number for an unknown one.
func (c BundleFailedCode) String() string {
	if c >= BundleFailedUnknown && int(c-BundleFailedUnknown) < len(bundleFailedNames) {
		return "ONFBFC_" + bundleFailedNames[c-BundleFailedUnknown]
	}
	return fmt.Sprintf("BundleFailedCode(%d)", uint16(c))
}
