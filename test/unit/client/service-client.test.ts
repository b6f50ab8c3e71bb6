// The typed client over an in-process gRPC server with fake services (no TLS, no daemon): promises and async
// iterables, deadlines (the default and a call's own), cancellation, and a Watch that resumes on a new server.
import assert from "node:assert/strict";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test, type TestContext } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { clientOver, type AuraeClient } from "../../../src/client/connect.js";
import { CancelledError, DeadlineExceededError, NotFoundError } from "../../../src/client/errors.js";
import * as events from "../../../src/gen/aurae/events/v1/events.js";
import * as executables from "../../../src/gen/aurae/executables/v1/executables.js";
import { tempDir } from "../helpers/temp-dir.js";

/** A fake event log: `history` events, and a follow that waits until the call is cancelled or the server stops
 * (forcibly, as auraed does to the calls still open at the end of its shutdown grace period). */
function eventService(history: number, seen: Seen): events.EventServiceServer {
  const event = (sequence: number) => events.Event.fromPartial({ sequence: BigInt(sequence), kind: "cell.allocated", cellName: `c${sequence}` });
  return {
    watch: async (call) => {
      if (call.request.follow) call.on("cancelled", () => seen.cancelled++);
      const after = Number(call.request.afterSequence);
      seen.watches.push(`after ${after} epoch "${call.request.epoch}"`);
      for (let s = after + 1; s <= history; s++) call.write({ events: [event(s)], epoch: EPOCH });
      if (!call.request.follow) return call.end();
    },
    list: (call, callback) => {
      // page_size is how long the fake takes, in ms
      setTimeout(() => callback(null, events.ListResponse.fromPartial({ events: [event(1)] })), call.request.pageSize);
    },
  };
}

/** Fake executables: Get of "missing" is NOT_FOUND; Wait answers after 200 ms. */
const executableService = (): Partial<executables.ExecutableServiceServer> => ({
  get: (call, callback) =>
    call.request.name === "missing"
      ? callback({ code: grpc.status.NOT_FOUND, details: `executable "missing" not found` })
      : callback(null, executables.GetResponse.fromPartial({ executable: { spec: { name: call.request.name } } })),
  wait: (_call, callback) => void setTimeout(() => callback(null, executables.WaitResponse.fromPartial({})), 200),
});

/** What the fake was asked: cancelled follows, and the position of each Watch. */
interface Seen {
  cancelled: number;
  readonly watches: string[];
}

const EPOCH = "e1";

interface Fake {
  readonly socket: string;
  readonly seen: Seen;
  start(history: number): Promise<void>;
  stop(): void;
}

async function fakeDaemon(t: TestContext): Promise<Fake> {
  const socket = `unix:${join(await tempDir(t, "aurae-client-"), "fake.sock")}`;
  let server: grpc.Server | undefined;
  const fake: Fake = {
    socket,
    seen: { cancelled: 0, watches: [] },
    async start(history) {
      server = new grpc.Server();
      server.addService(events.EventServiceService, eventService(history, fake.seen));
      server.addService(executables.ExecutableServiceService, executableService() as executables.ExecutableServiceServer);
      await new Promise<void>((resolve, reject) =>
        server!.bindAsync(socket, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
      );
    },
    stop: () => server?.forceShutdown(),
  };
  t.after(() => fake.stop());
  await fake.start(3);
  return fake;
}

function client(t: TestContext, fake: Fake, options: Parameters<typeof clientOver>[1] = {}): AuraeClient {
  const channel = new grpc.Client(fake.socket, grpc.credentials.createInsecure(), {
    "grpc.initial_reconnect_backoff_ms": 50,
    "grpc.max_reconnect_backoff_ms": 200,
  });
  const c = clientOver({ client: channel, target: fake.socket }, options);
  t.after(() => c.close());
  return c;
}

test("unary calls are promises of the response; errors are their classes", async (t) => {
  const c = client(t, await fakeDaemon(t));
  assert.equal((await c.executables.get({ name: "web" })).executable?.spec?.name, "web");
  await assert.rejects(c.executables.get({ name: "missing" }), (err) => err instanceof NotFoundError && err.message === 'executable "missing" not found');
});

test("server streams are async iterables; leaving the loop early cancels the call", async (t) => {
  const fake = await fakeDaemon(t);
  const c = client(t, fake);
  const all = [];
  for await (const { events: batch } of c.events.watch({})) all.push(...batch.map((e) => e.sequence));
  assert.deepEqual(all, [1n, 2n, 3n]);
  for await (const _ of c.events.watch({ follow: true })) break;
  await sleep(50);
  assert.equal(fake.seen.cancelled, 1);
});

test("a call without a deadline gets the client's default; a call's own deadline wins", async (t) => {
  const fake = await fakeDaemon(t);
  const c = client(t, fake, { deadlineMs: 100 });
  await assert.rejects(c.events.list({ pageSize: 300 }), DeadlineExceededError);
  assert.equal((await c.events.list({ pageSize: 150 }, { deadline: 2000 })).events.length, 1);
  assert.equal((await client(t, fake, { deadlineMs: 0 }).events.list({ pageSize: 150 })).events.length, 1, "0: no default");
  await assert.rejects(c.events.list({ pageSize: 300 }, { deadline: new Date(Date.now() + 50) }), DeadlineExceededError);
});

test("a call that waits for a workload has no default deadline", async (t) => {
  const c = client(t, await fakeDaemon(t), { deadlineMs: 50 });
  await c.executables.wait({ name: "job" });
  await assert.rejects(c.executables.wait({ name: "job" }, { deadline: 50 }), DeadlineExceededError);
});

test("an AbortSignal cancels a call, before or during it, with CancelledError", async (t) => {
  const c = client(t, await fakeDaemon(t));
  await assert.rejects(c.events.list({ pageSize: 1000 }, { signal: AbortSignal.timeout(50) }), CancelledError);
  await assert.rejects(c.events.list({}, { signal: AbortSignal.abort() }), CancelledError);
  const abort = new AbortController();
  const watched: bigint[] = [];
  const following = (async () => {
    for await (const { events: batch } of c.events.watch({ follow: true }, { signal: abort.signal })) watched.push(...batch.map((e) => e.sequence));
  })();
  await sleep(100);
  abort.abort();
  await assert.rejects(following, CancelledError);
  assert.deepEqual(watched, [1n, 2n, 3n]);
});

test("a following Watch resumes on a restarted server after the last event, losing and repeating none", async (t) => {
  const fake = await fakeDaemon(t);
  const c = client(t, fake, { resume: { initialDelayMs: 20 } });
  const watched: bigint[] = [];
  const abort = new AbortController();
  const following = (async () => {
    for await (const { events: batch } of c.events.watch({ follow: true }, { signal: abort.signal })) watched.push(...batch.map((e) => e.sequence));
  })().catch((err: unknown) => err);
  await sleep(100);
  fake.stop();
  await sleep(300); // the client retries against nothing meanwhile
  await fake.start(6);
  for (let i = 0; i < 100 && watched.length < 6; i++) await sleep(20);
  abort.abort();
  assert.ok((await following) instanceof CancelledError);
  assert.deepEqual(watched, [1n, 2n, 3n, 4n, 5n, 6n]);
  // It resumes in the epoch it read: a daemon whose log was replaced refuses rather than skip events.
  assert.equal(fake.seen.watches[0], `after 0 epoch ""`);
  assert.equal(fake.seen.watches.at(-1), `after 3 epoch "${EPOCH}"`);
});

test("with resume false, a following Watch ends with UnavailableError when the server goes", async (t) => {
  const fake = await fakeDaemon(t);
  const c = client(t, fake);
  const following = (async () => {
    for await (const _ of c.events.watch({ follow: true }, { resume: false }));
  })();
  await sleep(100);
  fake.stop();
  await assert.rejects(following, { name: "UnavailableError", code: "unavailable" });
});
