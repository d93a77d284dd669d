#!/usr/bin/env bash
# Neovim plugin tests: headless nvim (0.7+) runs tests/nvim/plan.lua (the plugin)
# and tests/nvim/lsp.lua (`strata lsp` through Neovim's LSP client) against a
# temporary SQLite project. Installs Debian's neovim when it is missing (as
# root), builds target/debug/strata when it is missing. Prints `N passed, N failed`.
#   bash tests/nvim/run.sh            (STRATA_BIN=… to use another binary)
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v nvim >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing neovim (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  else
    echo "nvim not found: install Neovim 0.7 or newer (apt-get install neovim)" >&2
    exit 1
  fi
fi

bin="${STRATA_BIN:-target/debug/strata}"
if [ ! -x "$bin" ]; then
  echo "== building strata (cargo build -p strata-cli)"
  cargo build -q -p strata-cli
fi
STRATA_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export STRATA_BIN

echo "== neovim plugin tests ($(nvim --version | head -1), $STRATA_BIN)"
status=0
timeout 300 nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/plan.lua' </dev/null || status=1

echo "== language server through Neovim's LSP client (tests/nvim/lsp.lua)"
timeout 300 nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/lsp.lua' </dev/null || status=1
exit "$status"
