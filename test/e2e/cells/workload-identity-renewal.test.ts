// A cell's workload SVID is renewed on a timer at half its life, not only when the cell is allocated, updated or
// started: a node that stays up longer than the SVID's lifetime (30 days by default) keeps its workloads connected.
// The lifetime is 10 s here, so the renewal comes within the test.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { sleep } from "../../helpers/executables.js";
import { uniqueName } from "../../helpers/names.js";
import { listAll } from "../events/read-events.js";

const aurae = useDaemon({ args: ["--workload-svid-ttl", "10s"] });

test("a workload SVID is renewed at half its life while nothing touches the cell, and the renewal is an event", async (t) => {
  const cell = uniqueName("renew");
  const { cell: allocated } = await aurae.client.cells.allocate({ spec: { name: cell, workloadIdentity: true } });
  t.after(() => aurae.client.cells.free({ name: cell, stop: true, gracePeriodMs: 1000 }));
  const dir = dirname(allocated!.status!.socketPath);
  const svid = async () => new X509Certificate(await readFile(join(dir, "svid.crt")));
  const first = await svid();
  const lifetimeMs = Date.parse(first.validTo) - Date.now();
  assert.ok(lifetimeMs > 0 && lifetimeMs <= 11_000, `valid for the configured 10 s, not 30 days (${first.validTo})`);

  let renewed = first;
  for (let i = 0; renewed.serialNumber === first.serialNumber; i++) {
    assert.ok(i < 150, "renewed within 15 s");
    await sleep(100);
    renewed = await svid().catch(() => renewed); // the file is replaced by a rename; a read may race it
  }
  assert.ok(Date.parse(renewed.validTo) > Date.parse(first.validTo), `${renewed.validTo} after ${first.validTo}`);
  const asCell = await aurae.connect({ config: join(dir, "config") });
  assert.equal((await asCell.cells.get({ name: cell })).cell?.spec?.name, cell, "the renewed SVID is accepted");
  const events = await listAll(aurae.client, { cellName: cell, kinds: ["cell.identity_renewed"] });
  assert.ok(events.length >= 1, "a cell.identity_renewed event");
  assert.ok(Date.parse(events[0]!.attributes["not_after"]!) > Date.now(), JSON.stringify(events[0]!.attributes));
});
