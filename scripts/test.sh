#!/bin/sh
# The one command that sets up a machine for the tests and runs them all (README, .ci/run).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-host.sh
sh scripts/install-deps.sh
sh scripts/check-gen.sh
npx tsc -p tsconfig.json --noEmit
npm run build
sh scripts/run-tests.sh
