// Polling an executable until its status is what a test waits for: a restart by its policy, a back-off, a stop.
import type { AuraeClient } from "../../src/client/index.js";
import type { Executable, ExecutableStatus } from "../../src/gen/aurae/executables/v1/executables.js";
import { patience } from "./patience.js";

/** The executable once `wanted(status)` holds; fails naming `what` and the last status after `timeoutMs`. */
export async function waitForStatus(
  client: AuraeClient,
  cellName: string,
  name: string,
  what: string,
  wanted: (status: ExecutableStatus) => boolean,
  timeoutMs = 5000,
): Promise<Executable> {
  const deadline = Date.now() + patience(timeoutMs);
  for (;;) {
    const { executable } = await client.executables.get({ cellName, name });
    if (executable?.status && wanted(executable.status)) return executable;
    if (Date.now() > deadline) {
      const status = executable?.status;
      throw new Error(`${cellName}/${name}: waited ${patience(timeoutMs)} ms for ${what}; last state ${status?.state}, restart ${status?.restartCount}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
