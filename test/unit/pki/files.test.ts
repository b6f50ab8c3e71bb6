import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test, type TestContext } from "node:test";
import { createCa } from "../../../src/pki/ca.js";
import { writePkiFiles } from "../../../src/pki/files.js";
import { issueClientCert } from "../../../src/pki/issue.js";
import type { Pem } from "../../../src/pki/keys.js";

let ca: Pem;
let client: Pem;
before(async () => {
  ca = await createCa({ commonName: "Aurae test CA" });
  client = await issueClientCert(ca, { spiffeId: "spiffe://aurae.local/users/nova" });
});

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aurae-pki-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

test("writes certificates 0644 and keys 0600 into a new 0700 directory, even under umask 077", async (t) => {
  const previous = process.umask(0o077);
  t.after(() => process.umask(previous));
  const dir = join(await tempDir(t), "etc", "aurae", "pki");
  const written = await writePkiFiles(dir, { ca: { certPem: ca.certPem }, client });
  assert.deepEqual(written, [join(dir, "ca.crt"), join(dir, "client.crt"), join(dir, "client.key")]);
  assert.equal(await modeOf(dir), 0o700);
  assert.equal(await modeOf(join(dir, "ca.crt")), 0o644);
  assert.equal(await modeOf(join(dir, "client.crt")), 0o644);
  assert.equal(await modeOf(join(dir, "client.key")), 0o600);
  assert.equal(await readFile(join(dir, "client.key"), "utf8"), client.keyPem);
  assert.equal(await readFile(join(dir, "client.crt"), "utf8"), client.certPem);
  assert.deepEqual((await readdir(dir)).sort(), ["ca.crt", "client.crt", "client.key"], "no temporary file left");
});

test("leaves the mode of a directory that already exists alone", async (t) => {
  const dir = await tempDir(t);
  await chmod(dir, 0o755);
  await writePkiFiles(dir, { client });
  assert.equal(await modeOf(dir), 0o755);
  assert.equal(await modeOf(join(dir, "client.key")), 0o600);
});

test("refuses to overwrite an existing file, names it, and writes none of the set", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "client.key"), "precious");
  await assert.rejects(writePkiFiles(dir, { ca: { certPem: ca.certPem }, client }), {
    name: "AuraeError",
    kind: "exists",
    message: `${join(dir, "client.key")} already exists; refusing to overwrite it`,
  });
  assert.equal(await readFile(join(dir, "client.key"), "utf8"), "precious");
  assert.deepEqual((await readdir(dir)).sort(), ["client.key"]);
});

test("replaces existing files with overwrite, tightening a loose key file to 0600", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "client.key"), "old key", { mode: 0o666 });
  await chmod(join(dir, "client.key"), 0o666);
  await writePkiFiles(dir, { client }, { overwrite: true });
  assert.equal(await readFile(join(dir, "client.key"), "utf8"), client.keyPem);
  assert.equal(await modeOf(join(dir, "client.key")), 0o600);
  assert.deepEqual((await readdir(dir)).sort(), ["client.crt", "client.key"]);
});

test("refuses a name that is not one plain file name", async (t) => {
  const dir = await tempDir(t);
  for (const name of ["../escape", "a/b", ".hidden", ""])
    await assert.rejects(writePkiFiles(dir, { [name]: client }), { kind: "invalid", field: `files.${name}` });
  assert.deepEqual(await readdir(dir), []);
});
