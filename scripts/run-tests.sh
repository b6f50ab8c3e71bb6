#!/bin/sh
# Runs every test file: unit tests (fakes allowed), integration tests of the runtime on the real kernel, then e2e
# tests against the built dist/ (they start the real auraed), then the v2 lane.
set -eu
cd "$(dirname "$0")/.."
unit=$(find test/unit -name '*.test.ts' | sort)
integration=$(find test/integration -name '*.test.ts' | sort)
e2e=$(find test/e2e -name '*.test.ts' | sort)
status=0
# shellcheck disable=SC2086
node --import tsx --test --test-concurrency=1 $unit $integration $e2e || status=$?
# The v2 lane: the e2e files whose behaviour differs between cgroup v1 and v2, again, in a VM whose only hierarchy is
# cgroup2 with every controller (this host is hybrid). docs/testing.md says which files and why.
node --import tsx test/v2/run-lane.ts || status=$?
exit "$status"
