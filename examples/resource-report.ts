// A resource report of every cell on the node: cpu time, memory and processes against each cell's limits, like
// systemd-cgtop once. So there is something to see, it first starts two demo cells (one busy, one idle), and frees
// them at the end.
//   npx aurae run examples/resource-report.ts
import { connect, mib, type cellsV1 } from "aurae";

const client = await connect();
const demo = [`report-${process.pid}-busy`, `report-${process.pid}-idle`];
try {
  for (const name of demo)
    await client.cells.allocate({ spec: { name, memory: { maxBytes: mib(64) }, pids: { max: 16 } } });
  // Some cpu, then nothing; and a shell holding 8 MB in a variable.
  const spin = "i=0; while [ $i -lt 500000 ]; do i=$((i+1)); done; sleep 60";
  const hold = 'x=$(head -c 8000000 /dev/zero | tr "\\0" x); sleep 60';
  await client.executables.start({ spec: { cellName: demo[0], name: "spin", argv: ["sh", "-c", spin] } });
  await client.executables.start({ spec: { cellName: demo[1], name: "hold", argv: ["sh", "-c", hold] } });
  await new Promise((r) => setTimeout(r, 1500));

  const rows = [["CELL", "CPU", "MEMORY", "MEMORY MAX", "PIDS", "PIDS MAX"]];
  for (const cell of await allCells()) {
    const { stats } = await client.cells.stats({ name: cell.spec!.name });
    rows.push([
      cell.spec!.name,
      `${Math.round(Number(stats!.cpuUsageUs) / 1000)} ms`,
      bytes(stats!.memoryCurrentBytes),
      cell.spec!.memory?.maxBytes === undefined ? "-" : bytes(cell.spec!.memory.maxBytes),
      String(stats!.pidsCurrent),
      String(cell.spec!.pids?.max ?? "-"),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((value, i) => value.padEnd(widths[i]!)).join("  ").trimEnd());
} finally {
  for (const name of demo) await client.cells.free({ name, stop: true }).catch(() => undefined);
  client.close();
}

/** Every cell, page by page (a List answers at most 1000 at a time). */
async function allCells(): Promise<cellsV1.Cell[]> {
  const cells: cellsV1.Cell[] = [];
  let pageToken = "";
  do {
    const page = await client.cells.list({ pageSize: 1000, pageToken });
    cells.push(...page.cells);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return cells;
}

function bytes(n: bigint): string {
  return n >= mib(1) ? `${(Number(n) / 2 ** 20).toFixed(1)} MiB` : `${(Number(n) / 1024).toFixed(0)} KiB`;
}
