// `aurae run`: bundles a TypeScript script with esbuild (so it may import relative files and packages, and use
// top-level await), points `import ... from "aurae"` at this client library, and runs it in this process with
// source-mapped stack traces and the script's own process.argv.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const CLIENT_ENTRY = fileURLToPath(new URL("../client/index.js", import.meta.url));

/** Resolves the bare specifier "aurae" to this package's client, kept external so the script shares its grpc-js. */
const auraeClient: Plugin = {
  name: "aurae-client",
  setup(b) {
    b.onResolve({ filter: /^aurae$/ }, () => ({ path: pathToFileURL(CLIENT_ENTRY).href, external: true }));
  },
};

/** Runs the script; resolves once its top level finished (what it scheduled runs on, and sets the exit code). */
export async function runScript(scriptPath: string, args: readonly string[]): Promise<void> {
  const entry = resolve(scriptPath);
  const dir = await mkdtemp(join(tmpdir(), "aurae-run-"));
  const bundle = join(dir, "script.mjs");
  const result = await build({
    entryPoints: [entry],
    outfile: bundle, // source map paths are relative to it, so stack traces name the script's real files
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    write: false,
    logLevel: "silent",
    plugins: [auraeClient],
    banner: {
      js: [
        // Bundled CommonJS packages call require(): give the ES module one.
        'import { createRequire as __auraeCreateRequire } from "node:module";',
        "const require = __auraeCreateRequire(import.meta.url);",
        // The bundle deletes itself once loaded (its source map is inline), so nothing is left in /tmp however the
        // script ends: process.exit, an uncaught error or Ctrl-C.
        'import { rmSync as __auraeRmSync } from "node:fs";',
        `__auraeRmSync(${JSON.stringify(dir)}, { recursive: true, force: true });`,
      ].join("\n"),
    },
  }).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  await writeFile(bundle, result.outputFiles[0]!.contents);
  process.argv = [process.argv[0]!, entry, ...args];
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
}
