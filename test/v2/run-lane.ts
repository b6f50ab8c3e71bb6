// The v2 lane: runs the e2e files whose behaviour differs between cgroup v1 and v2 inside a VM whose only cgroup
// hierarchy is cgroup2 with every controller enabled (this host is hybrid, its controllers on v1). The guest runs the
// host's own node, shim and this worktree (dist/ built beforehand) over a read-only 9p share of the host's root.
// Usage: node --import tsx test/v2/run-lane.ts [test files...]; exits non-zero when a file fails or the VM does.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { guestKernel } from "./initramfs.js";
import { bootGuest, chooseAccel, type Accel } from "./qemu.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * What runs on v2, and why: each reads or writes files whose names or semantics differ between the hierarchies
 * (limits, nesting, freeze through cgroup.freeze, kill through cgroup.kill, OOM through memory.events, signals to a
 * cgroup's tree, cgroups rebuilt after a reboot). The guest check proves the lane really is pure v2. Left out, for
 * TCG's time: restart policies and daemon restarts with many executables, which reach cgroups only through the same
 * driver calls as these (docs/testing.md).
 */
export const LANE_FILES = [
  "test/v2/guest/pure-v2.test.ts",
  "test/integration/helpers/cgroups.test.ts",
  "test/e2e/cells/cells.test.ts",
  "test/e2e/cells/limits.test.ts",
  "test/e2e/cells/freeze-order.test.ts",
  "test/e2e/cells/free.test.ts",
  "test/e2e/executables/lifecycle.test.ts",
  "test/e2e/executables/signals.test.ts",
  "test/e2e/node/reboot.test.ts",
];

const CACHE = process.env.AURAE_V2LANE_CACHE ?? "/var/cache/aurae-v2lane";
const TIMEOUT_MS = 20 * 60_000;
/** Fresh guests for files node crashed in under TCG (about one file in nine crashes once in a run here). */
const CRASH_RETRIES = 2;
/** How much longer test helpers wait under each accelerator (test/helpers/patience.ts): TCG runs node ~5x slower. */
const PATIENCE: Readonly<Record<Accel, number>> = { kvm: 1, tcg: 6 };

async function main(files: readonly string[]): Promise<number> {
  const startedAt = performance.now();
  const kernelDir = execFileSync("sh", [join(REPO, "test/v2/fetch-kernel.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  const kernel = await guestKernel(kernelDir, CACHE);
  // The job scripts live on the host; the guest reads them through its share of the host's root.
  const jobs = await mkdtemp(join(tmpdir(), "aurae-v2lane-"));
  try {
    const noop = join(jobs, "noop.sh");
    await writeFile(noop, "exit 0\n");
    const accel = await chooseAccel(kernel, noop);
    const job = join(jobs, "job.sh");
    await writeFile(job, jobScript(files, PATIENCE[accel]));
    console.log(`v2 lane: ${accel.toUpperCase()}, ${files.length} files`);
    let run = await bootGuest({ kernel, job, accel, timeoutMs: TIMEOUT_MS, echo: (chunk) => process.stdout.write(chunk) });
    // Under TCG node itself now and then dies of a signal (QEMU's emulation of what V8's JIT does, not our code): a
    // file that crashed so, and only so, runs again in a fresh guest. An assertion that failed is never retried.
    for (let retry = 1; retry <= CRASH_RETRIES && accel === "tcg" && run.status !== 0; retry++) {
      const crashed = onlyCrashedFiles(run.console);
      if (crashed.length === 0) break;
      console.log(`v2 lane: ${crashed.join(", ")} died of a signal under TCG; running ${crashed.length === 1 ? "it" : "them"} again (${retry}/${CRASH_RETRIES})`);
      await writeFile(job, jobScript(crashed, PATIENCE[accel]));
      run = await bootGuest({ kernel, job, accel, timeoutMs: TIMEOUT_MS, echo: (chunk) => process.stdout.write(chunk) });
    }
    const wall = (performance.now() - startedAt) / 1000;
    const boot = run.bootSeconds === undefined ? "never reached /init" : `${run.bootSeconds.toFixed(1)} s to /init`;
    console.log(`v2 lane: ${run.status === 0 ? "passed" : `FAILED (status ${run.status ?? "none"})`}; ${boot}; ${wall.toFixed(0)} s in all`);
    return run.status === 0 ? 0 : 1;
  } finally {
    await rm(jobs, { recursive: true, force: true });
  }
}

/**
 * The test files of a TAP report that failed only by dying of a signal, relative to the repository; empty when
 * anything else failed (a test's own failure is real) or nothing did.
 */
export function onlyCrashedFiles(tap: string): string[] {
  const failures = tap.split(/^(?=not ok \d+ - )/m).filter((block) => block.startsWith("not ok "));
  const crashed: string[] = [];
  for (const block of failures) {
    const file = /^not ok \d+ - (\S+\.test\.ts)\r?$/m.exec(block)?.[1];
    if (file === undefined || !/^ {2}signal: 'SIG[A-Z]+'/m.test(block)) return [];
    crashed.push(file.startsWith(REPO) ? file.slice(REPO.length) : file);
  }
  return crashed;
}

function jobScript(files: readonly string[], patience: number): string {
  const quoted = files.map((f) => `'${f.replaceAll("'", "'\\''")}'`).join(" ");
  return [
    "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root",
    `export AURAE_TEST_PATIENCE=${patience}`,
    `cd '${REPO}' || exit 125`,
    `exec node --import tsx --test --test-concurrency=1 --test-reporter=tap ${quoted}`,
    "",
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  process.exitCode = await main(args.length > 0 ? args : LANE_FILES);
}
