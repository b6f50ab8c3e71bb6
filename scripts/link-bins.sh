#!/bin/sh
# Puts this checkout's commands (aer, aurae, auraed: package.json "bin") on the PATH, as `npm link` would, by
# symlinking them into AURAE_BIN_DIR (default /usr/local/bin). Typing `aer` then never asks the npm registry for a
# package of that name, and works from any directory. A link of ours (from an earlier run or another checkout) is
# replaced; a file that is not a symlink is left alone, and said so.
set -eu
cd "$(dirname "$0")/.."
bin_dir=${AURAE_BIN_DIR:-/usr/local/bin}
mkdir -p "$bin_dir"
node -e 'for (const [name, path] of Object.entries(require("./package.json").bin)) console.log(name, path)' |
while read -r name path; do
  target="$PWD/$path"
  [ -f "$target" ] || { echo "link-bins: $target is missing: run npm run build first" >&2; exit 1; }
  chmod 0755 "$target" # tsc writes 0644; npm link makes bins executable the same way
  if [ -e "$bin_dir/$name" ] && [ ! -L "$bin_dir/$name" ]; then
    echo "link-bins: $bin_dir/$name exists and is not a symlink: left as is (run $target directly)" >&2
    continue
  fi
  ln -sfn "$target" "$bin_dir/$name"
done
