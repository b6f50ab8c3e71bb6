// A real terminal for aer: a tmux server of the test's own (-L, a unique socket), one window running a command,
// read with capture-pane. Only that server is killed afterwards.
import { execFile } from "node:child_process";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { uniqueName } from "../../helpers/names.js";
import { eventually } from "./run-aer.js";

const run = promisify(execFile);

export interface Terminal {
  /** What the screen shows now, one string with a line per row. */
  screen(): Promise<string>;
  /** Keys as tmux send-keys takes them ("q", "C-c"). */
  sendKeys(...keys: string[]): Promise<void>;
  /** Waits until the screen matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/** Runs `command` (a shell command line) in a fresh 120x40 terminal; it then prints EXIT=<code> and stays open. */
export async function openTerminal(t: TestContext, command: string, env: Record<string, string> = {}): Promise<Terminal> {
  const socket = uniqueName("aer-tmux");
  const tmux = (...args: string[]) => run("tmux", ["-L", socket, "-f", "/dev/null", ...args]);
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${v}'; `).join("");
  await tmux("new-session", "-d", "-x", "120", "-y", "40", `${exports}${command}; echo EXIT=$?; sleep 600`);
  t.after(() => tmux("kill-server").catch(() => undefined));
  const screen = async () => (await tmux("capture-pane", "-p")).stdout;
  return {
    screen,
    sendKeys: async (...keys) => void (await tmux("send-keys", ...keys)),
    async waitFor(pattern, timeoutMs = 15_000) {
      let last = "";
      await eventually(`${pattern} on the screen`, async () => pattern.test((last = await screen())), timeoutMs).catch((err: Error) => {
        throw new Error(`${err.message}; the screen shows:\n${last}`);
      });
      return last;
    },
  };
}
