// Cells nest like directories: "shop/backend/db" lives inside "shop/backend", inside "shop", and a cell's limits
// bound everything below it. This builds a small tree, runs a process in the deepest cell, prints the tree with
// each cell's memory limit and processes, and takes it all down with one free of the root.
//   npx aurae run examples/cell-tree.ts
import { connect, mib, type cellsV1 } from "aurae";

const client = await connect();
const root = `shop-${process.pid}`;
const tree: [path: string, memoryMiB: number][] = [
  [root, 256],
  [`${root}/frontend`, 64],
  [`${root}/backend`, 128],
  [`${root}/backend/db`, 96],
];
try {
  // Parents first: a nested cell needs its parent to exist.
  for (const [name, memory] of tree) await client.cells.allocate({ spec: { name, memory: { maxBytes: mib(memory) } } });
  await client.executables.start({ spec: { cellName: `${root}/backend/db`, name: "db", argv: ["sleep", "60"] } });

  // Only this cell and the cells below it, in name order: parents come before their children.
  const { cells } = await client.cells.list({ cellName: root });
  for (const cell of cells) console.log(await line(cell, cells));

  // stop: stop every executable in the tree and free the children, deepest first.
  await client.cells.free({ name: root, stop: true, gracePeriodMs: 1000 });
  const left = await client.cells.list({ cellName: root });
  console.log(`freed ${root} and everything below it (${left.cells.length} cells left)`);
} finally {
  await client.cells.free({ name: root, stop: true }).catch(() => undefined);
  client.close();
}

/** "│   └── db    memory.max 96 MiB, pids 1": the branch is drawn from where the cell and its ancestors sit among
 * their siblings; a cell's pids count the processes of the cells below it too. */
async function line(cell: cellsV1.Cell, all: readonly cellsV1.Cell[]): Promise<string> {
  const name = cell.spec!.name;
  const segments = name.split("/");
  const isLast = (path: string) => {
    const parent = path.slice(0, path.lastIndexOf("/") + 1);
    const siblings = all.map((c) => c.spec!.name).filter((n) => n.startsWith(parent) && !n.slice(parent.length).includes("/"));
    return siblings.at(-1) === path;
  };
  let branch = "";
  for (let depth = 1; depth < segments.length; depth++) {
    const ancestor = segments.slice(0, depth + 1).join("/");
    if (depth === segments.length - 1) branch += isLast(ancestor) ? "└── " : "├── ";
    else branch += isLast(ancestor) ? "    " : "│   ";
  }
  const { stats } = await client.cells.stats({ name });
  const label = `${branch}${segments.at(-1)}`;
  return `${label.padEnd(20)} memory.max ${Number(cell.spec!.memory!.maxBytes) / 2 ** 20} MiB, pids ${stats!.pidsCurrent}`;
}
