#!/usr/bin/env bash
# Runs the demo: a burst of requests across token expiries, printed as a summary.
source "$(dirname "$0")/bootstrap.sh"
pnpm run demo
