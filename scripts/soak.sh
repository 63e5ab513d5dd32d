#!/usr/bin/env bash
# The soak: load through axios, got, ky and fetch at once against the OAuth2 emulation on 127.0.0.1 with 1 s access
# tokens, for SOAK_MINUTES minutes (default 30); prints a table and the checks, exits 1 if one fails.
# SOAK_CLIENTS (per adapter, default 2) and SOAK_CONCURRENCY (requests in flight per client, default 4) size it.
source "$(dirname "$0")/bootstrap.sh"
pnpm run build && pnpm run soak
