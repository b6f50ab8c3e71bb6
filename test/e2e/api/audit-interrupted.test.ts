// A mutation is on record before auraed acts on it: while it runs the audit log shows it pending, and when auraed
// is killed in the middle of it, the next auraed completes the entry with its caller, cell and an outcome.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEntry } from "../../../src/gen/aurae/audit/v1/audit.js";
import { useDaemon } from "../../helpers/daemon.js";
import { aerOf } from "../cli/run-aer.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { sleep } from "../../helpers/executables.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon();
const ADMIN = `spiffe://${TRUST_DOMAIN}/admin`;
const STOP = "/aurae.executables.v1.ExecutableService/Stop";

const stopsOf = async (cellName: string): Promise<AuditEntry[]> =>
  (await aurae.client.audit.list({ pageSize: 1000, filter: { cellName, method: STOP } })).entries;

test("a Stop cut off by kill -9 during its grace period is on record after the restart, with its caller, cell and outcome", async (t) => {
  const cell = await cellForTest(aurae, t, "cut");
  await aurae.client.executables.start({ spec: { cellName: cell, name: "stubborn", argv: ["/bin/sh", "-c", "trap '' TERM; echo ready; sleep 60"] } });
  await sleep(300); // the shell has set its trap
  // SIGTERM is ignored, so the Stop waits out its grace period: auraed is killed in the middle of it.
  const stopping = aurae.client.executables.stop({ cellName: cell, name: "stubborn", gracePeriodMs: 20_000 }).catch((err: unknown) => err);
  let during: AuditEntry[] = [];
  for (let i = 0; i < 100 && during.length === 0; i++) {
    await sleep(50);
    during = await stopsOf(cell);
  }
  assert.deepEqual(
    during.map((e) => [e.identity, e.cellName, e.pending, e.code]),
    [[ADMIN, cell, true, ""]],
    "while the Stop runs, the audit log shows it pending",
  );
  const { stdout } = await aerOf(aurae)("audit", "--cell", cell, "--method", STOP);
  assert.match(stdout, new RegExp(`${ADMIN} +ExecutableService/Stop +${cell} +PENDING`), "aer audit shows the call pending");
  await aurae.kill9();
  await stopping; // the call fails with the daemon; its client may not know how it ended
  await aurae.start();
  const after = await stopsOf(cell);
  assert.equal(after.length, 1, JSON.stringify(after, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v)));
  const [entry] = after;
  assert.deepEqual([entry!.identity, entry!.method, entry!.cellName, entry!.pending, entry!.code], [ADMIN, STOP, cell, false, "UNKNOWN"]);
  assert.match(entry!.details, /auraed stopped before answering/);
  assert.equal(entry!.replacesSequence, during[0]!.sequence);
  const { entries: pending } = await aurae.client.audit.list({ pageSize: 1000 });
  assert.deepEqual(pending.filter((e) => e.pending).map((e) => e.method), [], "nothing is left pending once the daemon is back");
});

test("a mutation that ends is recorded once, completed, replacing its pending entry", async (t) => {
  const cell = await cellForTest(aurae, t, "done");
  await aurae.client.cells.freeze({ name: cell });
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { cellName: cell, method: "/aurae.cells.v1.CellService/Freeze" } });
  assert.deepEqual(entries.map((e) => [e.identity, e.pending, e.code]), [[ADMIN, false, "OK"]]);
  assert.ok(entries[0]!.replacesSequence > 0n && entries[0]!.replacesSequence < entries[0]!.sequence);
  await aurae.client.cells.thaw({ name: cell });
});
