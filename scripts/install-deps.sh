#!/bin/sh
# npm ci when node_modules is missing or older than the lockfile; it also builds the shim (npm's install script).
set -eu
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  sh native/build.sh
fi
