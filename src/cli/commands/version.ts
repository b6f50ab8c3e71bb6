import type { Command } from "commander";
import { CgroupMode, InfoResponse } from "../../gen/aurae/node/v1/node.js";
import { fanOut, outputOptions } from "../context.js";
import { encode, jsonValues, printRows, protoJson, type Printer, type Row } from "../output.js";
import { formatDuration } from "../units.js";
import { CLIENT_VERSION } from "../version.js";

export const CGROUPS: Record<CgroupMode, string> = {
  [CgroupMode.CGROUP_MODE_V1]: "v1",
  [CgroupMode.CGROUP_MODE_V2]: "v2",
  [CgroupMode.CGROUP_MODE_HYBRID]: "hybrid",
  [CgroupMode.CGROUP_MODE_UNSPECIFIED]: "unknown",
  [CgroupMode.UNRECOGNIZED]: "unknown",
};

export const DAEMON: Printer<InfoResponse> = {
  columns: [
    ["VERSION", (i) => i.version],
    ["HOSTNAME", (i) => i.hostname],
    ["KERNEL", (i) => i.kernelRelease],
    ["CGROUPS", (i) => CGROUPS[i.cgroupMode]],
    ["PID", (i) => String(i.pid)],
    ["UP", (i) => formatDuration(Number(i.uptimeMs))],
    ["STARTED", (i) => i.startedAt?.toISOString() ?? ""],
  ],
  toJson: (i) => protoJson(InfoResponse, i),
  name: (i) => i.version,
};

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print aer's version and, from NodeService.Info, the daemon's and its node's (-q: the daemon's version)")
    .action(async (_opts, command: Command) => {
      const out = outputOptions(command);
      let rows: Row<InfoResponse>[] = [];
      try {
        rows = await fanOut(command, async (client) => [await client.node.info({}, { deadline: 10_000 })]);
      } finally {
        // The client's version is worth printing even when no daemon answers.
        print(rows, out, rows.some((r) => r.node !== undefined));
      }
    });
}

function print(rows: readonly Row<InfoResponse>[], out: ReturnType<typeof outputOptions>, fanned: boolean): void {
  if (out.quiet) return printRows(rows, DAEMON, out);
  if (out.format !== "table") {
    const daemons = jsonValues(rows, DAEMON);
    return void process.stdout.write(encode({ client: { version: CLIENT_VERSION }, ...(fanned ? { daemons } : { daemon: daemons[0] ?? null }) }, out.format));
  }
  process.stdout.write(`client   aer ${CLIENT_VERSION} (node ${process.version})\n`);
  const [only] = rows;
  if (fanned) return printRows(rows, DAEMON, out);
  if (!only) return;
  const i = only.item;
  process.stdout.write(
    `daemon   auraed ${i.version}, pid ${i.pid}, up ${formatDuration(Number(i.uptimeMs))} (since ${i.startedAt?.toISOString()})\n` +
      `node     ${i.hostname}, kernel ${i.kernelRelease}, cgroup ${CGROUPS[i.cgroupMode]}, up ${formatDuration(Number(i.nodeUptimeMs))}\n`,
  );
}
