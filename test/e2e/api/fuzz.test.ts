// Every RPC of every service in proto/ (health included), driven with random type-correct requests and with
// malformed bytes: each must be answered with OK or a status that names a caller's mistake or a missing thing, and
// the daemon must keep serving. AURAE_FUZZ_CASES sets the number of cases (500); AURAE_SEED replays a run.
import assert from "node:assert/strict";
import { test } from "node:test";
import { status } from "@grpc/grpc-js";
import { NotFoundError } from "../../../src/client/index.js";
import { loadRpcMethods, type RpcMethod } from "../../helpers/fuzz/api-schema.js";
import { makeHarmless } from "../../helpers/fuzz/harmless.js";
import { malformed } from "../../helpers/fuzz/malformed.js";
import { mutateMessage } from "../../helpers/fuzz/mutate.js";
import { randomMessage, type GenContext } from "../../helpers/fuzz/message-gen.js";
import { Templates } from "../../helpers/fuzz/templates.js";
import { Plausible } from "../../helpers/fuzz/plausible.js";
import { Random } from "../../helpers/fuzz/random.js";
import { RawClient, type CallOutcome } from "../../helpers/fuzz/raw-client.js";
import { encodeMessage, type FuzzMessage } from "../../helpers/fuzz/wire.js";
import { describeBytes, describeMessage } from "../../helpers/fuzz/describe.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive } from "../../helpers/processes.js";

const aurae = useDaemon();

const CASES = Number(process.env.AURAE_FUZZ_CASES ?? 500);
/** AURAE_FUZZ_VERBOSE=1 prints every answer, to see how deep a replayed run reaches. */
const VERBOSE = process.env.AURAE_FUZZ_VERBOSE === "1";
/** Calls in flight at once: the daemon serves many clients, and the run stays well under its time budget. */
const CONCURRENCY = 4;
const MALFORMED_SHARE = 0.3;
/** How wild typed requests are: from all plausible (to reach deep into handlers) to all random. */
const CHAOS = [0, 0, 0, 0.05, 0.2, 1];
/** How often a typed request is a changed copy of one that worked (when there is one), not built from scratch. */
const FROM_TEMPLATE = 0.4;

/** Answers that say the request was wrong, or named something missing or in the wrong state: fine. */
const EXPECTED = new Set([
  status.OK, status.INVALID_ARGUMENT, status.NOT_FOUND, status.FAILED_PRECONDITION, status.ALREADY_EXISTS,
  status.OUT_OF_RANGE, status.PERMISSION_DENIED, status.RESOURCE_EXHAUSTED, status.UNIMPLEMENTED,
]);
/** Calls whose answer may be UNAVAILABLE for a reason outside the daemon: the registry a Pull names refuses it. */
const REACH_OUT = new Set(["/aurae.images.v1.ImageService/Pull"]);
/** Unary calls documented to wait for a process (Wait; Stop and Free through the grace period): cut short too. */
const WAITING = new Set([
  "/aurae.executables.v1.ExecutableService/Wait",
  "/aurae.executables.v1.ExecutableService/Stop",
  "/aurae.cells.v1.CellService/Free",
]);
const STREAM_DEADLINE_MS = 300;
const WAITING_DEADLINE_MS = 1500;
const CALL_DEADLINE_MS = 20_000;
/** Random Free and Freeze calls take the seeded cells away; they are put back this often (in cases). */
const RESEED_EVERY = 100;

const deadlineOf = (m: RpcMethod): number =>
  m.serverStreaming || m.clientStreaming ? STREAM_DEADLINE_MS : WAITING.has(m.path) ? WAITING_DEADLINE_MS : CALL_DEADLINE_MS;
const mayBeCut = (m: RpcMethod): boolean => deadlineOf(m) < CALL_DEADLINE_MS;

interface Case {
  readonly index: number;
  readonly method: RpcMethod;
  readonly kind: "typed" | "malformed";
  /** The request, when it is one (typed). */
  readonly message?: FuzzMessage;
  readonly bytes: Buffer;
  readonly describe: () => string;
}

test("every RPC answers random and malformed requests with a proper status, and the daemon keeps serving", { timeout: 240_000 }, async (t) => {
  const methods = await loadRpcMethods();
  const rng = Random.fromEnv(process.env.AURAE_SEED);
  t.diagnostic(`seed ${rng.seed} (replay with AURAE_SEED=${rng.seed}); ${CASES} cases over ${methods.length} methods`);
  const plausible = new Plausible(`fz${rng.seed.toString(36)}`);
  const client = await RawClient.connect(aurae);
  t.after(() => client.close());
  t.after(() => freeEveryCell());
  const templates = new Templates();
  const call = async (path: string, message: FuzzMessage, accept = [status.OK]): Promise<void> => {
    const method = methods.find((m) => m.path === path)!;
    const outcome = await client.call(method, encodeMessage(method.requestType, message), CALL_DEADLINE_MS);
    assert.ok(accept.includes(outcome.code), `${path}: ${status[outcome.code]} ${outcome.details}`);
    harvest(method, outcome, plausible);
    if (outcome.code === status.OK) templates.add(path, message);
  };
  await seedNode(call, plausible.prefix);

  const ctx: GenContext = { rng, plausible, budget: 0, chaos: 0 };
  const codes = new Map<string, Map<string, number>>(methods.map((m) => [m.path, new Map()]));
  const failures: string[] = [];
  const order = roundRobin(methods, CASES, rng);
  const started = performance.now();
  for (let first = 0; first < order.length; first += CONCURRENCY) {
    if (first > 0 && first % RESEED_EVERY === 0) await seedNode(call, plausible.prefix);
    const batch = order.slice(first, first + CONCURRENCY).map((method, i) => makeCase(first + i, method, ctx, templates));
    const outcomes = await Promise.all(batch.map((c) => client.call(c.method, c.bytes, deadlineOf(c.method))));
    batch.forEach((c, i) => {
      const outcome = outcomes[i]!;
      const counts = codes.get(c.method.path)!;
      counts.set(status[outcome.code], (counts.get(status[outcome.code]) ?? 0) + 1);
      const cut = outcome.code === status.DEADLINE_EXCEEDED || outcome.code === status.CANCELLED;
      const unreachable = outcome.code === status.UNAVAILABLE && REACH_OUT.has(c.method.path);
      if (!EXPECTED.has(outcome.code) && !(cut && mayBeCut(c.method)) && !unreachable)
        failures.push(`${c.method.path} case ${c.index} (${c.kind}, seed ${rng.seed}): ${status[outcome.code]} "${outcome.details}"\n    request: ${c.describe()}`);
      if (outcome.code === status.OK) harvest(c.method, outcome, plausible);
      if (outcome.code === status.OK && c.message) templates.add(c.method.path, c.message);
      if (VERBOSE) t.diagnostic(`${c.index} ${c.method.path} ${c.kind}: ${status[outcome.code]} ${outcome.details}`);
    });
  }
  t.diagnostic(`${order.length} cases in ${Math.round(performance.now() - started)} ms`);
  for (const [path, counts] of codes) t.diagnostic(`${path}: ${[...counts].map(([code, n]) => `${code} ${n}`).join(", ")}`);

  assert.deepEqual(failures, [], `unexpected answers (replay with AURAE_SEED=${rng.seed}):\n${failures.slice(0, 20).join("\n")}`);
  assert.ok(aurae.pid !== undefined && isAlive(aurae.pid), "auraed is no longer running");
  assert.equal((await aurae.client.health.check({})).status, 1, "auraed is not SERVING");
  const after = `${plausible.prefix}-after`;
  await aurae.client.cells.allocate({ spec: { name: after } });
  assert.equal((await aurae.client.cells.get({ name: after })).cell?.spec?.name, after);
  await aurae.client.cells.free({ name: after });
  await new Promise((r) => setTimeout(r, 200)); // the daemon's log is written asynchronously
  const errors = (await aurae.log()).split("\n").filter((line) => /unexpected error in handler|internal error/.test(line));
  assert.deepEqual(errors, [], "the daemon logged an unexpected or internal error");
});

/**
 * Cells and executables for random requests to find: a plain cell, a nested one, an isolated one, and logs. Run again
 * now and then, so it answers what a random call already did (thawed, it exists, it was freed).
 */
async function seedNode(call: (path: string, message: FuzzMessage, accept?: status[]) => Promise<void>, prefix: string): Promise<void> {
  const cells = (method: string) => `/aurae.cells.v1.CellService/${method}`;
  const executables = (method: string) => `/aurae.executables.v1.ExecutableService/${method}`;
  const anyOf = [status.OK, status.NOT_FOUND, status.FAILED_PRECONDITION, status.ALREADY_EXISTS];
  for (const name of [prefix, `${prefix}-iso`]) await call(cells("Thaw"), { name }, anyOf);
  await call(cells("Allocate"), { spec: { name: prefix } }, [status.OK, status.ALREADY_EXISTS]);
  await call(cells("Allocate"), { spec: { name: `${prefix}/a` } }, [status.OK, status.ALREADY_EXISTS]);
  const isolation = { pid: true, mount: true, uts: true, network: true };
  await call(cells("Allocate"), { spec: { name: `${prefix}-iso`, isolation } }, [status.OK, status.ALREADY_EXISTS]);
  const start = (cell: string, name: string, argv: string[]) =>
    call(executables("Start"), { spec: { cell_name: cell, name, argv } }, [status.OK, status.ALREADY_EXISTS]);
  await start(prefix, "echo", ["/bin/echo", "hello"]);
  await start(prefix, "sleeper", ["/bin/sleep", "0.1"]);
  await start(`${prefix}-iso`, "iso", ["/bin/echo", "isolated"]);
  await call(executables("Wait"), { cell_name: prefix, name: "echo" });
  await call("/aurae.observe.v1.ObserveService/GetLogs", { cell_name: prefix, executable_name: "echo" });
  await call("/aurae.events.v1.EventService/List", { page_size: 2n });
  await call(cells("List"), { page_size: 1n });
}

function makeCase(index: number, method: RpcMethod, ctx: GenContext, templates: Templates): Case {
  ctx.chaos = ctx.rng.pick(CHAOS);
  const worked = templates.of(method.path);
  const type = method.requestType;
  const built = worked.length > 0 && ctx.rng.chance(FROM_TEMPLATE) ? mutateMessage(type, ctx.rng.pick(worked), ctx) : randomMessage(type, ctx);
  const message = makeHarmless(type, built, ctx.rng, ctx.plausible);
  const valid = encodeMessage(type, message);
  if (!ctx.rng.chance(MALFORMED_SHARE)) return { index, method, kind: "typed", message, bytes: valid, describe: () => describeMessage(message) };
  const bad = malformed(valid, method.requestType, ctx.rng);
  return { index, method, kind: "malformed", bytes: bad.bytes, describe: () => `${bad.how}: ${describeBytes(bad.bytes)}` };
}

/** Every method equally often, in a random order each round. */
function roundRobin(methods: readonly RpcMethod[], count: number, rng: Random): RpcMethod[] {
  const order: RpcMethod[] = [];
  while (order.length < count) {
    const round = [...methods];
    for (let i = round.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    order.push(...round);
  }
  return order.slice(0, count);
}

/** Names, cursors, tokens and sequences from an answer, for later requests to use. */
function harvest(method: RpcMethod, outcome: CallOutcome, plausible: Plausible): void {
  for (const bytes of outcome.responses.slice(0, 20)) {
    const message = method.responseType.toObject(method.responseType.decode(bytes), { longs: String, enums: Number });
    plausible.harvest(method.responseType, message);
  }
}

/** Frees every cell the run made, with whatever runs in it; a daemon that no longer answers fails it, not hangs it. */
async function freeEveryCell(): Promise<void> {
  const names: string[] = [];
  for (let pageToken = "", first = true; first || pageToken !== ""; first = false) {
    const page = await aurae.client.cells.list({ pageSize: 1000, pageToken }, { deadline: 10_000 });
    names.push(...page.cells.map((c) => c.spec!.name));
    pageToken = page.nextPageToken;
  }
  // A Free the run sent may still be running in the daemon though its caller's deadline passed: gone is freed.
  for (const name of names.filter((n) => !n.includes("/")))
    await aurae.client.cells.free({ name, stop: true, gracePeriodMs: 100 }, { deadline: 30_000 }).catch((err: unknown) => {
      if (!(err instanceof NotFoundError)) throw err;
    });
}
