#!/bin/sh
# Builds the shim: native/build/aurae-shim. Run from the repository root (npm
# install does). The binary is renamed into place, so a running test or
# daemon never sees half of it.
set -eu
cd "$(dirname "$0")/.."
out=native/build
mkdir -p "$out"
${CC:-cc} -O2 -Wall -Wextra -std=gnu11 -o "$out/aurae-shim.tmp.$$" native/src/*.c || {
  rm -f "$out/aurae-shim.tmp.$$"
  echo "native/build.sh: compiling the shim failed" >&2
  exit 1
}
mv -f "$out/aurae-shim.tmp.$$" "$out/aurae-shim"
