#!/bin/sh
# Runs every test file against the built dist/ (e2e tests start the real auraed): unit tests first, then e2e.
set -eu
cd "$(dirname "$0")/.."
unit=$(find test/unit -name '*.test.ts' | sort)
e2e=$(find test/e2e -name '*.test.ts' | sort)
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency=1 $unit $e2e
