// Runs Python's web server in a cell limited to 64 MiB of memory, half a CPU and 32 processes, follows its log,
// fetches a page from it over loopback, then stops it and frees the cell.
//   npx aurae run examples/web-server.ts [port]
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, mib } from "aurae";

const client = await connect();
const cell = `web-${process.pid}`;
const port = Number(process.argv[2] ?? (await freePort()));
// The page to serve, readable by the unprivileged user the server runs as.
const site = await mkdtemp(join(tmpdir(), "aurae-web-"));
await writeFile(join(site, "index.html"), "Hello from a cell!\n");
await chmod(site, 0o755);
try {
  // No network isolation: the server listens on the host's loopback, where this script can reach it.
  await client.cells.allocate({
    spec: { name: cell, memory: { maxBytes: mib(64) }, cpu: { quotaUs: 50_000, periodUs: 100_000 }, pids: { max: 32 } },
  });
  await client.executables.start({
    spec: {
      cellName: cell,
      name: "httpd",
      // -u: unbuffered, so each line reaches the log as it is written
      argv: ["python3", "-u", "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", site],
      user: "nobody",
    },
  });
  console.log(`serving http://127.0.0.1:${port}/ from cell ${cell} (memory.max 64 MiB, cpu 50%, pids.max 32)`);

  const response = await fetchWhenUp(`http://127.0.0.1:${port}/`);
  console.log(`GET / -> ${response.status}: ${(await response.text()).trim()}`);

  // Follow the server's log from its start until our request shows up (a follow would also resume by itself,
  // were auraed restarted meanwhile). The deadline keeps a mistake from waiting forever.
  const log = client.observe.getLogs({ cellName: cell, executableName: "httpd", follow: true }, { deadline: 10_000 });
  follow: for await (const { entries } of log) {
    for (const entry of entries) {
      console.log(`log: ${entry.line.toString()}`);
      if (entry.line.includes('"GET / HTTP/1.1" 200')) break follow;
    }
  }

  await client.executables.stop({ cellName: cell, name: "httpd", gracePeriodMs: 2000 });
  console.log("stopped httpd");
} finally {
  await client.cells.free({ name: cell, stop: true }).catch(() => undefined);
  await rm(site, { recursive: true, force: true });
  client.close();
}

/** The server needs a moment to listen: retry until it answers (10 s at most). */
async function fetchWhenUp(url: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url);
    } catch (err) {
      if (attempt === 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
