#!/bin/sh
# Installs the Debian packages Aurae builds and tests with, only those missing (idempotent, no-op when all present),
# and unpacks the kernel the v2 lane's VM boots (qemu-system-x86 and busybox-static are that lane's too; busybox-static
# is also the root filesystem of the image tests).
set -eu
packages="gcc libc6-dev musl-tools make g++ python3 coreutils procps util-linux iproute2 tmux zsh qemu-system-x86 busybox-static"
# Images (issue 16): a local registry, htpasswd for its basic auth, zstd layers, xattrs (setfattr), openssl
# for the tests' CA and token signing.
packages="$packages docker-registry apache2-utils zstd attr openssl"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup-host: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing
fi
sh "$(dirname "$0")/../test/v2/fetch-kernel.sh" >/dev/null
