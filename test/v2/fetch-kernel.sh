#!/bin/sh
# Unpacks Debian's current kernel image package (what linux-image-amd64 depends on) into a cache directory with
# apt-get download and dpkg -x, never installing it: the host's /boot and modules stay untouched. Prints the
# directory (holding boot/vmlinuz-* and lib/modules/*); does nothing but print it when already unpacked.
set -eu
cache=${AURAE_V2LANE_CACHE:-/var/cache/aurae-v2lane}
if [ -f "$cache/kernel.current" ] && [ -d "$(cat "$cache/kernel.current")/boot" ]; then
  cat "$cache/kernel.current"
  exit 0
fi
pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
  apt-get update -qq >&2
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: apt knows no linux-image-amd64" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp" # apt's _apt user downloads into it
(cd "$tmp" && { apt-get download -qq "$pkg" || { apt-get update -qq && apt-get download -qq "$pkg"; }; }) >&2
dir="$cache/$pkg"
rm -rf "$dir" "$dir.partial"
mkdir -p "$dir.partial"
dpkg -x "$tmp"/*.deb "$dir.partial"
mv "$dir.partial" "$dir"
echo "$dir" >"$cache/kernel.current"
echo "$dir"
