// What auraed loads at start is what it holds in memory idle (docs/performance.md, "Footprint"): the libraries that
// cost megabytes and serve only some calls are imported on first use, never on the static import graph of main.ts.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

/** Packages and files that must not load at start, and why. */
const NOT_AT_START: Readonly<Record<string, string>> = {
  "@grpc/proto-loader": "parses .proto text with protobufjs: reflection answers from generated descriptors",
  "@grpc/reflection": "indexes every descriptor with protobufjs (~15 MiB): src/daemon/services/reflection.ts",
  "grpc-health-check": "loads proto-loader for two messages: src/daemon/services/health.ts",
  protobufjs: "only the libraries above need it",
  "@peculiar/x509": "the signing library, imported on the first certificate auraed issues",
  "gen/descriptor-set.ts": "the reflection descriptors, imported on the first reflection call",
};

/** Specifiers a module loads when it is evaluated: its static imports and re-exports, not `import type` nor import(). */
function staticImportsOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  const specs: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly) {
      const named = statement.importClause?.namedBindings;
      const onlyTypes =
        named !== undefined && ts.isNamedImports(named) && statement.importClause?.name === undefined &&
        named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) specs.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier)
      specs.push((statement.moduleSpecifier as ts.StringLiteral).text);
  }
  return specs;
}

/** Every src/ file (relative to src/, .ts) and package name reachable from `entry` through static imports. */
async function staticGraph(entry: string): Promise<Set<string>> {
  const reached = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (reached.has(file)) continue;
    reached.add(file);
    if (!file.endsWith(".ts")) continue; // a package: its own imports are its business
    for (const spec of staticImportsOf(file, await readFile(join(SRC, file), "utf8"))) {
      if (spec.startsWith("node:")) continue;
      pending.push(spec.startsWith(".") ? relative(SRC, join(SRC, dirname(file), spec)).replace(/\.js$/, ".ts") : packageOf(spec));
    }
  }
  return reached;
}

const packageOf = (spec: string): string => spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/");

test("auraed's start loads neither proto-loader, reflection, grpc-health-check nor the signing library", async () => {
  const graph = await staticGraph("daemon/main.ts");
  assert.ok(graph.has("daemon/server.ts") && graph.has("@grpc/grpc-js") && graph.has("gen/aurae/cells/v1/cells.ts"), "the reader follows imports");
  const loaded = Object.entries(NOT_AT_START)
    .filter(([what]) => graph.has(what))
    .map(([what, why]) => `${what} (${why})`);
  assert.deepEqual(loaded, []);
});
