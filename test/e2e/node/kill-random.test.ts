// auraed killed with SIGKILL at a random moment of a random call, hundreds of times: each time the next auraed must
// leave the node consistent: no process it does not account for, no executable run twice, no cgroup nobody owns,
// and every running executable really running; and every call that was answered before the kill must still be
// reflected (a cell allocated, an executable started or stopped, a cell freed), after that restart and every later
// one. The seed is printed; AURAE_SEED and AURAE_TRIALS replay or extend.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { AuraeClientError, ExecutableState, type AuraeClient } from "../../../src/client/index.js";
import { executableDir, runDir } from "../../../src/domain/executables/layout.js";
import { SHIMS_CGROUP } from "../../../src/runtime/cgroups/driver.js";
import type { Cell } from "../../../src/gen/aurae/cells/v1/cells.js";
import type { Executable } from "../../../src/gen/aurae/executables/v1/executables.js";
import { useDaemon } from "../../helpers/daemon.js";
import { isAlive, sleep } from "../../helpers/executables.js";
import { cgroupTree, keyOf, listAllCells, listAllExecutables, parentOf, processesUnder, shimsOf } from "../../helpers/node-state.js";

const aurae = useDaemon();
const TRIALS = Number(process.env.AURAE_TRIALS ?? 200);
const SEED = Number(process.env.AURAE_SEED ?? 0x5eed_a12e);
const MAX_KILL_DELAY_MS = 30;
const MAX_CELLS = 4;
const MAX_ACTIVE = 6;

interface NodeView {
  readonly cells: Cell[];
  readonly executables: Executable[];
}

interface Operation {
  readonly what: string;
  call(client: AuraeClient): Promise<unknown>;
  /** Updates what the node must show: the call's effect when it was answered; else its target is unknown now. */
  record(acknowledged: Acknowledged, answered: boolean): void;
}

type ExecutableFact = "running" | "exited" | "gone";

/** What answered calls established, each until a later call on the same thing; checked after every restart. */
class Acknowledged {
  readonly cells = new Map<string, boolean>(); // name -> exists
  readonly executables = new Map<string, ExecutableFact>(); // cell/name -> its state

  /** A cell, allocated (true), or unknown (undefined) after a call that was not answered. */
  cell(name: string, exists: true | undefined): void {
    if (exists === undefined) this.cells.delete(name);
    else this.cells.set(name, exists);
  }

  /** A cell freed with its nested cells and the executables below them (false), or all of them unknown. */
  subtree(name: string, exists: false | undefined): void {
    const below = (path: string) => path === name || path.startsWith(`${name}/`);
    for (const cell of [...this.cells.keys()].filter(below)) this.cell(cell, undefined);
    if (exists === false) this.cells.set(name, false);
    for (const key of [...this.executables.keys()].filter((key) => below(key.slice(0, key.lastIndexOf("/")))))
      this.executable(key, exists === false ? "gone" : undefined);
  }

  executable(key: string, fact: ExecutableFact | undefined): void {
    if (fact === undefined) this.executables.delete(key);
    else this.executables.set(key, fact);
  }

  /** What the node shows that contradicts an answered call. */
  contradictions(view: NodeView): string[] {
    const found: string[] = [];
    const cells = new Set(view.cells.map((c) => c.spec!.name));
    for (const [name, exists] of this.cells)
      if (cells.has(name) !== exists) found.push(`(g) cell ${name} was ${exists ? "allocated" : "freed"} (answered), yet it is ${exists ? "missing" : "listed"}`);
    const states = new Map(view.executables.map((x) => [keyOf(x), x.status!.state]));
    for (const [key, fact] of this.executables) {
      const state = states.get(key);
      const shown = state === undefined ? "gone" : state === ExecutableState.EXECUTABLE_STATE_RUNNING ? "running" : state === ExecutableState.EXECUTABLE_STATE_EXITED ? "exited" : ExecutableState[state];
      if (shown !== fact) found.push(`(g) executable ${key} should be ${fact} (an answered call), yet it is ${shown}`);
    }
    return found;
  }
}

test(`node invariants hold after SIGKILL in the middle of ${TRIALS} random calls`, { timeout: 15 * 60_000 }, async (t) => {
  t.diagnostic(`seed ${SEED}, ${TRIALS} trials; replay with AURAE_SEED=${SEED} AURAE_TRIALS=${TRIALS}`);
  t.after(() => freeAll());
  const random = mulberry32(SEED);
  const history: string[] = [];
  const acknowledged = new Acknowledged();
  for (let trial = 0; trial < TRIALS; trial++) {
    const op = pickOperation(random, await viewOf(aurae.client), trial);
    const delayMs = Math.floor(random() * (MAX_KILL_DELAY_MS + 1));
    // One time in four the kill follows the answer, so every kind of call is also acknowledged now and then.
    const afterAnswer = random() < 0.25;
    // In flight, not awaited: the daemon dies under it.
    const outcome = op.call(aurae.client).then(() => "answered", (err: unknown) => `failed ${(err as AuraeClientError).code ?? err}`);
    if (afterAnswer) await outcome;
    await sleep(delayMs);
    await aurae.kill9();
    const ended = await outcome;
    op.record(acknowledged, ended === "answered");
    history.push(`#${trial} ${op.what}, killed ${afterAnswer ? "after the answer and" : "after"} ${delayMs} ms: ${ended}`);
    await aurae.start();
    try {
      await checkInvariants(aurae.client, acknowledged);
    } catch (err) {
      throw new Error(`trial ${trial} (AURAE_SEED=${SEED}): ${(err as Error).message}\nlast trials:\n${history.slice(-8).join("\n")}`, { cause: err });
    }
  }
  t.diagnostic(summarize(history));
  t.diagnostic(`answered calls still checked at the end: ${acknowledged.cells.size} cells, ${acknowledged.executables.size} executables`);
  await freeAll();
  assert.deepEqual(await listAllCells(aurae.client), []);
});

/** A small seeded PRNG (mulberry32): the same seed, the same choices. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), a | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

async function viewOf(client: AuraeClient): Promise<NodeView> {
  return { cells: await listAllCells(client), executables: await listAllExecutables(client) };
}

/** One of the operations the node allows now, kept small: a few cells, a few executables. */
function pickOperation(random: () => number, view: NodeView, trial: number): Operation {
  const active = view.executables.filter((x) => x.status!.state !== ExecutableState.EXECUTABLE_STATE_EXITED);
  const cellNames = view.cells.map((c) => c.spec!.name);
  const choices: (() => Operation)[] = [];
  if (cellNames.length < MAX_CELLS) choices.push(() => allocate(random, cellNames, trial));
  if (cellNames.length > 0 && active.length < MAX_ACTIVE) choices.push(() => start(pick(random, cellNames), `x${trial}`));
  if (active.length > 0) choices.push(() => stop(pick(random, active)));
  if (cellNames.length > 0) choices.push(() => free(pick(random, cellNames)));
  return pick(random, choices)();
}

/** A top-level cell, isolated one time in three, or a cell nested in an existing top-level one. */
function allocate(random: () => number, cellNames: string[], trial: number): Operation {
  const tops = cellNames.filter((name) => !name.includes("/"));
  const roll = random();
  const spec =
    tops.length > 0 && roll < 0.25
      ? { name: `${pick(random, tops)}/n${trial}` }
      : { name: `k${trial}`, ...(roll > 2 / 3 && { isolation: { pid: true, mount: true } }) };
  return {
    what: `allocate ${JSON.stringify(spec)}`,
    call: (client) => client.cells.allocate({ spec }),
    record: (acknowledged, answered) => acknowledged.cell(spec.name, answered ? true : undefined),
  };
}

function start(cellName: string, name: string): Operation {
  return {
    what: `start ${cellName}/${name}`,
    call: (client) => client.executables.start({ spec: { cellName, name, argv: ["sleep", "600"] } }),
    record: (acknowledged, answered) => acknowledged.executable(`${cellName}/${name}`, answered ? "running" : undefined),
  };
}

function stop(x: Executable): Operation {
  const { cellName, name } = x.spec!;
  return {
    what: `stop ${keyOf(x)}`,
    call: (client) => client.executables.stop({ cellName, name, gracePeriodMs: 1000 }),
    record: (acknowledged, answered) => acknowledged.executable(keyOf(x), answered ? "exited" : undefined),
  };
}

function free(name: string): Operation {
  return {
    what: `free ${name}`,
    call: (client) => client.cells.free({ name, stop: true, gracePeriodMs: 1000 }),
    record: (acknowledged, answered) => acknowledged.subtree(name, answered ? false : undefined),
  };
}

/** The API is read first, then the kernel: what the API shows cannot be older than what the kernel shows. */
async function checkInvariants(client: AuraeClient, acknowledged: Acknowledged): Promise<void> {
  const view = await viewOf(client);
  const tree = await cgroupTree(aurae.cgroupRoot);
  const everyPid = await processesUnder(aurae.cgroupRoot);
  const problems = [
    ...(await orphans(view, tree, everyPid)),
    ...(await duplicates(view, tree)),
    ...leakedCgroups(view, tree),
    ...(await notRunning(view, tree)),
    ...(await missingCells(view, tree)),
    ...(await strayShims(view)),
    ...acknowledged.contradictions(view),
  ];
  assert.deepEqual(problems, [], "node invariants");
}

const STATES_WITH_A_PROCESS = new Set([
  ExecutableState.EXECUTABLE_STATE_RUNNING,
  ExecutableState.EXECUTABLE_STATE_STARTING,
  ExecutableState.EXECUTABLE_STATE_STOPPING,
]);

/**
 * (a) Every process under our root is an executable's (its main pid or a descendant), a listed cell's reaper, or a
 * shim in the shims' cgroup.
 */
async function orphans(view: NodeView, tree: Map<string, Set<number>>, everyPid: Set<number>): Promise<string[]> {
  const accounted = new Set<number>();
  for (const x of view.executables) {
    if (!STATES_WITH_A_PROCESS.has(x.status!.state)) continue;
    for (const pid of tree.get(`${keyOf(x)}.exe`) ?? []) if (await descendsFrom(pid, x.status!.pid)) accounted.add(pid);
  }
  for (const cell of view.cells)
    if (cell.status!.initPid && tree.get(`${cell.spec!.name}/cell.init`)?.has(cell.status!.initPid)) accounted.add(cell.status!.initPid);
  // The shims wait in their own cgroup; (d) checks that each one works for an executable that has a process.
  for (const pid of tree.get(SHIMS_CGROUP) ?? []) if ((await commOf(pid)) === "aurae-shim") accounted.add(pid);
  const found: string[] = [];
  for (const pid of everyPid) if (!accounted.has(pid)) found.push(`(a) orphan pid ${pid} (${await commOf(pid)}) in ${whereIs(tree, pid)}`);
  return found;
}

/** (b) An executable's leaf holds one process tree at most, rooted at the executable's pid. */
async function duplicates(view: NodeView, tree: Map<string, Set<number>>): Promise<string[]> {
  const found: string[] = [];
  for (const x of view.executables) {
    const pids = tree.get(`${keyOf(x)}.exe`) ?? new Set<number>();
    const roots: number[] = [];
    for (const pid of pids) if (!pids.has((await parentOf(pid)) ?? 0)) roots.push(pid);
    if (roots.length > 1 || (roots.length === 1 && roots[0] !== x.status!.pid))
      found.push(`(b) ${keyOf(x)} (pid ${x.status!.pid}, ${ExecutableState[x.status!.state]}) has process trees rooted at ${roots.join(", ")}`);
  }
  return found;
}

/**
 * (c) Every cgroup is a listed cell, a listed cell's reaper, the leaf of an executable not exited for good, or the
 * shims' own cgroup.
 */
function leakedCgroups(view: NodeView, tree: Map<string, Set<number>>): string[] {
  const owned = new Set<string>([SHIMS_CGROUP]);
  for (const cell of view.cells) {
    owned.add(cell.spec!.name);
    if (cell.status!.initPid) owned.add(`${cell.spec!.name}/cell.init`);
  }
  for (const x of view.executables) if (x.status!.state !== ExecutableState.EXECUTABLE_STATE_EXITED) owned.add(`${keyOf(x)}.exe`);
  return [...tree.keys()].filter((path) => !owned.has(path)).map((path) => `(c) leaked cgroup ${path} (pids ${[...tree.get(path)!].join(", ") || "none"})`);
}

/** (d) Every running executable's pid is alive, in its leaf. */
async function notRunning(view: NodeView, tree: Map<string, Set<number>>): Promise<string[]> {
  return view.executables
    .filter((x) => x.status!.state === ExecutableState.EXECUTABLE_STATE_RUNNING)
    .filter((x) => !isAlive(x.status!.pid) || !tree.get(`${keyOf(x)}.exe`)?.has(x.status!.pid))
    .map((x) => `(d) ${keyOf(x)} is RUNNING, but pid ${x.status!.pid} is ${isAlive(x.status!.pid) ? "not in its leaf" : "gone"}`);
}

/** (e) Every listed cell has its cgroup, and an isolated one its reaper. */
async function missingCells(view: NodeView, tree: Map<string, Set<number>>): Promise<string[]> {
  const found: string[] = [];
  for (const cell of view.cells) {
    const name = cell.spec!.name;
    if (!tree.has(name)) found.push(`(e) cell ${name} has no cgroup`);
    const isolated = Object.values(cell.spec!.isolation ?? {}).some(Boolean);
    if (isolated && !tree.get(`${name}/cell.init`)?.has(cell.status!.initPid))
      found.push(`(e) isolated cell ${name}: reaper ${cell.status!.initPid} is ${isAlive(cell.status!.initPid) ? "not in cell.init" : "gone"}`);
  }
  return found;
}

/**
 * (f) Every shim of this daemon serves an executable that has a process, or a listed cell's reaper. A shim may
 * outlive its workload by the moment it takes to finish the log: only one still there a little later counts.
 */
async function strayShims(view: NodeView): Promise<string[]> {
  const served = new Set<string>();
  for (const x of view.executables)
    if (STATES_WITH_A_PROCESS.has(x.status!.state))
      served.add(runDir(executableDir(aurae.stateDir, x.spec!.cellName, x.spec!.name), x.status!.restartCount));
  for (const cell of view.cells) if (cell.status!.initPid) served.add(join(aurae.stateDir, "cells", cell.spec!.name.replaceAll("/", "."), "init"));
  const find = async () => [...(await shimsOf(aurae.stateDir))].filter(([, dir]) => !served.has(dir));
  let strays = await find();
  for (let waitedMs = 0; strays.length > 0 && waitedMs < 1000; waitedMs += 50) {
    await sleep(50);
    strays = await find();
  }
  return strays.map(([pid, dir]) => `(f) shim ${pid} of ${dir} serves nothing listed`);
}

async function descendsFrom(pid: number, ancestor: number): Promise<boolean> {
  for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 64; p = await parentOf(p), depth++)
    if (p === ancestor) return true;
  return false;
}

const whereIs = (tree: Map<string, Set<number>>, pid: number): string =>
  [...tree].filter(([, pids]) => pids.has(pid)).map(([path]) => path).join(", ") || "the root itself";

const commOf = (pid: number): Promise<string> => readFile(`/proc/${pid}/comm`, "utf8").then((s) => s.trim(), () => "gone");

/** How many trials ran each kind of operation, and how their calls ended. */
function summarize(history: string[]): string {
  const counts = new Map<string, number>();
  for (const line of history) {
    const key = `${line.split(" ")[1]} ${line.split(": ").at(-1)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort().map(([key, n]) => `${key}: ${n}`).join("; ");
}

/** Frees every top-level cell (its nested ones with it) with stop; a no-op when the daemon is down (useDaemon cleans up). */
async function freeAll(): Promise<void> {
  if (aurae.pid === undefined) return;
  const tops = (await listAllCells(aurae.client)).filter((c) => !c.spec!.name.includes("/"));
  const results = await Promise.allSettled(tops.map((c) => aurae.client.cells.free({ name: c.spec!.name, stop: true, gracePeriodMs: 1000 })));
  const failed = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
  if (failed.length > 0) throw new Error(`freeing the cells failed: ${failed.join("; ")}`);
}
