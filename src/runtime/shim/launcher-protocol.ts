// The wire format between auraed and the shim launcher (native/src/launcher.c): framed requests on its stdin, one
// report line per event on its stdout. Pure, so that both directions are unit-tested without a process.

/** native/src/launcher.c refuses larger frames (its MAX_ARGV_BYTES, the shim's SHIM_MAX_ENV_BYTES). */
const MAX_ARGV_BYTES = 4 * 1024 * 1024;
const MAX_ENV_BYTES = 8 * 1024 * 1024;
const HEADER_BYTES = 16;

/** One line the launcher (or a shim it forked) wrote. */
export type LauncherReport =
  | { readonly kind: "ready" }
  | { readonly kind: "fail"; readonly errno: number; readonly message: string }
  | { readonly kind: "forked"; readonly id: number; readonly shimPid: number }
  | { readonly kind: "ok"; readonly id: number; readonly pid: number; readonly startedAtUnixNano: bigint }
  | { readonly kind: "err"; readonly id: number; readonly errno: number; readonly message: string }
  | { readonly kind: "reaped"; readonly shimPid: number; readonly waitStatus: number };

/**
 * A request: four little-endian u32 (id, argc, argv bytes, env bytes), the shim's arguments each ended by a NUL, then
 * the environment block as --env-fd reads it. Returns undefined when the frame would be refused for its size (the
 * caller then starts that shim directly, whose own limits answer).
 */
export function encodeLaunchRequest(id: number, args: readonly string[], env: Buffer | undefined): Buffer | undefined {
  const argv = Buffer.from(args.map((arg) => `${arg}\0`).join(""));
  const envBytes = env?.length ?? 0;
  if (args.length === 0 || argv.length > MAX_ARGV_BYTES || envBytes > MAX_ENV_BYTES) return undefined;
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32LE(id, 0);
  head.writeUInt32LE(args.length, 4);
  head.writeUInt32LE(argv.length, 8);
  head.writeUInt32LE(envBytes, 12);
  return Buffer.concat(env ? [head, argv, env] : [head, argv]);
}

/** undefined for a line that is none of the reports (the caller logs it). */
export function parseLauncherReport(line: string): LauncherReport | undefined {
  if (line === "ready") return { kind: "ready" };
  let m = line.match(/^fail (\d+) (.*)$/);
  if (m) return { kind: "fail", errno: Number(m[1]), message: m[2]! };
  m = line.match(/^reaped (\d+) (\d+)$/);
  if (m) return { kind: "reaped", shimPid: Number(m[1]), waitStatus: Number(m[2]) };
  m = line.match(/^(\d+) (.*)$/);
  if (!m) return undefined;
  const id = Number(m[1]);
  const shim = parseShimReport(m[2]!);
  if (shim) return { id, ...shim };
  const forked = m[2]!.match(/^forked (\d+)$/);
  return forked ? { kind: "forked", id, shimPid: Number(forked[1]) } : undefined;
}

/** The shim's own report (native/src/main.c): `ok PID NS` or `err ERRNO MESSAGE`. */
export function parseShimReport(
  line: string,
): { kind: "ok"; pid: number; startedAtUnixNano: bigint } | { kind: "err"; errno: number; message: string } | undefined {
  const ok = line.match(/^ok (\d+) (\d+)$/);
  if (ok) return { kind: "ok", pid: Number(ok[1]), startedAtUnixNano: BigInt(ok[2]!) };
  const err = line.match(/^err (\d+) (.*)$/);
  return err ? { kind: "err", errno: Number(err[1]), message: err[2]! } : undefined;
}

/** A wait status as a shell says it: "exit code 1", "signal 9". */
export function describeWaitStatus(status: number): string {
  return (status & 0x7f) === 0 ? `exit code ${(status >> 8) & 0xff}` : `signal ${status & 0x7f}`;
}
