#!/bin/sh
# The one command that sets up this machine and runs auraed in the foreground: a dev PKI and client config when none
# exists (never overwriting one; a user without a client config gets one from the existing CA), the embedded
# database under /var/lib/aurae, aer, aurae and auraed on the PATH (scripts/link-bins.sh), and a short demo once it
# serves. auraed's AURAE_CONFIG_DIR and AURAE_RUNTIME_DIR are honoured here too; arguments go to auraed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup-host.sh
sh scripts/install-deps.sh
npm run build --silent
node dist/cli/main.js pki init --if-missing --config-dir "${AURAE_CONFIG_DIR:-/etc/aurae}" \
  --socket "${AURAE_RUNTIME_DIR:-/run/aurae}/aurae.sock"
sh scripts/link-bins.sh

demo() {
  # Wait until auraed serves, then run the hello example against it.
  for _ in $(seq 1 100); do
    node dist/cli/main.js health >/dev/null 2>&1 && break
    sleep 0.2
  done
  echo "--- demo: aurae run examples/hello.ts"
  node dist/script/main.js run examples/hello.ts || echo "--- demo failed (see above)"
  echo "--- auraed is serving: try 'aer health' or 'aer cell list' from another terminal"
}

# auraed runs as this shell's child rather than exec'd over it: the demo is this shell's child too, and a process
# exec'd over its parent never reaps it (it stayed a zombie for auraed's whole life). In its own session, auraed gets
# a terminal's Ctrl-C once, from here, not a second time from the terminal.
demo &
demo_pid=$!
setsid node dist/daemon/main.js "$@" &
auraed_pid=$!
for signal in INT TERM HUP; do
  trap "kill -$signal $auraed_pid 2>/dev/null || :" "$signal"
done
status=0
wait "$auraed_pid" || status=$?
# A signal passed on interrupts wait while auraed shuts down: wait again for its own exit status.
while [ "$status" -gt 128 ] && kill -0 "$auraed_pid" 2>/dev/null; do
  status=0
  wait "$auraed_pid" || status=$?
done
kill "$demo_pid" 2>/dev/null || :
wait "$demo_pid" || :
exit "$status"
