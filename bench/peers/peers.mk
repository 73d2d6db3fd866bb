# bench/peers/peers.mk - the benchmark's peers, included by the root Makefile.
#
#   make peers    the Node.js twin (npm ci, then bundled as `sam build` does for
#                 BuildMethod: esbuild) and cargo lambda in .venv
#
# aws-lambda-ric builds a native addon (aws-lambda-cpp, curl) with node-gyp: it needs
# Debian's cmake, autoconf, automake and libtool, installed here when missing.

PEER_NODE := bench/peers/node
PEER_NODE_DEPS := $(PEER_NODE)/node_modules/.package-lock.json
PEER_NODE_BUILD := $(PEER_NODE)/.aws-sam/build/UserFunction/bootstrap
PEER_APT := cmake autoconf automake libtool

.PHONY: peers

$(PEER_NODE_DEPS): $(PEER_NODE)/package.json $(PEER_NODE)/package-lock.json
	@command -v cmake >/dev/null && command -v autoreconf >/dev/null && command -v libtoolize >/dev/null \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PEER_APT) >/dev/null; }
	npm ci --prefix $(PEER_NODE) --no-audit --no-fund --loglevel=error
	touch $@

$(PEER_NODE_BUILD): $(PEER_NODE_DEPS) $(PEER_NODE)/build.mjs $(PEER_NODE)/runtime/bootstrap $(wildcard $(PEER_NODE)/src/*.mjs $(PEER_NODE)/src/lib/*.mjs)
	node $(PEER_NODE)/build.mjs

## peers: the Node.js twin and cargo lambda, for `make bench` and its smoke test.
peers: $(PEER_NODE_BUILD) $(LAMBDA_TOOLS)

# The side-by-side comparison needs them; its smoke test runs in unit-test.
bench unit-test: peers
