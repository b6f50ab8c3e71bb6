// Small steps e2e tests repeat: run to exit, wait for a state, collect a log.
import type { AuraeClient } from "../../src/client/index.js";
import { ExecutableState } from "../../src/client/index.js";
import type { Executable } from "../../src/gen/aurae/executables/v1/executables.js";
import type { LogEntry } from "../../src/gen/aurae/observe/v1/observe.js";
import { patience } from "./patience.js";

export async function waitForExit(client: AuraeClient, cellName: string, name: string, timeoutMs = 20_000): Promise<Executable> {
  const deadline = Date.now() + patience(timeoutMs);
  for (;;) {
    const { executable } = await client.executables.get({ cellName, name });
    if (executable?.status?.state === ExecutableState.EXECUTABLE_STATE_EXITED) return executable;
    if (Date.now() > deadline) throw new Error(`${cellName}/${name} did not exit within ${patience(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function runToExit(client: AuraeClient, cellName: string, name: string, argv: string[]): Promise<Executable> {
  await client.executables.start({ spec: { cellName, name, argv } });
  return waitForExit(client, cellName, name);
}

export async function collectLogs(client: AuraeClient, cellName: string, name: string, follow: boolean): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const msg of client.observe.getLogs({ cellName, executableName: name, follow })) entries.push(...msg.entries);
  return entries;
}

/**
 * Follows an executable's log until it prints `line`: a workload that says when it is ready (a trap installed, a
 * socket bound) is waited for by that line, never by a guessed sleep.
 */
export async function waitForLine(client: AuraeClient, cellName: string, name: string, line: string, timeoutMs = 20_000): Promise<void> {
  const stream = client.observe.getLogs({ cellName, executableName: name, follow: true }, { signal: AbortSignal.timeout(timeoutMs) });
  try {
    for await (const msg of stream) if (msg.entries.some((e) => e.line.toString() === line)) return;
  } catch (err) {
    throw new Error(`${cellName}/${name} did not print "${line}" within ${timeoutMs} ms`, { cause: err });
  }
  throw new Error(`${cellName}/${name} exited without printing "${line}"`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export { isAlive } from "./processes.js";
