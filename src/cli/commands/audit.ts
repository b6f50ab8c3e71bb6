import type { Command } from "commander";
import { AuditEntry } from "../../gen/aurae/audit/v1/audit.js";
import { printRecords } from "../print-records.js";
import { parseInteger, parseTime } from "../units.js";

interface AuditOptions {
  follow?: boolean;
  after?: number;
  fromNow?: boolean;
  identity?: string;
  method?: string;
  cell?: string;
  denied?: boolean;
  since?: Date;
  until?: Date;
}

/** "CellService/Free" for "/aurae.cells.v1.CellService/Free": the package is noise in a table, JSON keeps it. */
const shortMethod = (method: string): string => /([^./]+\/[^/]+)$/.exec(method)?.[1] ?? method;

/**
 * time, identity, method, cell, result, details; "-" for an unauthenticated caller and a call on no cell; PENDING for
 * a call being acted on (its outcome follows as an entry of its own).
 */
const describe = (e: AuditEntry, node: string | undefined): string =>
  [
    ...(node === undefined ? [] : [node]),
    e.time?.toISOString() ?? "",
    (e.identity || "-").padEnd(30),
    shortMethod(e.method).padEnd(24),
    (e.cellName || "-").padEnd(16),
    (e.pending ? "PENDING" : e.code).padEnd(17),
    e.details,
  ].join("  ").trimEnd();

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("print the node's audit log: every call that changed something and every refused call, oldest first")
    .option("-f, --follow", "keep printing entries as they are recorded (Ctrl-C ends)")
    .option("--after <sequence>", "only entries after this sequence (resume where you stopped)", parseInteger)
    .option("--from-now", "skip the history")
    .option("--identity <id>", 'only this SPIFFE ID, or the IDs below a prefix ending in "/"')
    .option("--method <method>", 'only this method (aurae.cells.v1.CellService/Free), or a service\'s ("aurae.cells.v1.CellService/")')
    .option("--cell <cell>", "only calls on this cell and the cells below it")
    .option("--denied", "only refused calls (PERMISSION_DENIED, UNAUTHENTICATED)")
    .option("--since <time>", "only entries since a time or an age: 10m, -1h, 2026-11-24T22:00:00Z", (t: string) => parseTime(t))
    .option("--until <time>", "only entries before a time or an age (with -f, stop once it has passed)", (t: string) => parseTime(t))
    .action(async (opts: AuditOptions, command: Command) => {
      const request = {
        afterSequence: BigInt(opts.after ?? 0),
        fromNow: opts.fromNow ?? false,
        follow: opts.follow ?? false,
        filter: {
          identity: opts.identity ?? "",
          method: opts.method ?? "",
          cellName: opts.cell ?? "",
          deniedOnly: opts.denied ?? false,
          since: opts.since,
          until: opts.until,
        },
      };
      await printRecords(command, {
        read: async function* (client, signal) {
          for await (const { entries } of client.audit.watch(request, { signal })) yield entries;
        },
        line: describe,
        sequence: (record) => record.sequence,
        type: AuditEntry,
      });
    });
}
