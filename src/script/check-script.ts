// `aurae check`: type-checks scripts, and the files they import, the way `aurae run` resolves them (relative imports
// with or without an extension, top-level await, "aurae" as this client library), against the client's types.
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type TypeScript from "typescript";

/** This package's directory (dist/script/.. or src/script/..), and the client's entry without its extension: the
 * compiler finds index.d.ts next to the built client, index.ts next to its source. */
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT_ENTRY = fileURLToPath(new URL("../client/index", import.meta.url));

export interface CheckProblem {
  /** "script.ts:3:7", relative to the working directory; empty for a problem with no file. */
  readonly location: string;
  readonly message: string;
}

/** Every type error in the scripts and what they import, in file order; none: they type-check. */
export async function checkScripts(scriptPaths: readonly string[]): Promise<CheckProblem[]> {
  const ts = await loadTypeScript();
  const program = ts.createProgram(scriptPaths.map((p) => resolve(p)), compilerOptions(ts));
  return ts.getPreEmitDiagnostics(program).map((d) => problemOf(ts, d));
}

function compilerOptions(ts: typeof TypeScript): TypeScript.CompilerOptions {
  return {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, // as esbuild resolves them for `aurae run`
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots: typeRoots(),
    paths: { aurae: [CLIENT_ENTRY] },
    skipLibCheck: true,
    esModuleInterop: true,
  };
}

/** Where @types/node is: this package's node_modules, or the one it is installed in. */
function typeRoots(): string[] {
  const candidates = [join(PACKAGE_DIR, "node_modules", "@types"), join(dirname(PACKAGE_DIR), "@types")];
  return candidates.filter((dir) => existsSync(dir));
}

function problemOf(ts: typeof TypeScript, d: TypeScript.Diagnostic): CheckProblem {
  const message = `error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  if (!d.file || d.start === undefined) return { location: "", message };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return { location: `${relative(process.cwd(), d.file.fileName)}:${line + 1}:${character + 1}`, message };
}

async function loadTypeScript(): Promise<typeof TypeScript> {
  try {
    return (await import("typescript")).default;
  } catch {
    throw new Error('aurae check needs the "typescript" package: npm install typescript');
  }
}
