package ovslab

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BridgeOptions configures [OVS.AddBridge]. The zero value gives an
// OpenFlow 1.3 userspace-datapath bridge with no controller in OVS's default fail mode
// ("standalone": it then acts as a learning switch).
type BridgeOptions struct {
	// Controllers are the controller targets, e.g. "tcp:127.0.0.1:6653".
	Controllers []string
	// FailMode is "secure" or "standalone"; empty leaves OVS's default.
	// With "secure" the bridge keeps its entries and forwards nothing else
	// while no controller is connected.
	FailMode string
	// FlowLimit, if positive, caps table 0 at that many entries with
	// overflow_policy=refuse: a flow-mod past it fails with
	// OFPFMFC_TABLE_FULL, as on a TCAM-bound hardware switch.
	FlowLimit int
	// ControllerQueueSize, if positive, sets each controller's packet-in
	// queue (OVS's default is 100, its maximum 512).
	ControllerQueueSize int
	// MaxBackoff, if positive, caps the controller reconnection backoff
	// (OVS rounds it to whole milliseconds, minimum 1 s).
	MaxBackoff time.Duration
	// InactivityProbe, if positive, sets the controller inactivity probe
	// interval (echo requests); OVS's default is 5 s.
	InactivityProbe time.Duration
	// DatapathID, if non-zero, sets the datapath id reported in
	// FEATURES_REPLY (other-config:datapath-id).
	DatapathID uint64
	// Protocols is the OpenFlow versions allowed, as in the Bridge
	// record's protocols column; empty means "OpenFlow13".
	Protocols []string
}

// Bridge is a userspace-datapath bridge of an instance.
type Bridge struct {
	// Short is the name given to AddBridge, e.g. "br0".
	Short string
	// Name is the machine-wide name, e.g. "br0-ol3fa2": the bridge's name in
	// the database and of its local port (a kernel tap device only with
	// DatapathNetdev).
	Name string
	// Mgmt is the path of its OpenFlow management socket, DIR/NAME.mgmt;
	// "unix:" + Mgmt is what ovs-ofctl connects to.
	Mgmt string
}

// AddBridge creates a userspace-datapath bridge (see
// Options.DatapathType), named
// name-SUFFIX (name: 1-8 lower-case letters and digits), with in-band
// control disabled, and returns once ovs-vswitchd has created it.
func (o *OVS) AddBridge(name string, opts BridgeOptions) (*Bridge, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	real := o.Name(name)
	protocols := "OpenFlow13"
	if len(opts.Protocols) > 0 {
		protocols = strings.Join(opts.Protocols, ",")
	}
	args := []string{"add-br", real, "--", "set", "Bridge", real,
		"datapath_type=" + o.opts.DatapathType,
		"protocols=" + protocols,
		"other-config:disable-in-band=true",
	}
	if opts.FailMode != "" {
		args = append(args, "fail_mode="+opts.FailMode)
	}
	if opts.DatapathID != 0 {
		args = append(args, fmt.Sprintf("other-config:datapath-id=%016x", opts.DatapathID))
	}
	if opts.FlowLimit > 0 {
		args = append(args, "--", "--id=@ft", "create", "Flow_Table",
			"flow_limit="+strconv.Itoa(opts.FlowLimit), "overflow_policy=refuse",
			"--", "set", "Bridge", real, "flow_tables:0=@ft")
	}
	ctrlArgs, err := controllerArgs(real, opts)
	if err != nil {
		return nil, err
	}
	args = append(args, ctrlArgs...)

	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, errors.New("ovslab: add bridge: instance closed")
	}
	if _, ok := o.bridges[real]; ok {
		o.mu.Unlock()
		return nil, fmt.Errorf("ovslab: add bridge %s: already exists", real)
	}
	b := &Bridge{Short: name, Name: real, Mgmt: filepath.Join(o.dir, real+".mgmt")}
	// Registered before creation so that Close removes a half-made bridge.
	o.bridges[real] = b
	o.mu.Unlock()

	if _, err := o.Vsctl(args...); err != nil {
		return nil, fmt.Errorf("ovslab: add bridge %s: %w", real, err)
	}
	return b, nil
}

// controllerArgs returns the ovs-vsctl arguments that give bridge br the
// controllers of opts, or clear them when there are none.
func controllerArgs(br string, opts BridgeOptions) ([]string, error) {
	if len(opts.Controllers) == 0 {
		return nil, nil
	}
	var args, ids []string
	for i, target := range opts.Controllers {
		if target == "" {
			return nil, errors.New("ovslab: empty controller target")
		}
		id := fmt.Sprintf("@c%d", i)
		ids = append(ids, id)
		args = append(args, "--", "--id="+id, "create", "Controller", "target="+strconv.Quote(target))
		if opts.ControllerQueueSize > 0 {
			args = append(args, "controller_queue_size="+strconv.Itoa(opts.ControllerQueueSize))
		}
		if opts.MaxBackoff > 0 {
			args = append(args, "max_backoff="+strconv.FormatInt(opts.MaxBackoff.Milliseconds(), 10))
		}
		if opts.InactivityProbe > 0 {
			args = append(args, "inactivity_probe="+strconv.FormatInt(opts.InactivityProbe.Milliseconds(), 10))
		}
	}
	args = append(args, "--", "set", "Bridge", br, "controller=["+strings.Join(ids, ",")+"]")
	return args, nil
}

// SetControllers replaces the controllers of bridge (short or full name)
// with targets, using the controller settings of opts (its Controllers
// field is ignored). No targets removes every controller.
func (o *OVS) SetControllers(bridge string, opts BridgeOptions, targets ...string) error {
	b := o.lookupBridge(bridge)
	if b == nil {
		return fmt.Errorf("ovslab: set controllers: no bridge %q", bridge)
	}
	opts.Controllers = targets
	args, err := controllerArgs(b.Name, opts)
	if err != nil {
		return err
	}
	if len(targets) == 0 {
		args = []string{"del-controller", b.Name}
	}
	if _, err := o.Vsctl(args...); err != nil {
		return fmt.Errorf("ovslab: set controllers of %s: %w", b.Name, err)
	}
	return nil
}

// DelBridge deletes a bridge (short or full name) and its ports.
func (o *OVS) DelBridge(bridge string) error {
	b := o.lookupBridge(bridge)
	if b == nil {
		return fmt.Errorf("ovslab: delete bridge: no bridge %q", bridge)
	}
	if _, err := o.Vsctl("--if-exists", "del-br", b.Name); err != nil {
		return fmt.Errorf("ovslab: delete bridge %s: %w", b.Name, err)
	}
	o.mu.Lock()
	delete(o.bridges, b.Name)
	o.mu.Unlock()
	return nil
}

// Bridge returns the bridge with the given short or full name, or nil.
func (o *OVS) Bridge(name string) *Bridge { return o.lookupBridge(name) }

// Bridges returns the instance's bridges sorted by name.
func (o *OVS) Bridges() []*Bridge {
	o.mu.Lock()
	defer o.mu.Unlock()
	bs := make([]*Bridge, 0, len(o.bridges))
	for _, b := range o.bridges {
		bs = append(bs, b)
	}
	slices.SortFunc(bs, func(a, b *Bridge) int { return strings.Compare(a.Name, b.Name) })
	return bs
}

func (o *OVS) lookupBridge(name string) *Bridge {
	o.mu.Lock()
	defer o.mu.Unlock()
	if b, ok := o.bridges[name]; ok {
		return b
	}
	if o.suffix == "" {
		return nil
	}
	return o.bridges[o.Name(name)]
}

// OFPort returns the OpenFlow port number of an interface: a host's link
// (h.Link), or a bridge's full name for its local port (65534). It fails
// for an interface OVS has not (yet) given a port number.
func (o *OVS) OFPort(iface string) (int, error) {
	out, err := o.Vsctl("get", "Interface", iface, "ofport")
	if err != nil {
		return 0, fmt.Errorf("ovslab: ofport of %s: %w", iface, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		return 0, fmt.Errorf("ovslab: ofport of %s: %q: %w", iface, strings.TrimSpace(out), err)
	}
	if n <= 0 {
		return 0, fmt.Errorf("ovslab: ofport of %s: not assigned (%d)", iface, n)
	}
	return n, nil
}

// SetPortConfig changes an OpenFlow port's configuration with
// `ovs-ofctl mod-port BRIDGE PORT ACTION`, where action is one of up,
// down, stp, no-stp, receive, no-receive, forward, no-forward, flood,
// no-flood, packet-in, no-packet-in. It makes the switch send a
// PORT_STATUS to its controllers.
func (o *OVS) SetPortConfig(bridge, port, action string) error {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	if _, err := o.OfctlContext(ctx, nil, "mod-port", bridge, port, action); err != nil {
		return fmt.Errorf("ovslab: mod-port %s %s %s: %w", bridge, port, action, err)
	}
	return nil
}

// AddFlows adds flow entries, in ovs-ofctl syntax, to bridge (short or
// full name) in one ovs-ofctl call.
func (o *OVS) AddFlows(bridge string, flows ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	in := strings.NewReader(strings.Join(flows, "\n") + "\n")
	if _, err := o.OfctlContext(ctx, in, "add-flows", bridge, "-"); err != nil {
		return fmt.Errorf("ovslab: add flows to %s: %w", bridge, err)
	}
	return nil
}
