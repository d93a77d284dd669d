#!/usr/bin/env bash
# The VS Code extension in a real VS Code: code-server (VS Code in a browser,
# from npm) with the built strata.vsix, driven by headless Chromium through
# playwright-core. See tests/vscode/e2e.mjs for what is checked.
#
#   bash tests/vscode/run.sh        (= npm run test:vscode-e2e; `npm test` runs it
#                                    only when STRATA_VSCODE_E2E=1)
#
# Environment:
#   STRATA_E2E_CACHE   where code-server and playwright-core are prepared
#                      (default ~/.cache/strata-e2e; reused once prepared)
#   STRATA_E2E_OUT     screenshots and logs (default target/vscode-e2e)
#   STRATA_BIN         the strata binary (default: cargo build -p strata-cli,
#                      target/debug/strata)
#   STRATA_E2E_KEEP    1: keep the temporary project, user data and browser profile
#
# Needs Node 20, Debian's chromium and ripgrep, and, to build code-server's
# native modules, a C++ toolchain, python3, pkg-config, libkrb5-dev,
# libxkbfile-dev and libsecret-1-dev. As root with apt-get it installs the
# missing ones; otherwise it names them and stops.
set -euo pipefail
cd "$(dirname "$0")/../.."

# `npm test` passes --if-enabled: there the test runs only with STRATA_VSCODE_E2E=1.
if [ "${1:-}" = --if-enabled ] && [ "${STRATA_VSCODE_E2E:-}" != 1 ]; then
  echo "== VS Code e2e (code-server + Chromium) skipped: STRATA_VSCODE_E2E=1 npm test, or npm run test:vscode-e2e, runs it"
  exit 0
fi
repo="$(pwd)"

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
cache="${STRATA_E2E_CACHE:-$HOME/.cache/strata-e2e}"
out="${STRATA_E2E_OUT:-$repo/target/vscode-e2e}"
mkdir -p "$cache" "$out"
cache="$(cd "$cache" && pwd)"
out="$(cd "$out" && pwd)"

log() { printf '== %s\n' "$*"; }
die() { printf 'vscode e2e: %s\n' "$*" >&2; exit 1; }

# ---- prerequisites -------------------------------------------------------
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$node_major" = 20 ] || die "code-server $CODE_SERVER_VERSION needs Node 20 (found: $(node --version 2>/dev/null || echo none))"

need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v rg >/dev/null 2>&1 || need_pkgs+=(ripgrep)
command -v pkg-config >/dev/null 2>&1 || need_pkgs+=(pkg-config)
command -v g++ >/dev/null 2>&1 || need_pkgs+=(g++)
command -v make >/dev/null 2>&1 || need_pkgs+=(make)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
for p in libkrb5-dev libxkbfile-dev libsecret-1-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing ${need_pkgs[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    die "missing: ${need_pkgs[*]}. Install them (Debian: sudo apt-get install ${need_pkgs[*]}) and run again."
  fi
fi

# node-gyp would download Node's headers; Debian's nodejs has them in /usr/include/node.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ] \
  && [ "$(node -p 'process.execPath')" = /usr/bin/node ]; then
  export npm_config_nodedir=/usr
fi

# ---- code-server, prepared once per version and Node ABI -----------------
abi="$(node -p process.versions.modules)"
cs_dir="$cache/code-server-$CODE_SERVER_VERSION-node$abi"
if [ -f "$cs_dir/.prepared" ]; then
  log "code-server $CODE_SERVER_VERSION: cached in $cs_dir"
else
  log "preparing code-server $CODE_SERVER_VERSION in $cs_dir (once; several minutes)"
  rm -rf "$cs_dir" "$cs_dir.tmp"
  mkdir -p "$cs_dir.tmp"
  (
    set -e
    cd "$cs_dir.tmp"
    npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null
    tar xzf "code-server-$CODE_SERVER_VERSION.tgz"
    rm "code-server-$CODE_SERVER_VERSION.tgz"
    cd package
    npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
    (cd lib/vscode && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
    # @vscode/ripgrep's install script downloads rg: use Debian's instead.
    mkdir -p lib/vscode/node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" lib/vscode/node_modules/@vscode/ripgrep/bin/rg
    # The native modules (node-pty, @parcel/watcher, kerberos, …) for this Node.
    # node-pty's install script runs `npx node-gyp`, which must not prompt.
    (cd lib/vscode && npm_config_yes=true npm rebuild --loglevel=error)
    npm rebuild argon2 --loglevel=error
    # What code-server's own postinstall.sh does besides (it is skipped: as root
    # it stops unless npm has --unsafe-perm, and it would install everything again).
    ln -sfn node_modules lib/vscode/node_modules.asar
    ln -sfn code-linux.sh lib/vscode/bin/remote-cli/code-server
    ln -sfn browser-linux.sh lib/vscode/bin/helpers/browser.sh
    (cd lib/vscode/extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  ) >"$out/prepare-code-server.log" 2>&1 || {
    tail -40 "$out/prepare-code-server.log" >&2
    die "preparing code-server failed; the whole log is $out/prepare-code-server.log"
  }
  echo "code-server $CODE_SERVER_VERSION node $(node --version) $(date -u +%FT%TZ)" >"$cs_dir.tmp/.prepared"
  mv "$cs_dir.tmp" "$cs_dir"
fi

pw_dir="$cache/playwright-core-$PLAYWRIGHT_VERSION"
if [ ! -f "$pw_dir/.prepared" ]; then
  log "installing playwright-core $PLAYWRIGHT_VERSION in $pw_dir"
  rm -rf "$pw_dir"
  mkdir -p "$pw_dir"
  (cd "$pw_dir" && echo '{"private":true}' >package.json \
    && npm install --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null) \
    || die "npm install playwright-core@$PLAYWRIGHT_VERSION failed"
  touch "$pw_dir/.prepared"
fi

# ---- the extension and the server ---------------------------------------
[ -x node_modules/.bin/vsce ] || { log "npm ci"; npm ci --no-audit --no-fund --loglevel=error; }
log "npm run package"
npm run package --silent >"$out/package.log" 2>&1 || { cat "$out/package.log" >&2; die "npm run package failed"; }
vsix="$repo/editors/vscode/strata.vsix"
[ -f "$vsix" ] || die "npm run package made no $vsix"

if [ -n "${STRATA_BIN:-}" ]; then
  bin="$STRATA_BIN"
else
  log "cargo build -p strata-cli"
  cargo build -q -p strata-cli
  bin="$repo/target/debug/strata"
fi
[ -x "$bin" ] || die "no strata binary at $bin"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# ---- run -----------------------------------------------------------------
chrome=/usr/lib/chromium/chromium
[ -x "$chrome" ] || chrome="$(command -v chromium)"

log "code-server $CODE_SERVER_VERSION + strata.vsix + $(basename "$chrome") ($bin)"
export E2E_CODE_SERVER="$cs_dir/package" E2E_PLAYWRIGHT="$pw_dir/node_modules/playwright-core" \
  E2E_CHROMIUM="$chrome" E2E_VSIX="$vsix" E2E_OUT="$out" STRATA_BIN="$bin"
# The driver stops code-server and the browser itself (on signals too). Should
# it be killed outright, their process groups (it writes *.pgid) go here.
# Everything temporary (the project, user data, the browser profile) is under
# one TMPDIR, removed here unless STRATA_E2E_KEEP=1.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/strata-vscode-e2e.XXXXXX")"
kill_leftovers() {
  local f
  for f in "$out/code-server.pgid" "$out/chromium.pgid"; do
    if [ -f "$f" ]; then
      kill -KILL -- "-$(cat "$f")" 2>/dev/null || true
      rm -f "$f"
    fi
  done
  [ "${STRATA_E2E_KEEP:-}" = 1 ] || rm -rf "$run_tmp"
}
trap kill_leftovers EXIT
TMPDIR="$run_tmp" timeout --kill-after=10 600 node tests/vscode/e2e.mjs
