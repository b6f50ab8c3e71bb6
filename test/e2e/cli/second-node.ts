// A second auraed for fan-out tests: its own state, socket and cgroup root, the same PKI as a useDaemon (so one
// client config reaches both), serving TCP on [::1]. Started by the first test that asks for it (the first daemon's
// PKI exists by then), stopped and cleaned after the file's tests.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { removeCgroupRoot } from "../../helpers/cgroups.js";
import { DAEMON_MAIN, freePort, type TestDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { aerRaw } from "./run-aer.js";

export interface SecondNode {
  /** Starts it, once; answers its address, "[::1]:<port>". */
  address(): Promise<string>;
}

export function useSecondNode(first: TestDaemon): SecondNode {
  let dir = "";
  let child: ChildProcess | undefined;
  let started: Promise<string> | undefined;
  const cgroupRoot = uniqueName("aurae-test-2nd");
  const start = async (): Promise<string> => {
    dir = await mkdtemp(join(tmpdir(), "aurae-2nd-"));
    const address = `[::1]:${await freePort()}`;
    child = spawn(
      process.execPath,
      [DAEMON_MAIN, "--runtime-dir", join(dir, "run"), "--state-dir", join(dir, "state"), "--config-dir", first.pki.configDir,
        "--cgroup-root", cgroupRoot, "--trust-domain", "aurae.test", "--tcp", address],
      { stdio: "ignore" },
    );
    for (let i = 0; (await aerRaw(["--config", first.pki.clientConfig, "--node", address, "-q", "health"])).code !== 0; i++) {
      if (child.exitCode !== null || i > 200) throw new Error(`the second auraed did not serve on ${address}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return address;
  };
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    if (!started) return;
    await removeCgroupRoot(cgroupRoot);
    await rm(dir, { recursive: true, force: true });
  });
  return { address: () => (started ??= start()) };
}
