#!/bin/sh
# Builds the shim: native/build/aurae-shim. Run from the repository root (npm
# install does). The binary is renamed into place, so a running test or
# daemon never sees half of it.
#
# One shim runs per workload, so its memory counts a thousand times: linked
# statically against musl (Debian's musl-tools, which scripts/setup-host.sh
# installs) it takes ~0.2 MiB of RSS, against ~1.5 MiB dynamically linked
# with glibc, and it starts without the dynamic loader. Without musl-gcc (or
# with CC set) it is built as before, with the system's compiler.
set -eu
cd "$(dirname "$0")/.."
out=native/build
mkdir -p "$out"
if [ -z "${CC:-}" ] && command -v musl-gcc >/dev/null 2>&1; then
  cc=musl-gcc
  link=-static
else
  cc=${CC:-cc}
  link=
  echo "native/build.sh: no musl-gcc, building a dynamically linked shim with $cc (apt-get install musl-tools for a smaller one)" >&2
fi
# shellcheck disable=SC2086
$cc -O2 -Wall -Wextra -std=gnu11 $link -o "$out/aurae-shim.tmp.$$" native/src/*.c || {
  rm -f "$out/aurae-shim.tmp.$$"
  echo "native/build.sh: compiling the shim failed" >&2
  exit 1
}
mv -f "$out/aurae-shim.tmp.$$" "$out/aurae-shim"
