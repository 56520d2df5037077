#!/usr/bin/env bash
# Installs the real validators svcspec's outputs are proven with into a cached folder
# (default: .tools/ in the repo, git-ignored). Idempotent: a tool already at its pinned
# version is left alone, so CI and fresh machines get the same binaries.
#
#   promtool, amtool   Debian prometheus / prometheus-alertmanager (extracted, no daemons started;
#                      with Debian's tzdata through ZONEINFO on a machine without /usr/share/zoneinfo,
#                      SVCSPEC_SYSTEM_ZONEINFO names another system folder)
#   luajit             Debian luajit + libluajit (extracted, wrapped with LD_LIBRARY_PATH)
#   luacheck           Debian lua-check + lua-argparse + lua-filesystem (extracted, run by that luajit)
#   opa, k6, kubeconform   go install at pinned versions
#   goyaml             scripts/goyaml: prints what Go's yaml.v2 / yaml.v3 read from a YAML file (the
#                      readers of Prometheus, Alertmanager and kubectl), built with the Go toolchain
#   sloth              go install at a pinned version: the reference `svcspec import sloth` is
#                      tested against (test/consumer/sloth.test.ts); only in a clone or with
#                      SVCSPEC_SLOTH=1
#   kube-schemas       kubeconform's schemas of the custom resources, from the CRDs in ../shared/crds
#                      or $SVCSPEC_CRDS; without them the rest is installed and the script still
#                      succeeds (SVCSPEC_REQUIRE_CRDS=1: it fails)
#
# Usage: scripts/setup-tools.sh [--check]   (--check: report only, install nothing)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${SVCSPEC_TOOLS:-$ROOT/.tools}
BIN=$TOOLS/bin
mkdir -p "$BIN" "$TOOLS/debs" "$TOOLS/root"

OPA_VERSION=v1.22.2
K6_VERSION=v2.1.0
KUBECONFORM_VERSION=v0.7.0
SLOTH_VERSION=v0.16.0
PROMETHEUS_DEB_VERSION=2.42.0
ALERTMANAGER_DEB_VERSION=0.25.0
LUACHECK_DEB_VERSION=1.1.0

log() { printf 'setup-tools: %s\n' "$*" >&2; }

# retry <command...>: three tries, 2 s and 5 s apart; the package mirrors and the Go module proxy
# are the only network this script uses, and one dropped connection must not fail CI.
retry() {
  local n delay=2
  for n in 1 2 3; do
    "$@" && return 0
    [ "$n" = 3 ] && return 1
    log "retrying in ${delay}s: $*"; sleep "$delay"; delay=5
  done
}

stamp_ok() { [ -f "$TOOLS/.stamp-$1" ] && [ "$(cat "$TOOLS/.stamp-$1")" = "$2" ] && [ -x "$BIN/$1" ]; }
stamp() { printf '%s' "$2" > "$TOOLS/.stamp-$1"; }

apt_updated=0
deb_fetch() { # deb_fetch <package>: downloads the .deb into $TOOLS/debs (cached)
  local pkg=$1
  if ls "$TOOLS/debs/${pkg}"_*.deb >/dev/null 2>&1; then return 0; fi
  ( cd "$TOOLS/debs" && apt-get download "$pkg" >/dev/null 2>&1 ) && return 0
  if [ "$apt_updated" = 0 ] && [ "$(id -u)" = 0 ]; then
    log "apt-get update"; retry apt-get update >/dev/null; apt_updated=1
  fi
  ( cd "$TOOLS/debs" && retry apt-get download "$pkg" >/dev/null ) && return 0
  log "cannot download Debian package $pkg"; return 1
}

deb_extract() { # deb_extract <package>
  deb_fetch "$1"
  dpkg-deb -x "$(ls "$TOOLS/debs/${1}"_*.deb | head -1)" "$TOOLS/root"
}

install_promtool() {
  stamp_ok promtool "$PROMETHEUS_DEB_VERSION" && return 0
  log "installing promtool (Debian prometheus $PROMETHEUS_DEB_VERSION)"
  deb_extract prometheus
  ln -sf "$TOOLS/root/usr/bin/promtool" "$BIN/promtool"
  "$BIN/promtool" --version 2>&1 | grep -q "version $PROMETHEUS_DEB_VERSION" || { log "promtool is not $PROMETHEUS_DEB_VERSION"; return 1; }
  stamp promtool "$PROMETHEUS_DEB_VERSION"
}

install_alertmanager() {
  stamp_ok amtool "$ALERTMANAGER_DEB_VERSION" && stamp_ok alertmanager "$ALERTMANAGER_DEB_VERSION" && return 0
  log "installing amtool and alertmanager (Debian prometheus-alertmanager $ALERTMANAGER_DEB_VERSION)"
  deb_extract prometheus-alertmanager
  rm -f "$BIN/amtool" "$BIN/alertmanager"
  if [ -e "${SVCSPEC_SYSTEM_ZONEINFO:-/usr/share/zoneinfo}/Europe/Berlin" ]; then
    ln -sf "$TOOLS/root/usr/bin/amtool" "$BIN/amtool"
    ln -sf "$TOOLS/root/usr/bin/prometheus-alertmanager" "$BIN/alertmanager"
  else
    # Debian's Alertmanager reads zones (business hours) from the system tzdata; a machine
    # without it gets Debian's tzdata here, through Go's ZONEINFO.
    log "no system tzdata: using Debian tzdata for alertmanager and amtool"
    deb_extract tzdata
    local t
    for t in amtool:amtool alertmanager:prometheus-alertmanager; do
      printf '#!/bin/sh\nexport ZONEINFO="%s"\nexec "%s" "$@"\n' "$TOOLS/root/usr/share/zoneinfo" "$TOOLS/root/usr/bin/${t#*:}" > "$BIN/${t%%:*}"
      chmod +x "$BIN/${t%%:*}"
    done
  fi
  "$BIN/amtool" --version 2>&1 | grep -q "version $ALERTMANAGER_DEB_VERSION" || { log "amtool is not $ALERTMANAGER_DEB_VERSION"; return 1; }
  stamp amtool "$ALERTMANAGER_DEB_VERSION"; stamp alertmanager "$ALERTMANAGER_DEB_VERSION"
}

# Debian's alertmanager reads its default notification template from a fixed system path; point
# that path at the extracted package (needs root, as CI and the dev machines are).
link_alertmanager_templates() {
  local dir=/usr/share/prometheus/alertmanager f
  for f in "$TOOLS/root$dir"/*; do
    [ -e "$dir/$(basename "$f")" ] && continue
    if ! { mkdir -p "$dir" 2>/dev/null && ln -sf "$f" "$dir/$(basename "$f")" 2>/dev/null; }; then
      log "cannot link $dir/$(basename "$f") (not root?): a real Alertmanager will not start"; return 1
    fi
  done
}

install_luajit() {
  stamp_ok luajit 2.1-sh && return 0
  log "installing luajit (Debian luajit)"
  deb_extract libluajit-5.1-2
  deb_extract libluajit-5.1-common
  deb_extract luajit
  local real
  real=$(ls "$TOOLS"/root/usr/bin/luajit-2.1* 2>/dev/null | head -1)
  [ -n "$real" ] || real=$TOOLS/root/usr/bin/luajit
  local libdir
  libdir=$(dirname "$(find "$TOOLS/root" -name 'libluajit-5.1.so.2*' | head -1)")
  # /bin/sh, not bash: bash warns on stderr when LC_ALL names a locale the machine lacks, and the
  # tests hold the filter's stderr to be empty
  cat > "$BIN/luajit" <<WRAP
#!/bin/sh
export LD_LIBRARY_PATH="$libdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export LUA_PATH="$TOOLS/root/usr/share/luajit-2.1/?.lua;$TOOLS/root/usr/share/luajit-2.1.0-beta3/?.lua;\${LUA_PATH:-;}"
exec "$real" "\$@"
WRAP
  chmod +x "$BIN/luajit"
  "$BIN/luajit" -v >/dev/null
  stamp luajit 2.1-sh
}

# luacheck is Lua: Debian's script and modules (packaged for Lua 5.1) run on the luajit above, so
# redact.lua is linted by the Lua that Fluent Bit embeds and no lua5.1 is needed.
install_luacheck() {
  stamp_ok luacheck "$LUACHECK_DEB_VERSION" && return 0
  log "installing luacheck (Debian lua-check $LUACHECK_DEB_VERSION)"
  deb_extract lua-check
  deb_extract lua-argparse
  deb_extract lua-filesystem
  local lfs
  lfs=$(find "$TOOLS/root/usr/lib" -path '*/lua/5.1/lfs.so' | head -1)
  [ -n "$lfs" ] || { log "lua-filesystem has no lfs.so for Lua 5.1"; return 1; }
  cat > "$BIN/luacheck" <<WRAP
#!/bin/sh
export LUA_PATH="$TOOLS/root/usr/share/lua/5.1/?.lua;$TOOLS/root/usr/share/lua/5.1/?/init.lua;\${LUA_PATH:-;}"
export LUA_CPATH="$(dirname "$lfs")/?.so;\${LUA_CPATH:-;}"
exec "$BIN/luajit" "$TOOLS/root/usr/bin/luacheck" "\$@"
WRAP
  chmod +x "$BIN/luacheck"
  "$BIN/luacheck" --version 2>&1 | grep -q "Luacheck: $LUACHECK_DEB_VERSION" || { log "luacheck is not $LUACHECK_DEB_VERSION"; return 1; }
  stamp luacheck "$LUACHECK_DEB_VERSION"
}

go_tool() { # go_tool <binary> <module> <version> <package> [ldflags]
  local bin=$1 mod=$2 ver=$3 pkg=$4 ldflags=${5:-}
  stamp_ok "$bin" "$ver" && return 0
  command -v go >/dev/null || { log "go is not installed: cannot build $bin"; return 1; }
  log "building $bin from $mod@$ver"
  # A throwaway module pins the version; unlike `go install mod@ver` it does not ask the
  # proxy for the module's version list (which is not served for go.k6.io/k6/v2).
  local work=$TOOLS/build/$bin
  rm -rf "$work"; mkdir -p "$work"
  printf 'module svcspec.local/tools/%s\n\ngo 1.22\n\nrequire %s %s\n' "$bin" "$mod" "$ver" > "$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" > "$work/tools.go"
  ( cd "$work" && GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 retry go build -ldflags "$ldflags" -o "$BIN/$bin" "$pkg" ) || { log "go build of $bin failed"; return 1; }
  stamp "$bin" "$ver"
}

# goyaml is svcspec's own (scripts/goyaml, modules pinned by its go.sum): rebuilt when its source
# changes, which the stamp (a hash of the folder's files) records.
install_goyaml() {
  local src=$ROOT/scripts/goyaml sum
  sum=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
  stamp_ok goyaml "$sum" && return 0
  command -v go >/dev/null || { log "go is not installed: cannot build goyaml"; return 1; }
  log "building goyaml from scripts/goyaml"
  ( cd "$src" && GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 retry go build -o "$BIN/goyaml" . ) || { log "go build of goyaml failed"; return 1; }
  stamp goyaml "$sum"
}

if [ "${1:-}" = --check ]; then
  for t in promtool amtool alertmanager luajit luacheck opa k6 kubeconform goyaml sloth; do
    if [ -x "$BIN/$t" ]; then echo "ok      $t"; else echo "missing $t"; fi
  done
  if [ -f "$TOOLS/kube-schemas/.done" ]; then echo "ok      kube-schemas"; else echo "missing kube-schemas (custom resources unchecked)"; fi
  exit 0
fi

failed=0
install_promtool || failed=1
install_alertmanager || failed=1
link_alertmanager_templates || failed=1
install_luajit || failed=1
install_luacheck || failed=1
go_tool opa github.com/open-policy-agent/opa "$OPA_VERSION" github.com/open-policy-agent/opa || failed=1
go_tool kubeconform github.com/yannh/kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform "-X main.version=$KUBECONFORM_VERSION" || failed=1
go_tool k6 go.k6.io/k6/v2 "$K6_VERSION" go.k6.io/k6/v2 || failed=1
install_goyaml || failed=1
# Sloth is the reference of svcspec's own differential test, not a validator of your output: built
# in a clone (which has that test) or with SVCSPEC_SLOTH=1.
if [ -d "$ROOT/test/fixtures/sloth" ] || [ "${SVCSPEC_SLOTH:-}" = 1 ]; then
  go_tool sloth github.com/slok/sloth "$SLOTH_VERSION" github.com/slok/sloth/cmd/sloth || failed=1
fi

# kubeconform reads CRD kinds offline from schemas converted from ../shared/crds (Chaos Mesh,
# k6-operator, prometheus-operator). SVCSPEC_CRDS points elsewhere. A clone without them still gets
# every validator: only the custom-resource checks go (their tests skip, `svcspec verify` reports
# them missing), unless SVCSPEC_REQUIRE_CRDS=1 (CI) makes that a failure.
CRDS=${SVCSPEC_CRDS:-$ROOT/../shared/crds}
crds_missing=0
if [ -d "$CRDS" ]; then
  if [ ! -f "$TOOLS/kube-schemas/.done" ] || [ "$CRDS" -nt "$TOOLS/kube-schemas/.done" ]; then
    rm -rf "$TOOLS/kube-schemas"
    node "$ROOT/scripts/crd-schemas.mjs" "$CRDS" "$TOOLS/kube-schemas" && touch "$TOOLS/kube-schemas/.done" || failed=1
  fi
elif [ -f "$TOOLS/kube-schemas/.done" ]; then
  log "no CRD folder at $CRDS: keeping the custom-resource schemas converted before in $TOOLS/kube-schemas"
else
  crds_missing=1
  log "no CRD folder at $CRDS (set SVCSPEC_CRDS to a folder of CRDs): kubeconform cannot check the custom resources"
  log "(Chaos Mesh, k6-operator, prometheus-operator), so their tests skip and \`svcspec verify\` reports them missing"
  [ "${SVCSPEC_REQUIRE_CRDS:-}" = 1 ] && { log "SVCSPEC_REQUIRE_CRDS=1: the custom-resource schemas are required"; failed=1; }
fi

if [ "$failed" = 1 ]; then log "some tools failed to install"; exit 1; fi
if [ "$crds_missing" = 1 ]; then log "all validators in $BIN; custom resources unchecked (no CRDs)"; else log "all validators in $BIN"; fi
