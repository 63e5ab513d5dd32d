# Sourced by scripts/test.sh and scripts/demo.sh: installs what the project needs on a machine that has only
# Node (any version >= 18), npm and corepack. The project runs on its own pinned Node (devDependency "node").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1
mkdir -p .tmp/bin
source "$ROOT/scripts/system-deps.sh"
# pnpm itself runs on the machine's Node through corepack; scripts and tests run on the pinned Node 24.
corepack enable pnpm --install-directory "$ROOT/.tmp/bin"
export PATH="$ROOT/.tmp/bin:$PATH"
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -v "Unsupported engine" | tail -n 5
