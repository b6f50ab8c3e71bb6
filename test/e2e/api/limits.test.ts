// One identity cannot starve the daemon: messages have a size limit, streams a count per identity, calls a rate per
// identity; past each, RESOURCE_EXHAUSTED saying which limit, and other identities are unaffected.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeClientError } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs, usePolicy } from "../../helpers/identities.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const RATE = 50;
const aurae = useDaemon({ args: ["--rate-limit", String(RATE), "--rate-burst", String(RATE), "--max-streams", "2"] });

const exhausted = (pattern: RegExp) => (err: unknown) =>
  err instanceof AuraeClientError && err.grpcCode === 8 /* RESOURCE_EXHAUSTED */ && pattern.test(err.message);

test("a request larger than 4 MiB is RESOURCE_EXHAUSTED and the daemon serves on", async () => {
  const huge = "x".repeat(5 * 1024 * 1024);
  await assert.rejects(aurae.client.cells.get({ name: huge }), exhausted(/more than the 4194304 a request may be/));
  await aurae.client.cells.list({});
});

test("an answer naming a huge request value quotes it cut short, so the connection goes on serving (the health service's too)", async () => {
  const huge = "x".repeat(1_100_000);
  const quotedShort = (err: unknown) =>
    err instanceof AuraeClientError && err.grpcCode === 5 && err.message.length < 1024 && /\(1100000 characters\)/.test(err.message);
  await assert.rejects(aurae.client.health.check({ service: huge }), quotedShort);
  assert.equal((await aurae.client.health.check({})).status, 1);
  await aurae.client.cells.list({});
});

test("an identity may hold only --max-streams streams open; closing one frees its place", async () => {
  const first = new AbortController();
  const second = new AbortController();
  const watch = (signal: AbortSignal) => aurae.client.events.watch({ fromNow: true, follow: true }, { signal })[Symbol.asyncIterator]();
  const a = watch(first.signal);
  const b = watch(second.signal);
  void a.next().catch(() => undefined);
  void b.next().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200)); // both streams reached the daemon
  await assert.rejects(watch(new AbortController().signal).next(), exhausted(/already has 2 streams open/));
  first.abort();
  await new Promise((r) => setTimeout(r, 200));
  const third = new AbortController();
  const c = watch(third.signal);
  const pending = c.next().catch((err: unknown) => err);
  await new Promise((r) => setTimeout(r, 200));
  third.abort();
  second.abort();
  assert.ok(!exhausted(/./)(await pending), "a stream opens once another closed");
});

test("an identity over its call rate gets RESOURCE_EXHAUSTED; another identity is not slowed", async () => {
  await usePolicy(aurae, `[[rule]]\nidentities = ["spiffe://${TRUST_DOMAIN}/admin", "spiffe://${TRUST_DOMAIN}/busy"]\nrole = "admin"\n`);
  const { client: busy } = await clientAs(aurae, `spiffe://${TRUST_DOMAIN}/busy`);
  const results = await Promise.allSettled(Array.from({ length: RATE * 2 }, () => busy.cells.list({})));
  const refused = results.filter((r) => r.status === "rejected");
  assert.ok(refused.length >= RATE / 2, `${refused.length} of ${RATE * 2} refused`);
  for (const r of refused) assert.ok(exhausted(/over its rate of 50 calls per second/)((r as PromiseRejectedResult).reason));
  await aurae.client.cells.list({}); // the admin has its own budget
  await new Promise((r) => setTimeout(r, 1000));
  await busy.cells.list({}); // the budget refills
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity: `spiffe://${TRUST_DOMAIN}/busy` } });
  // Refusals are recorded one by one up to 20 per caller and 10 s, the rest in one summary when the window closes.
  const exhaustedEntries = entries.filter((e) => e.code === "RESOURCE_EXHAUSTED");
  assert.equal(exhaustedEntries.length, Math.min(refused.length, 20));
});
