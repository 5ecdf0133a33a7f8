"""Mininet topology of the oflb demo lab.

The same hosts and addresses as the Go lab (ovs-lab/lab.go, `oflb-lab up`)
and the example policy (policy/examples):

    clients   h1   10.0.0.1   (OpenFlow port 1)
              h2   10.0.0.2   (port 2)
              h3   10.0.0.3   (port 3)
    tenant-a  web1 10.0.0.11  (port 11)  HTTP :8080, DNS-style UDP :53
              web2 10.0.0.12  (port 12)
              web3 10.0.0.13  (port 13)  weight 0 in the policy: drained
    tenant-b  api1 10.0.0.21  (port 21)  HTTPS-style TCP :8443
              api2 10.0.0.22  (port 22)

    VIPs (answered by oflb, no host has them):
              10.0.0.100 tcp/80 -> web1..3:8080, udp/53 -> web1..2:53
              10.0.0.120 tcp/443 -> api1..2:8443

One Open vSwitch switch, s1: userspace datapath (there is no OVS kernel
module on the lab machines), fail mode secure (it forwards nothing that
oflb has not installed), OpenFlow 1.3 only, datapath id 1, connected to a
remote controller.

Run it (as root; Debian's openvswitch-switch service must be running,
`service openvswitch-switch start`):

    # 1. the controller, listening where mn will connect:
    #    a config file with `listen: ["127.0.0.1:6653"]` and
    #    `policy_dir: policy/examples`, then
    bin/oflb serve --config oflb.yaml

    # 2. the network:
    mn --custom ovs-lab/mininet/oflb_topo.py --topo oflb \
       --switch ovs,datapath=user,protocols=OpenFlow13 \
       --controller remote,ip=127.0.0.1,port=6653

    # 3. the backend servers, from the mininet> prompt:
    mininet> web1 python3 -m http.server 8080 &
    mininet> web2 python3 -m http.server 8080 &
    mininet> web3 python3 -m http.server 8080 &
    mininet> api1 python3 -m http.server 8443 &
    mininet> api2 python3 -m http.server 8443 &

    # 4. requests through the VIP (each a new connection, so a new flow):
    mininet> h1 curl -s -o /dev/null -w '%{remote_ip}\\n' http://10.0.0.100/
    mininet> h2 sh -c 'for i in $(seq 30); do curl -s -o /dev/null http://10.0.0.100/; done'
    mininet> sh ovs-ofctl -O OpenFlow13 dump-flows s1
    mininet> sh bin/oflb flows

    (http.server logs each request with the client address it saw: the
    client's own, because the VIP is translated back on the way out.)

Every host turns TX checksum offload off on its interface when it starts
(TxOffHost below): without that, TCP through the userspace datapath fails
(UDP and ping work, TCP connections hang).
"""

from mininet.node import Host
from mininet.topo import Topo

# Lab hosts: name, address, OpenFlow port on s1.
CLIENTS = [("h%d" % i, "10.0.0.%d" % i, i) for i in (1, 2, 3)]
BACKENDS = [
    ("web1", "10.0.0.11", 11),
    ("web2", "10.0.0.12", 12),
    ("web3", "10.0.0.13", 13),
    ("api1", "10.0.0.21", 21),
    ("api2", "10.0.0.22", 22),
]


def lab_mac(addr):
    """The lab's MAC for a host address: 02:00:00:00:00:<last byte>."""
    return "02:00:00:00:00:%02x" % int(addr.rsplit(".", 1)[1])


class TxOffHost(Host):
    """A host whose interface has TX checksum offload off (needed for TCP
    through OVS's userspace datapath)."""

    def config(self, **params):
        result = super().config(**params)
        for intf in self.intfList():
            if intf.name != "lo":
                self.cmd("ethtool -K", intf.name, "tx off")
        return result


class OflbTopo(Topo):
    """Clients h1..h3 and backends web1..3, api1..2 on one secure-mode,
    OpenFlow 1.3, userspace-datapath OVS switch s1."""

    def build(self):
        s1 = self.addSwitch(
            "s1",
            dpid="0000000000000001",
            datapath="user",
            failMode="secure",
            protocols="OpenFlow13",
        )
        for name, addr, port in CLIENTS + BACKENDS:
            host = self.addHost(name, cls=TxOffHost, ip=addr + "/24", mac=lab_mac(addr))
            self.addLink(host, s1, port2=port)


topos = {"oflb": OflbTopo}
