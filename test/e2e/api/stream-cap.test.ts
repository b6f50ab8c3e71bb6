// The streams of all callers together are capped (--max-streams-total): identities are cheap (a cell's workload has
// one), so a per-identity cap alone does not bound the daemon. Past it, RESOURCE_EXHAUSTED, audited.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeClientError, type AuraeClient } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs, usePolicy } from "../../helpers/identities.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon({ args: ["--max-streams", "2", "--max-streams-total", "2"] });

const watch = (client: AuraeClient, signal: AbortSignal) =>
  client.events.watch({ fromNow: true, follow: true }, { signal })[Symbol.asyncIterator]();

test("past --max-streams-total, another identity's stream is RESOURCE_EXHAUSTED and audited; a closed one frees a place", async (t) => {
  const other = `spiffe://${TRUST_DOMAIN}/other`;
  await usePolicy(aurae, `[[rule]]\nidentities = ["spiffe://${TRUST_DOMAIN}/admin", "${other}"]\nrole = "admin"\n`);
  const { client } = await clientAs(aurae, other);
  const first = new AbortController();
  const second = new AbortController();
  t.after(() => { first.abort(); second.abort(); });
  void watch(aurae.client, first.signal).next().catch(() => undefined);
  void watch(aurae.client, second.signal).next().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200)); // both streams reached the daemon
  await assert.rejects(watch(client, new AbortController().signal).next(), (err: unknown) =>
    err instanceof AuraeClientError && err.grpcCode === 8 /* RESOURCE_EXHAUSTED */ && /already serves 2 streams \(at most 2 for all callers\)/.test(err.message));
  const { entries } = await aurae.client.audit.list({ pageSize: 100, filter: { identity: other } });
  assert.ok(entries.some((e) => e.code === "RESOURCE_EXHAUSTED" && /already serves 2 streams/.test(e.details)), entries.map((e) => `${e.code} ${e.details}`).join("; "));

  first.abort();
  await new Promise((r) => setTimeout(r, 200));
  const third = new AbortController();
  t.after(() => third.abort());
  const pending = watch(client, third.signal).next().catch((err: unknown) => err);
  await new Promise((r) => setTimeout(r, 200));
  third.abort();
  const ended = await pending;
  assert.ok(!(ended instanceof AuraeClientError && ended.grpcCode === 8), `a stream opens once another closed: ${String(ended)}`);
});
