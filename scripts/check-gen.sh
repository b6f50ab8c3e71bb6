#!/bin/sh
# Fails when src/gen is not what `npm run gen` makes from proto/: generated code is never edited by hand.
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npx buf lint
npx buf generate -o "$out"
node --import tsx scripts/gen-descriptor-set.ts --out "$out/src/gen"
if ! diff -r "$out/src/gen" src/gen >/dev/null; then
  diff -r "$out/src/gen" src/gen | head -40
  echo "check-gen: src/gen is stale or edited by hand: run 'npm run gen' and commit the result" >&2
  exit 1
fi
echo "check-gen: src/gen matches proto/"
node --import tsx scripts/gen-api-docs.ts --check
