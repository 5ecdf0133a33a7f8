#!/bin/sh
# demo.sh: the oflb lab demo end to end on a fresh Debian machine, as root.
#
# It installs the Debian packages the lab needs if any is missing
# (openvswitch-switch mininet ethtool iproute2), builds bin/oflb and
# bin/oflb-lab with Go (/usr/local/go/bin is added to PATH), and runs
# `bin/oflb-lab demo`: oflb serve with policy/examples, a private Open
# vSwitch instance (userspace datapath) with client and backend hosts in
# network namespaces, requests to every VIP, the spread over the backends,
# the controller's and the switch's view, and a clean teardown (also on
# Ctrl-C). Arguments go to `oflb-lab demo`, e.g. scripts/demo.sh --requests 600.
# The exit status is the demo's.
set -eu

cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (the lab makes network namespaces, veth pairs and an Open vSwitch instance)" >&2
	exit 1
fi

PKGS="openvswitch-switch mininet ethtool iproute2"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "==> installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

if ! command -v go >/dev/null 2>&1; then
	echo "demo.sh: no Go toolchain (looked in PATH and /usr/local/go/bin)" >&2
	exit 1
fi

echo "==> building bin/oflb and bin/oflb-lab"
mkdir -p bin
go build -o bin/oflb ./cmd/oflb
go build -o bin/oflb-lab ./ovs-lab/cmd/oflb-lab

exec bin/oflb-lab demo --oflb bin/oflb "$@"
