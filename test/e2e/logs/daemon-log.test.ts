import assert from "node:assert/strict";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";

const aurae = useDaemon();

async function daemonLog(request: { level?: string; tail?: number; cursor?: string }) {
  const lines: Record<string, unknown>[] = [];
  let cursor = "";
  for await (const batch of aurae.client.observe.getDaemonLogs(request)) {
    lines.push(...batch.entries.map((e) => JSON.parse(e.line.toString()) as Record<string, unknown>));
    cursor = batch.cursor;
  }
  return { lines, cursor };
}

test("the daemon's own log is served as JSON entries, filtered by level, resumable with its cursor", async () => {
  const { lines, cursor } = await daemonLog({});
  assert.ok(lines.some((l) => l.msg === "auraed serving"), "its start-up is in the log");
  // Calls that change something are logged at info (reads at debug), refusals as warnings.
  await assert.rejects(aurae.client.cells.free({ name: uniqueName("missing") }), { code: "not-found" });
  const { lines: after } = await daemonLog({ cursor });
  assert.ok(after.length >= 1 && after.every((l) => typeof l.level === "number"));
  assert.ok(after.some((l) => l.method === "/aurae.cells.v1.CellService/Free"), "the new call, and nothing before the cursor");
  assert.ok(!after.some((l) => l.msg === "auraed serving"));
  // A refusal is a warning. The filter keeps it and drops the info lines around it: both sides are seen, so an
  // empty result or an ignored filter fails.
  const { client: nobody } = await clientAs(aurae, "spiffe://aurae.test/nobody");
  await assert.rejects(nobody.cells.list({}), { code: "denied" });
  const refused = (l: Record<string, unknown>) => l.method === "/aurae.cells.v1.CellService/List" && l.identity === "spiffe://aurae.test/nobody";
  assert.ok((await daemonLog({ cursor })).lines.some((l) => refused(l) && l.level === 40), "the refusal is a warning");
  assert.ok(after.some((l) => (l.level as number) < 40), "the log has lines below warn: the Free call");
  const { lines: warnings } = await daemonLog({ level: "warn" });
  assert.ok(warnings.some(refused), "the refusal passes the filter");
  assert.ok(warnings.every((l) => (l.level as number) >= 40));
  const { lines: last } = await daemonLog({ tail: 1 });
  assert.equal(last.length, 1);
  await assert.rejects(daemonLog({ level: "loud" }), (e: Error & { code: string }) => e.code === "invalid" && /level/.test(e.message));
});
