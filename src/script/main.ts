#!/usr/bin/env node
// `aurae run script.ts [args...]`: bundles a TypeScript script with esbuild (so it may import relative files and
// packages), points `import ... from "aurae"` at this client library, and runs it with source-mapped stack traces.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const USAGE = "usage: aurae run <script.ts> [args...]";
const CLIENT_ENTRY = fileURLToPath(new URL("../client/index.js", import.meta.url));

/** Resolves the bare specifier "aurae" to this package's client, kept external so the script shares its grpc-js. */
const auraeClient: Plugin = {
  name: "aurae-client",
  setup(b) {
    b.onResolve({ filter: /^aurae$/ }, () => ({ path: pathToFileURL(CLIENT_ENTRY).href, external: true }));
  },
};

async function run(scriptPath: string, args: string[]): Promise<void> {
  const entry = resolve(scriptPath);
  const dir = await mkdtemp(join(tmpdir(), "aurae-run-"));
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      sourcemap: "inline",
      write: false,
      logLevel: "silent",
      plugins: [auraeClient],
      // Bundled CommonJS packages call require(): give the ES module one.
      banner: { js: 'import { createRequire as __auraeCreateRequire } from "node:module"; const require = __auraeCreateRequire(import.meta.url);' },
    });
    const bundle = join(dir, "script.mjs");
    await writeFile(bundle, result.outputFiles[0]!.contents);
    process.argv = [process.argv[0]!, entry, ...args];
    process.setSourceMapsEnabled(true);
    await import(pathToFileURL(bundle).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [command, script, ...args] = process.argv.slice(2);
if (command !== "run" || !script) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
try {
  await run(script, args);
} catch (err) {
  const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
  if (errors) for (const e of errors) process.stderr.write(`aurae: ${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}\n`);
  else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
