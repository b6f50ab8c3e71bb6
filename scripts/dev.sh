#!/bin/sh
# The one command that sets up this machine and runs auraed in the foreground: a dev PKI and client config when none
# exists (never overwriting one), the embedded database under /var/lib/aurae, and a short demo once it serves.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-host.sh
sh scripts/install-deps.sh
npm run build --silent
node dist/cli/main.js pki init --if-missing
(
  # The demo: wait until auraed serves, then run the hello example against it.
  for _ in $(seq 1 100); do
    node dist/cli/main.js health >/dev/null 2>&1 && break
    sleep 0.2
  done
  echo "--- demo: aurae run examples/hello.ts"
  node dist/script/main.js run examples/hello.ts || echo "--- demo failed (see above)"
  echo "--- auraed is serving: try 'npx aer health' or 'npx aer cell list' from another terminal"
) &
exec node dist/daemon/main.js "$@"
