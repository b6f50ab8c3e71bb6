// The executables state machine against a fake shim whose reports the test releases, and a fake cgroup driver: what
// a Stop during a slow start records, what a spawn that never reports leaves, and that the tree lock is free meanwhile.
import assert from "node:assert/strict";
import { createHook } from "node:async_hooks";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import pino from "pino";
import { AuraeError } from "../../../../src/errors.js";
import { Executables } from "../../../../src/domain/executables/executables.js";
import type { ExecutableSpec } from "../../../../src/domain/executables/executable-spec.js";
import type { NewEvent } from "../../../../src/domain/events/event.js";
import { KeyedMutex } from "../../../../src/domain/keyed-mutex.js";
import type { CgroupDriver } from "../../../../src/runtime/cgroups/driver.js";
import type { SpawnRequest, Spawned } from "../../../../src/runtime/shim/shim-client.js";
import { openDatabase } from "../../../../src/store/database.js";
import { ExecutablesStore } from "../../../../src/store/executables-store.js";
import { CellsStore, type CellRow } from "../../../../src/store/cells-store.js";

/** A spawn the test answers: each request waits until the test resolves it (or for ever). */
class FakeShim {
  readonly calls: { req: SpawnRequest; signal: AbortSignal | undefined; resolve: (s: Spawned) => void }[] = [];

  async spawn(req: SpawnRequest, signal?: AbortSignal): Promise<Spawned> {
    await mkdir(req.stateDir, { recursive: true }); // the real shim makes it
    return new Promise<Spawned>((resolve) => this.calls.push({ req, signal, resolve }));
  }

  call(stateDirPart: string) {
    return this.calls.find((c) => c.req.stateDir.includes(stateDirPart));
  }
}

/** Leaves as a set; kill() "kills" by writing the status the shim would write for a SIGKILLed workload. */
function fakeCgroups(shim: FakeShim) {
  const leaves = new Set<string>();
  const killed: string[] = [];
  const driver: Partial<CgroupDriver> = {
    createLeaf: async (path) => void leaves.add(path),
    remove: async (path) => {
      leaves.delete(path);
      return { oomKills: 0, ioReadBytes: 0, ioWriteBytes: 0 };
    },
    kill: async (path) => {
      killed.push(path);
      for (const { req } of shim.calls.filter((c) => c.req.cgroupDirs.includes(`/fake/${path}`)))
        await writeFile(join(req.stateDir, "status.json"), JSON.stringify({ pid: 4242, startedAtUnixNano: "1", exitedAtUnixNano: "2", signal: 9, oomKilled: false, logClosed: true }));
    },
    pids: async () => [],
    dirs: (path) => [`/fake/${path}`],
    oomEventsFile: () => undefined,
  };
  return { driver: driver as CgroupDriver, leaves, killed };
}

async function setUp(t: TestContext, opts: { spawnTimeoutMs?: number } = {}) {
  const stateRoot = await mkdtemp(join(tmpdir(), "aurae-exec-"));
  const db = openDatabase(join(stateRoot, "aurae.db"));
  const store = new ExecutablesStore(db);
  new CellsStore(db).insert({ name: "web", spec: "{}", createdAtMs: 0, initPid: null, frozen: 0 });
  const shim = new FakeShim();
  const cgroups = fakeCgroups(shim);
  const events: NewEvent[] = [];
  const cells = {
    require: (name: string): CellRow => ({ name, spec: "{}", createdAtMs: 0, initPid: null, frozen: 0 }),
    frozenAt: () => undefined,
    namespacesFor: async () => ({ cgroup: false }),
    workloadEnv: () => ({}),
  };
  let commits = 0;
  const executables = new Executables({
    atomically: (fn) => {
      commits++;
      return fn();
    },
    events: { record: (e: NewEvent) => events.push(e) },
    store,
    cells,
    cgroups: cgroups.driver,
    shim,
    locks: new KeyedMutex(),
    stateRoot,
    spawnTimeoutMs: opts.spawnTimeoutMs,
    log: pino({ level: "silent" }),
  });
  t.after(async () => {
    executables.close();
    db.close();
    await rm(stateRoot, { recursive: true, force: true });
  });
  return { executables, store, shim, cgroups, events, stateRoot, commits: () => commits };
}

const spec = (name: string): ExecutableSpec => ({
  cell: "web",
  name,
  argv: ["/bin/sleep", "60"],
  env: {},
  cwd: "/",
  shell: false,
  umask: 0o022,
  rlimits: [],
  stdin: "null",
  restart: { mode: "always", maxRestarts: 0, maxDelayMs: 1000 },
});

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("a Stop during a start still starting ends stopped, with one executable.stopped event and no restart", async (t) => {
  const { executables, store, shim, events } = await setUp(t);
  const starting = executables.start(spec("slow"));
  await until("the spawn", () => shim.calls.length === 1);
  const stopping = executables.stop("web", "slow", { graceMs: 20 });
  await until("the stop intent recorded", () => store.get("web", "slow")?.state === "stopping");
  shim.calls[0]!.resolve({ pid: 4242, startedAtUnixNano: BigInt(Date.now()) * 1_000_000n });
  await starting;
  const stopped = await stopping;
  assert.equal(stopped.state, "exited");
  await new Promise((r) => setTimeout(r, 300)); // longer than the policy's first restart delay (100 ms)
  assert.equal(store.get("web", "slow")?.state, "exited");
  assert.equal(shim.calls.length, 1, "the restart policy started it again");
  assert.equal(events.filter((e) => e.kind === "executable.stopped").length, 1);
  assert.equal(events.filter((e) => e.kind === "executable.restarted").length, 0);
});

test("a spawn that never reports fails at the deadline, leaves nothing, and the tree lock is free meanwhile", async (t) => {
  const { executables, store, shim, cgroups } = await setUp(t, { spawnTimeoutMs: 300 });
  const hung = executables.start(spec("hung"));
  const hungOutcome = hung.then(() => undefined, (err: unknown) => err);
  await until("the hung spawn", () => shim.calls.length === 1);
  // Another start in the same tree completes while the first one hangs.
  const other = executables.start(spec("other"));
  await until("the second spawn", () => shim.calls.length === 2);
  shim.call("/other/")!.resolve({ pid: 4343, startedAtUnixNano: BigInt(Date.now()) * 1_000_000n });
  assert.equal((await other).state, "running");
  assert.equal(store.get("web", "hung")?.state, "starting", "the first start ended before its deadline");

  const err = await hungOutcome;
  assert.ok(err instanceof AuraeError, `want an AuraeError, got ${String(err)}`);
  assert.equal(err.kind, "unavailable");
  assert.match(err.message, /start "hung" in cell "web": the shim did not report within 300 ms/);
  assert.equal(store.get("web", "hung"), undefined, "the starting record was not rolled back");
  assert.ok(cgroups.killed.includes("web/hung.exe"), "what reached the leaf was not killed");
  assert.ok(!cgroups.leaves.has("web/hung.exe"), "the leaf was not removed");
  assert.ok(cgroups.leaves.has("web/other.exe"));
  assert.equal(shim.call("/hung/")!.signal?.aborted, true, "the shim was not told to give up");
});

test("a start the last auraed left starting, whose spawn now never reports, is rolled back at the deadline", async (t) => {
  const { executables, store, shim, cgroups } = await setUp(t, { spawnTimeoutMs: 200 });
  store.put({
    cell: "web", name: "left", spec: JSON.stringify(spec("left")), state: "starting", pid: 0, startedAtMs: Date.now(),
    exitedAtMs: null, exitStatus: null, restartCount: 0, backoffStep: 0, nextRestartAtMs: null,
  });
  await executables.recover(); // logs the failure and goes on
  assert.equal(shim.calls.length, 1);
  assert.equal(store.get("web", "left"), undefined, "the interrupted start stayed starting for ever");
  assert.ok(!cgroups.leaves.has("web/left.exe"));
});

test("adopting running executables reads their shims' files without a thread-pool round trip", async (t) => {
  const { executables, store, cgroups, stateRoot } = await setUp(t);
  const names = Array.from({ length: 20 }, (_, i) => `w${i}`);
  for (const [i, name] of names.entries()) {
    store.put({
      cell: "web", name, spec: JSON.stringify(spec(name)), state: "running", pid: 5000 + i, startedAtMs: Date.now(),
      exitedAtMs: null, exitStatus: null, restartCount: 0, backoffStep: 0, nextRestartAtMs: null,
    });
    await mkdir(join(stateRoot, "executables", "web", name, "runs", "0"), { recursive: true });
  }
  (cgroups.driver as { pids: CgroupDriver["pids"] }).pids = async (path) => [5000 + names.indexOf(path.slice("web/".length, -".exe".length))];
  // Each fs.promises or callback call is an FSREQ resource: one round trip through libuv's thread pool.
  let roundTrips = 0;
  const hook = createHook({ init: (_id, type) => void (type.startsWith("FSREQ") && roundTrips++) }).enable();
  try {
    await executables.recover();
  } finally {
    hook.disable();
  }
  assert.deepEqual(names.map((name) => store.get("web", name)?.state), names.map(() => "running"), "every one adopted");
  assert.equal(roundTrips, 0);
});

test("executables lost without a trace (a reboot) are recorded as lost in one commit, each with its event", async (t) => {
  const { executables, store, events, commits } = await setUp(t);
  const names = ["a", "b", "c", "d", "e"];
  for (const name of names)
    store.put({
      cell: "web", name, spec: JSON.stringify({ ...spec(name), restart: { mode: "no", maxRestarts: 0, maxDelayMs: 1000 } }), state: "running",
      pid: 4242, startedAtMs: Date.now(), exitedAtMs: null, exitStatus: null, restartCount: 0, backoffStep: 0, nextRestartAtMs: null,
    });
  await executables.recover(); // no status file, no process in the leaf: lost
  assert.deepEqual(names.map((name) => store.get("web", name)?.state), names.map(() => "exited"));
  assert.ok(names.every((name) => (JSON.parse(store.get("web", name)!.exitStatus!) as { lost?: boolean }).lost));
  assert.deepEqual(events.filter((e) => e.kind === "executable.exited").map((e) => e.executable).sort(), names);
  assert.equal(commits(), 1);
});
