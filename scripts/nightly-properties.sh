#!/usr/bin/env bash
# Nightly: the core's property-based tests (model-based interleavings, token-endpoint fuzzing, clock faults) with
# many more runs than the default test command gives them (1,000 per property).
#
#   scripts/nightly-properties.sh                      # 20,000 runs per property
#   FC_NUM_RUNS=100000 scripts/nightly-properties.sh   # more
#   FC_SEED=<seed> FC_PATH=<path> FC_NUM_RUNS=<n> scripts/nightly-properties.sh   # replay a reported failure
#   FC_COVERAGE=1 ...                                  # also print how many runs reached each path
#
# NIGHTLY_NO_INSTALL=1 skips the install step (for a checkout that is already installed).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "${NIGHTLY_NO_INSTALL:-}" == "1" ]]; then
  cd "$ROOT"
  export COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0
  pnpm() { corepack pnpm "$@"; }
else
  source "$ROOT/scripts/bootstrap.sh"
fi
export FC_NUM_RUNS="${FC_NUM_RUNS:-20000}"
echo "property tests with FC_NUM_RUNS=$FC_NUM_RUNS${FC_SEED:+ FC_SEED=$FC_SEED}${FC_PATH:+ FC_PATH=$FC_PATH}"
pnpm exec vitest run --project core \
  test/model-interleavings.test.ts \
  test/token-endpoint-fuzz.test.ts \
  test/clock-faults.test.ts \
  "$@"
