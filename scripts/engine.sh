#!/usr/bin/env bash
# Provides the real Pulumi engine offline: Node 22+, the pulumi CLI, the Node.js language host and
# the dynamic-provider shim. Uses `pulumi` from PATH when it is compatible; otherwise builds it from
# the Go module proxy once and caches it outside the repo (UPCHAIN_CACHE, default /var/cache/upchain).
# Prints the bin directory to put first on PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${UPCHAIN_CACHE:-/var/cache/upchain}
# The CLI version follows the @pulumi/pulumi pinned in package.json.
cli_version=$(node -p "require('$here/package.json').devDependencies['@pulumi/pulumi'].replace(/^[^0-9]*/, '')")
# The language host left the sdk/v3 module at 3.69; its own module is not served by the proxy
# reachable here (403 for every version), so the host is built from the last sdk/v3 that carried it.
host_version=${UPCHAIN_LANGUAGE_HOST_VERSION:-3.68.0}
node_major=22
bin="$cache/engine-$cli_version/bin"
log() { echo "engine: $*" >&2; }

ensure_node() {
  local have; have=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$have" -ge "$node_major" ]; then NODE_BIN=$(dirname "$(command -v node)"); return; fi
  local dir="$cache/node$node_major"
  if [ ! -x "$dir/node_modules/node/bin/node" ]; then
    log "installing Node $node_major from the npm registry's node package"
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-audit --no-fund --silent "node@$node_major" >&2)
  fi
  NODE_BIN="$dir/node_modules/node/bin"
  # npm itself must run under the new node too: link the system npm's entry point beside it.
  local npm_cli; npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
  [ -f "$npm_cli" ] || npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/../lib/cli.js
  printf '#!/bin/sh\nexec "%s/node" "%s" "$@"\n' "$NODE_BIN" "$npm_cli" > "$NODE_BIN/npm"
  chmod +x "$NODE_BIN/npm"
}

pulumi_on_path_is_compatible() {
  command -v pulumi >/dev/null 2>&1 || return 1
  [ "$(command -v pulumi)" = "$bin/pulumi" ] && return 1
  local v; v=$(pulumi version 2>/dev/null | sed 's/^v//')
  [ "${v%%.*}" = 3 ] && [ "$(printf '%s\n%s\n' "$v" "$cli_version" | sort -V | head -1)" = "$cli_version" ] \
    && command -v pulumi-language-nodejs >/dev/null 2>&1
}

go_build() { # module-dir, output, package, ldflags
  (cd "$1" && GOFLAGS=-mod=mod go build -trimpath -ldflags "$4" -o "$2" "$3")
}

build_cli() {
  command -v go >/dev/null 2>&1 || { log "building pulumi needs Go 1.21+ (it fetches the toolchain pulumi asks for from the module proxy): install Go, or put a compatible pulumi on PATH"; exit 1; }
  local work="$cache/build/pulumi-$cli_version"
  mkdir -p "$work" "$bin"
  # Wrapper module: pkg/go.mod has replace directives, so `go install pkg@version` refuses it.
  # Requiring pkg and sdk at the same version here, and repeating pkg's third-party replace, works.
  cat > "$work/go.mod" <<MOD
module upchain.local/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 v$cli_version
	github.com/pulumi/pulumi/sdk/v3 v$cli_version
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  printf 'package tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > "$work/tools.go"
  sed -i '1i //go:build tools\n' "$work/tools.go"
  log "building pulumi v$cli_version from the Go module proxy (first time only; several minutes)"
  (cd "$work" && go mod tidy -e >&2 2>"$work/tidy.log" || true)
  go_build "$work" "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$cli_version"
}

build_language_host() {
  local work="$cache/build/language-nodejs-$host_version"
  mkdir -p "$work" "$bin"
  cat > "$work/go.mod" <<MOD
module upchain.local/pulumi-language-nodejs

go 1.21

require github.com/pulumi/pulumi/sdk/v3 v$host_version
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"\n' > "$work/tools.go"
  log "building pulumi-language-nodejs from sdk/v3 v$host_version"
  (cd "$work" && go mod tidy -e >&2 2>"$work/tidy.log" || true)
  go_build "$work" "$bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$host_version"
}

write_shim() {
  # Dynamic providers run as the plugin `pulumi-resource-pulumi-nodejs`; the CLI looks it up on PATH.
  cat > "$bin/pulumi-resource-pulumi-nodejs" <<'SH'
#!/bin/sh
# Runs @pulumi/pulumi's dynamic provider from the program's own node_modules.
exec node "$(node -p 'require.resolve("@pulumi/pulumi/cmd/dynamic-provider")')" "$@"
SH
  chmod +x "$bin/pulumi-resource-pulumi-nodejs"
}

ensure_node
export PATH="$NODE_BIN:$PATH"
if pulumi_on_path_is_compatible; then
  log "using $(command -v pulumi) ($(pulumi version))"
  dirname "$(command -v pulumi)"; echo "$NODE_BIN"; exit 0
fi
# Two scripts starting at once on a new machine (a test beside the demo, say) build the engine once:
# the second waits for the first, then finds it built.
mkdir -p "$cache"; exec 9>"$cache/.engine-$cli_version.lock"
flock -n 9 || { log "waiting for another process building the engine into $bin"; flock 9; }
[ -x "$bin/pulumi" ] || build_cli
[ -x "$bin/pulumi-language-nodejs" ] || build_language_host
write_shim
exec 9>&-
echo "$bin"
echo "$NODE_BIN"
