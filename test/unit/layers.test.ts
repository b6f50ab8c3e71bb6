// Layers are folders and imports point down (docs/architecture.md, "Layers and folders"; style.md 1 and 2): this
// reads every import of every file under src/ (src/gen excepted) and reports every upward arrow at once.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, posix, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** What each layer may not import: folders of src/ (with a trailing "/") and npm packages. */
const FORBIDDEN: Readonly<Record<string, readonly string[]>> = {
  "domain/": ["daemon/", "cli/", "client/", "script/", "@grpc/grpc-js"],
  // "Linux mechanics, no gRPC, no SQL"
  "runtime/": ["domain/", "daemon/", "store/", "client/", "cli/", "script/", "@grpc/grpc-js", "better-sqlite3"],
  "store/": ["domain/", "daemon/", "runtime/", "client/", "cli/", "script/", "@grpc/grpc-js"],
  "client/": ["daemon/", "domain/", "runtime/", "store/", "cli/", "script/"],
  "cli/": ["daemon/", "domain/", "runtime/", "store/"],
  "script/": ["daemon/", "domain/", "runtime/", "store/", "cli/"],
};

/** Only these may import generated code, so a proto change breaks the build in few places. */
const MAY_IMPORT_GEN = ["daemon/convert/", "daemon/services/", "daemon/main.ts", "client/", "cli/"];

/** The leaf every layer may import; it imports nothing of src/ itself. */
const LEAF = "errors.ts";

/** Import specifiers of a TypeScript source (static, type-only, re-exports, dynamic), comments ignored. */
const importsOf = (text: string): string[] =>
  ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);

/** Where an import of `spec` from `file` (both relative to src/) points: a src/-relative path or a package name. */
function targetOf(file: string, spec: string): string {
  if (!spec.startsWith(".")) return spec;
  return posix.normalize(posix.join(posix.dirname(file), spec));
}

const isUnder = (target: string, place: string): boolean =>
  place.endsWith("/") ? target.startsWith(place) : target === place || target.startsWith(`${place}/`);

/** Every import in `files` (src/-relative path to source text) that breaks a rule, as "file imports spec: why". */
function layerViolations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    for (const spec of importsOf(text)) {
      const target = targetOf(file, spec);
      const inSrc = spec.startsWith(".") && !target.startsWith("../");
      const report = (why: string) => found.push(`src/${file} imports "${spec}": ${why}`);
      if (file === LEAF && inSrc) report(`${LEAF} is a leaf and imports nothing from src/`);
      for (const [layer, forbidden] of Object.entries(FORBIDDEN))
        if (file.startsWith(layer))
          for (const place of forbidden)
            if ((inSrc || !place.endsWith("/")) && isUnder(target, place)) report(`${layer} must not import ${place}`);
      if (inSrc && target.startsWith("gen/") && !MAY_IMPORT_GEN.some((place) => isUnder(file, place)))
        report(`only ${MAY_IMPORT_GEN.join(", ")} may import src/gen`);
    }
  }
  return found;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(SRC, join(e.parentPath, e.name)).split("\\").join("/"))
    .filter((file) => !file.startsWith("gen/"));
}

async function readSources(): Promise<Map<string, string>> {
  const files = await sourceFiles(SRC);
  return new Map(await Promise.all(files.map(async (f) => [f, await readFile(join(SRC, f), "utf8")] as const)));
}

test("every import in src/ points down a layer, and only the allowed places import src/gen", async () => {
  const sources = await readSources();
  assert.ok(sources.has("daemon/main.ts") && sources.has(LEAF) && sources.size > 30, `read ${sources.size} files`);
  assert.ok(importsOf(sources.get("daemon/main.ts")!).includes("./config.js"), "the import reader finds imports");
  assert.deepEqual(layerViolations(sources), []);
});

test("the layer check reports every kind of upward arrow, and ignores comments and downward arrows", () => {
  const fake = new Map([
    ["errors.ts", 'import { x } from "./domain/names.js";'],
    ["domain/cells/cells.ts", 'import type { S } from "../../daemon/status.js";\nimport { status } from "@grpc/grpc-js";'],
    ["domain/ok.ts", '// import "../daemon/main.js"\nimport { invalid } from "../errors.js";\nimport type { D } from "../runtime/cgroups/driver.js";'],
    ["runtime/shim/x.ts", 'export { y } from "../../domain/names.js";\nconst m = await import("../../store/store.js");'],
    ["store/s.ts", 'import {\n  a,\n  b,\n} from "../runtime/cgroups/files.js";'],
    ["client/c.ts", 'import * as pb from "../gen/aurae/cells/v1/cells.js";\nimport { Cells } from "../domain/cells/cells.js";'],
    ["daemon/rpc.ts", 'import * as pb from "../gen/aurae/cells/v1/cells.js";'],
    ["daemon/convert/cells.ts", 'import * as pb from "../../gen/aurae/cells/v1/cells.js";'],
  ]);
  assert.deepEqual(layerViolations(fake), [
    'src/errors.ts imports "./domain/names.js": errors.ts is a leaf and imports nothing from src/',
    'src/domain/cells/cells.ts imports "../../daemon/status.js": domain/ must not import daemon/',
    'src/domain/cells/cells.ts imports "@grpc/grpc-js": domain/ must not import @grpc/grpc-js',
    'src/runtime/shim/x.ts imports "../../domain/names.js": runtime/ must not import domain/',
    'src/runtime/shim/x.ts imports "../../store/store.js": runtime/ must not import store/',
    'src/store/s.ts imports "../runtime/cgroups/files.js": store/ must not import runtime/',
    'src/client/c.ts imports "../domain/cells/cells.js": client/ must not import domain/',
    `src/daemon/rpc.ts imports "../gen/aurae/cells/v1/cells.js": only ${MAY_IMPORT_GEN.join(", ")} may import src/gen`,
  ]);
});
