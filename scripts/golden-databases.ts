// Writes test/fixtures/databases/schema-<N>.db: a node database at each schema version auraed has shipped, built
// from the migrations as they were in git when that version was added (not from today's file), with one cell and
// one executable in it. test/unit/store/database.test.ts upgrades each to the current schema and compares it with a
// fresh database. A file already there is never rewritten: it stands for what old auraeds left on disk. Run it after
// appending a migration, and commit the new file.
//   node --import tsx scripts/golden-databases.ts
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(REPO, "test", "fixtures", "databases");
const SOURCE = "src/store/migrations.ts";

const git = (...args: string[]): string => execFileSync("git", args, { cwd: REPO, encoding: "utf8" });

/** The MIGRATIONS array of `src/store/migrations.ts` as committed in `commit`. */
async function migrationsAt(commit: string, scratch: string): Promise<readonly string[]> {
  const file = join(scratch, `migrations-${commit}.ts`);
  await writeFile(file, git("show", `${commit}:${SOURCE}`));
  return ((await import(pathToFileURL(file).href)) as { MIGRATIONS: readonly string[] }).MIGRATIONS;
}

function write(path: string, migrations: readonly string[]): void {
  const db = new Database(path);
  try {
    for (const migration of migrations) db.exec(migration);
    db.pragma(`user_version = ${migrations.length}`);
    // Columns of schema 1, which every later schema keeps.
    db.prepare("INSERT INTO cells (name, spec, created_at_ms) VALUES ('web', '{\"name\":\"web\"}', 1000)").run();
    db.prepare(
      `INSERT INTO executables (cell, name, spec, state, pid, started_at_ms, exited_at_ms, exit_status)
       VALUES ('web', 'server', '{}', 'exited', 42, 2000, 3000, '{"code":0}')`,
    ).run();
    db.exec("VACUUM");
  } finally {
    db.close();
  }
}

const scratch = await mkdtemp(join(tmpdir(), "golden-databases-"));
try {
  // Main's own line (merges, not the commits of the branches they merged): a version is released as main has it,
  // and two branches that each appended a migration are numbered as their merges left them.
  const commits = git("log", "--first-parent", "--reverse", "--format=%H", "--", SOURCE).split("\n").filter(Boolean);
  let built = 0;
  for (const commit of commits) {
    const migrations = await migrationsAt(commit, scratch);
    // Each version as the commit that added it left it (the first commit with that many migrations).
    for (let version = built + 1; version <= migrations.length; version++) {
      const path = join(OUT, `schema-${version}.db`);
      if (existsSync(path)) console.log(`${path}: kept`);
      else {
        write(path, migrations.slice(0, version));
        console.log(`${path}: written from ${commit.slice(0, 12)}`);
      }
    }
    built = Math.max(built, migrations.length);
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
