#!/usr/bin/env bash
# Runs every check and every test: build, biome ci, typecheck, publint + attw, changeset status, vitest.
source "$(dirname "$0")/bootstrap.sh"
pnpm run test
