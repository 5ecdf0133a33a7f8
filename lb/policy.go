package lb

import (
	"fmt"
	"time"

	"github.com/oflb/oflb/openflow"
	"github.com/oflb/oflb/policy"
)

// FromPolicy converts a validated policy into the load balancer's
// configuration. It refuses what this version does not implement yet
// (modes other than reactive) with a policy.ErrorList naming every such
// VIP's file, line and column, so that the policy is rejected as a whole
// and the running one stays.
func FromPolicy(p *policy.Policy, fwd Forwarding) (Config, error) {
	cfg := Config{Forwarding: fwd}
	var errs policy.ErrorList
	for _, v := range p.VIPs() {
		if v.Mode != policy.Reactive && v.Mode != 0 {
			errs = append(errs, policy.Error{Pos: v.Pos, Reason: fmt.Sprintf("VIP %s: mode %v is not supported by this version (only reactive)", v.FullName(), v.Mode)})
			continue
		}
		sched, err := ParseSchedulerKind(v.Scheduler.String())
		if err != nil {
			errs = append(errs, policy.Error{Pos: v.Pos, Reason: fmt.Sprintf("VIP %s: %v", v.FullName(), err)})
			continue
		}
		lv := VIP{
			ID: uint16(v.ID), Tenant: v.Tenant, Name: v.Name,
			Addr: v.Address, Port: v.Port, Proto: uint8(v.Protocol),
			Scheduler:          sched,
			IdleTimeout:        time.Duration(v.IdleTimeout) * time.Second,
			HardTimeout:        time.Duration(v.HardTimeout) * time.Second,
			TranslatePort:      v.NAT.TranslatePort,
			DirectServerReturn: !v.NAT.TranslateAddress,
			NoARP:              v.NAT.ARP == policy.NoARP,
			ConnLimit:          int(v.ConnectionLimit),
			StatsInterval:      v.Stats.Interval,
		}
		switch v.Stats.Policy {
		case policy.StatsPerFlow:
			lv.Stats = StatsPerFlow
		case policy.StatsNone:
			lv.Stats = StatsNone
		}
		if v.MACSet {
			lv.MAC = openflow.MAC(v.MAC)
		} else {
			lv.MAC = openflow.MAC(policy.DerivedMAC(v.Address))
		}
		if v.UnknownPort == policy.UnknownDrop {
			lv.UnknownPort = UnknownDrop
		}
		for _, b := range v.Backends {
			lv.Backends = append(lv.Backends, Backend{ID: uint16(b.ID), Name: b.Name, Addr: b.Address, Port: b.Port, Weight: int(b.Weight)})
		}
		cfg.VIPs = append(cfg.VIPs, lv)
	}
	if len(errs) > 0 {
		return Config{}, errs
	}
	return cfg, nil
}
