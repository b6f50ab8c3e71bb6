// Host tools the image code needs where Node has no call of its own: mknod(1), setfattr(1), mount(8), sync(1).
import { execFile } from "node:child_process";
import { internal } from "../../errors.js";

export interface RunToolOptions {
  readonly cwd?: string;
  /** Written to the tool's stdin. */
  readonly input?: string;
}

/** Runs `cmd`; a failure is `internal` with the tool's own words (its stderr), the original kept as cause. */
export function runTool(cmd: string, args: readonly string[], opts: RunToolOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd }, (err, _stdout, stderr) =>
      err ? reject(internal(`${cmd} ${args.join(" ")}: ${String(stderr).trim() || err.message}`, { cause: err })) : resolve());
    child.stdin?.on("error", () => undefined); // EPIPE if the tool exits without reading; its exit status tells why
    child.stdin?.end(opts.input);
  });
}
