# oflb: build, test and demo. Every target installs what it needs on a fresh
# Debian machine (as root), so `make demo` and `make test` work from a clone.

export PATH := /usr/local/go/bin:$(PATH)
GO      ?= go
PKGS    ?= ./...
# Debian packages the lab and the integration tests need.
APT_PKGS = openvswitch-switch mininet ethtool iproute2 iputils-ping

.PHONY: all build deps test bench fuzz demo clean

all: build

build:
	$(GO) build -o bin/oflb ./cmd/oflb
	$(GO) build -o bin/oflb-lab ./ovs-lab/cmd/oflb-lab

# deps installs the lab's Debian packages if any is missing, and the Go
# modules.
deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(GO) mod download

# test runs every test with the race detector: unit tests, fuzz seed corpora
# (replayed, not fuzzed), integration and e2e suites against real Open
# vSwitch, then every benchmark once so they stay runnable.
test: deps
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 30m $(PKGS)
	$(GO) test -run '^$$' -bench . -benchtime 1x -count=1 $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs every fuzz target of every package for FUZZTIME each (make
# test only replays the seed corpora in testdata/fuzz).
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# demo runs the lab demo end to end: scripts/demo.sh installs the lab's
# Debian packages if missing, builds bin/oflb and bin/oflb-lab, and runs
# bin/oflb-lab demo. ARGS go to the demo, e.g. make demo ARGS="--requests 600".
demo:
	scripts/demo.sh $(ARGS)

clean:
	rm -rf bin
