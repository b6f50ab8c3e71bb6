#!/bin/sh
# Runs every test file: unit tests (fakes allowed), integration tests of the runtime on the real kernel, then e2e
# tests against the built dist/ (they start the real auraed).
set -eu
cd "$(dirname "$0")/.."
unit=$(find test/unit -name '*.test.ts' | sort)
integration=$(find test/integration -name '*.test.ts' | sort)
e2e=$(find test/e2e -name '*.test.ts' | sort)
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency=1 $unit $integration $e2e
