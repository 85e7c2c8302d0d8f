# Sourced by the scripts: puts Node 22+ and the real pulumi engine on PATH, offline.
# shellcheck shell=bash
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mapfile -t _engine < <(bash "$repo/scripts/engine.sh")
export UPCHAIN_ENGINE_PATH=${_engine[0]}
export PATH="${_engine[1]}:${_engine[0]}:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_HOME=${PULUMI_HOME:-${UPCHAIN_CACHE:-/var/cache/upchain}/pulumi-home}
unset _engine

# npm ci only when package-lock.json changed since the last install.
ensure_node_modules() {
  local stamp="$repo/node_modules/.upchain-lock-sha"
  local want; want=$(sha256sum "$repo/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    (cd "$repo" && npm ci --no-audit --no-fund >&2) && echo "$want" > "$stamp"
  fi
}
