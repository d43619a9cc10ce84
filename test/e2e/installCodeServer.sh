#!/usr/bin/env bash
# Installs what the end-to-end tests need, without downloading anything but npm and Debian
# packages: code-server (a real VS Code 1.100.3 server + web workbench) and playwright-core
# into a cache folder, and Debian's Chromium and ripgrep. Idempotent: a second run with
# everything in place takes about a second. Reads no stdin.
#
#   bash test/e2e/installCodeServer.sh
#
# Env: INHOUSE_E2E_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/inhouse-e2e) holds
#      code-server-<version>/; keep it in step with test/e2e/codeServer.mjs.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_CORE_VERSION=1.65.1
# @vscode/ripgrep as pinned by code-server 4.100.3's lib/vscode/npm-shrinkwrap.json, and the
# ripgrep release its lib/postinstall.js asks for (const VERSION). Its postinstall would fetch
# that release from GitHub; it uses "$TMPDIR/vscode-ripgrep-cache-<pkg>/<asset>" instead when
# the file is there, and untars it into its bin/ expecting a top-level `rg`.
VSCODE_RIPGREP_VERSION=1.15.11
RIPGREP_RELEASE=v13.0.0-10

CACHE="${INHOUSE_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/inhouse-e2e}"
DEST="$CACHE/code-server-$CODE_SERVER_VERSION"

# code-server writes a default config.yaml under $XDG_CONFIG_HOME on any start, --version too.
# The first start also prints "Wrote default config file" on stdout: keep only the version line.
cs_version() { XDG_CONFIG_HOME="$CACHE/xdg" "$DEST/node_modules/.bin/code-server" --version </dev/null 2>/dev/null | sed -n '/^[0-9]/p'; }
say() { printf '[installCodeServer] %s\n' "$*"; }
die() { printf '[installCodeServer] error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------------------
# chromium: the browser playwright-core drives (playwright cannot download its own here).
# ripgrep: its rg stands in for the one @vscode/ripgrep would download.
# libkrb5-dev: headers for code-server's `kerberos` native module.
# g++/make/python3: node-gyp builds kerberos, node-pty, spdlog, native-watchdog, argon2.
need=()
for pkg in chromium ripgrep libkrb5-dev; do
  if [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]; then
    need+=("$pkg")
  fi
done
for tool in g++ make python3; do
  command -v "$tool" >/dev/null || need+=("$tool") # the Debian package has the tool's name
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to apt-get install ${need[*]}"
    SUDO="sudo -n"
  fi
  say "apt-get install ${need[*]}"
  $SUDO apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" </dev/null >/dev/null
fi

# --- Node and its headers --------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || die "code-server $CODE_SERVER_VERSION's postinstall requires Node 20; this is $(node -v)"
node_version=$(node -p 'process.versions.node')

# node-gyp must build against the running Node's own headers: there is no internet to fetch
# them. NodeSource's nodejs package ships them in /usr/include/node (Debian's libnode-dev is
# Node 18's: wrong ABI, don't use it).
has_headers() { [ -f "$1/include/node/node_api.h" ] && grep -q "define NODE_MAJOR_VERSION $node_major\$" "$1/include/node/node_version.h" 2>/dev/null; }
NODEDIR=""
for cand in "${npm_config_nodedir:-}" "$(npm config get nodedir 2>/dev/null || true)" \
  "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local \
  "$HOME/.cache/node-gyp/$node_version"; do
  if [ -n "$cand" ] && [ "$cand" != undefined ] && [ "$cand" != null ] && has_headers "$cand"; then
    NODEDIR="$cand"
    break
  fi
done
[ -n "$NODEDIR" ] || die "no Node $node_major headers found (looked for <dir>/include/node/node_api.h); install the nodejs package that ships them"

# --- Already installed? ----------------------------------------------------------------
# One installer at a time per cache (two CI runs, or a developer and a test run).
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 900 9 || die "another installCodeServer.sh holds $CACHE/.lock"
if [ -f "$DEST/.installed" ] && [ -x "$DEST/node_modules/.bin/code-server" ] &&
  [ -d "$DEST/node_modules/playwright-core" ] &&
  [[ "$(cs_version)" == "$CODE_SERVER_VERSION "* ]]; then
  say "code-server $CODE_SERVER_VERSION and playwright-core already in $DEST"
  exit 0
fi

# --- ripgrep download cache --------------------------------------------------------------
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-musl ;;
  *) die "unsupported architecture $(uname -m)" ;;
esac
# A private TMPDIR: the cache is looked up under os.tmpdir(), and npm's own temp files go
# there too, so nothing of this leaks into /tmp.
export TMPDIR="$CACHE/tmp"
rg_cache="$TMPDIR/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION"
rg_asset="$rg_cache/ripgrep-$RIPGREP_RELEASE-$rg_target.tar.gz"
mkdir -p "$rg_cache"
if [ ! -s "$rg_asset" ]; then
  stage=$(mktemp -d)
  cp "$(command -v rg)" "$stage/rg"
  chmod 755 "$stage/rg"
  tar -czf "$rg_asset" -C "$stage" rg
  rm -rf "$stage"
  say "seeded $rg_asset with $(command -v rg) ($(rg --version | sed -n 1p))"
fi

# --- npm install -----------------------------------------------------------------------
say "installing code-server@$CODE_SERVER_VERSION and playwright-core@$PLAYWRIGHT_CORE_VERSION into $DEST (about a minute)"
rm -rf "$DEST"
mkdir -p "$DEST"
cat >"$DEST/package.json" <<EOF
{ "name": "inhouse-e2e-tools", "private": true, "description": "Written by test/e2e/installCodeServer.sh" }
EOF
export npm_config_nodedir="$NODEDIR"
# code-server's postinstall.sh refuses to run as root unless this is set (it reads the env var
# itself; npm 11 warns that it does not know the option: harmless).
export npm_config_unsafe_perm=true
export npm_config_yes=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# npm >= 11.1x skips dependencies' install scripts unless allowed. code-server's postinstall
# runs `npm install` again inside lib/vscode and lib/vscode/extensions, and npm passes its
# config to those as env vars, where an allow-scripts list is an error (EALLOWSCRIPTS:
# "not allowed in project-scoped installs"). So allow them all, for this pinned,
# shrinkwrapped install only. Older npm ignores the setting (and runs scripts anyway).
export npm_config_dangerously_allow_all_scripts=true
start=$(date +%s)
(cd "$DEST" && npm install --save-exact --no-audit --no-fund --loglevel=error \
  "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION" </dev/null)

# --- Check the parts that fail silently --------------------------------------------------
vs="$DEST/node_modules/code-server/lib/vscode"
[ -x "$vs/node_modules/@vscode/ripgrep/bin/rg" ] || die "@vscode/ripgrep has no bin/rg: was its postinstall skipped, or did its version change (expected $VSCODE_RIPGREP_VERSION)?"
for mod in kerberos/build/Release/kerberos.node node-pty/build/Release/pty.node @vscode/spdlog/build/Release/spdlog.node; do
  [ -f "$vs/node_modules/$mod" ] || die "native module $mod was not built: install scripts skipped?"
done
[[ "$(cs_version)" == "$CODE_SERVER_VERSION "* ]] || die "code-server --version does not answer $CODE_SERVER_VERSION"
date -u +%FT%TZ >"$DEST/.installed"
say "done in $(($(date +%s) - start)) s: $(cs_version)"
