// One auraed per state directory and per cgroup root. Each lock is an abstract Unix socket named after what it
// guards: binding it is atomic, and the kernel releases it when the process dies, however it dies, so a crash never
// leaves a stale lock. Both are taken before anything touches the kernel: a second auraed with another state
// directory but the same cgroup root would otherwise find no desired state for the first one's cgroups and remove
// them, workloads and all.
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, precondition } from "../errors.js";

export interface InstanceLocks {
  readonly stateDir: string;
  /** Where cgroup hierarchies are mounted (normally /sys/fs/cgroup) and our root's name in each. */
  readonly cgroupFsRoot: string;
  readonly cgroupRoot: string;
}

export async function lockInstance(locks: InstanceLocks): Promise<void> {
  // Real paths: a symlink to the same directory must find the same lock.
  await holdLock(
    `aurae-state-${digest(await realpath(locks.stateDir))}`,
    `another auraed is using the state directory ${locks.stateDir}: stop it first, or use another --state-dir`,
  );
  await holdLock(
    `aurae-cgroup-${digest(join(await realpath(locks.cgroupFsRoot), locks.cgroupRoot.replace(/^\/+|\/+$/g, "")))}`,
    `another auraed manages the cgroup root "${locks.cgroupRoot}" under ${locks.cgroupFsRoot}: stop it first, or use another --cgroup-root`,
  );
}

const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 32);

async function holdLock(name: string, refusal: string): Promise<void> {
  // Anyone on the host may connect to an abstract socket (it has no file mode): each connection is closed at once,
  // or every one would hold a descriptor of auraed's for good.
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(`\0${name}`, done);
    });
  } catch (err) {
    if (errnoCode(err) === "EADDRINUSE") throw precondition(refusal);
    throw err;
  }
  server.unref(); // held for the life of the process, never keeping it alive
}
