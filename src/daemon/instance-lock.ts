// One auraed per state directory. The lock is an abstract Unix socket named after the directory: binding it is
// atomic, and the kernel releases it when the process dies, however it dies, so a crash never leaves a stale lock.
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { realpath } from "node:fs/promises";
import { errnoCode, precondition } from "../errors.js";

export async function lockStateDir(stateDir: string): Promise<void> {
  // The real path: a symlink to the same directory must find the same lock.
  const name = `\0aurae-state-${createHash("sha256").update(await realpath(stateDir)).digest("hex").slice(0, 32)}`;
  // Anyone on the host may connect to an abstract socket (it has no file mode): each connection is closed at once,
  // or every one would hold a descriptor of auraed's for good.
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(name, done);
    });
  } catch (err) {
    if (errnoCode(err) === "EADDRINUSE")
      throw precondition(`another auraed is using the state directory ${stateDir}: stop it first, or use another --state-dir`);
    throw err;
  }
  server.unref(); // held for the life of the process, never keeping it alive
}
