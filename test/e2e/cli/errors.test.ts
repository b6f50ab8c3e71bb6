// How aer fails: one plain line on stderr that says what to do, and an exit code scripts can rely on.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { uniqueName } from "../../helpers/names.js";
import { createCa, issueCertificate, issueClientCert, writePkiFiles, type Pem } from "../../../src/pki/index.js";
import { aerOf, aerRaw } from "./run-aer.js";

const aurae = useDaemon();
const aer = aerOf(aurae);

/** A client config like the admin's, with another certificate (and optionally another CA). */
async function configWith(cert: Pem, ca?: Pem): Promise<string> {
  const dir = join(aurae.dir, uniqueName("cfg"));
  await writePkiFiles(dir, { client: cert, ...(ca && { ca }) });
  const path = join(dir, "config");
  await writeFile(
    path,
    `[auth]\nca_crt = "${ca ? join(dir, "ca.crt") : join(aurae.pki.configDir, "pki", "ca.crt")}"\nclient_crt = "${join(dir, "client.crt")}"\n` +
      `client_key = "${join(dir, "client.key")}"\n[system]\nsocket = "${aurae.socketPath}"\n`,
  );
  return path;
}

test("aer --help documents the exit codes and the output formats", async () => {
  const help = await aerRaw(["--help"]);
  assert.equal(help.code, 0);
  for (const line of [/^ {2}2 {2}usage/m, /^ {2}3 {2}not found/m, /^ {2}4 {2}permission denied/m, /^ {2}5 {2}unavailable/m, /^ {2}6 {2}failed precondition/m, /^ {2}7 {2}invalid argument/m, /^ {2}8 {2}authentication failed/m, /^ {2}10 {2}exec wait: the executable exited with a code other than 0/m, /^ {2}130 {2}interrupted/m, /^ {2}141 {2}the output's reader went away/m, /-o json is stable for scripts/])
    assert.match(help.stdout, line);
});

test("no daemon at the socket: exit 5, naming the socket and what to do", async () => {
  const socket = join(aurae.dir, "nothing-here.sock");
  assert.deepEqual(await aer("--socket", socket, "cell", "list"), {
    code: 5,
    stdout: "",
    stderr: `aer: daemon not running at ${socket}: no socket there (start auraed, or pass --socket)\n`,
  });
});

test("an expired client certificate: exit 8, authentication failed: certificate expired, naming the file", async () => {
  const day = 86_400_000;
  const expired = await issueCertificate(aurae.pki.ca, {
    commonName: "admin",
    usage: "client",
    uris: ["spiffe://aurae.test/admin"],
    notBefore: new Date(Date.now() - 10 * day),
    notAfter: new Date(Date.now() - day),
  });
  const result = await aerRaw(["--config", await configWith(expired), "cell", "list"]);
  assert.equal(result.code, 8);
  assert.match(result.stderr, /^aer: authentication failed: certificate expired: \S+client\.crt expired \S+Z \(issue a new one with "aer pki issue"\)\n$/);
});

test("a daemon whose certificate the client's CA did not sign: exit 8, authentication failed", async () => {
  const otherCa = await createCa({ commonName: "another CA" });
  const result = await aerRaw(["--config", await configWith(await issueClientCert(otherCa, { spiffeId: "spiffe://aurae.test/admin" }), otherCa), "health"]);
  assert.equal(result.code, 8);
  assert.match(result.stderr, /^aer: authentication failed talking to unix:\S+: .*certificate.*\n$/);
});

test("a certificate without a SPIFFE ID: exit 8, authentication failed with the daemon's reason", async () => {
  const anonymous = await issueCertificate(aurae.pki.ca, { commonName: "anonymous", usage: "client" });
  const result = await aerRaw(["--config", await configWith(anonymous), "health"]);
  assert.equal(result.code, 8);
  assert.match(result.stderr, /^aer: authentication failed: .*URI SAN.*\n$/);
});

test("an identity the policy does not allow: exit 4, permission denied", async () => {
  const stranger = await issueClientCert(aurae.pki.ca, { spiffeId: `spiffe://aurae.test/${uniqueName("stranger")}` });
  const cell = uniqueName("cli-denied");
  const result = await aerRaw(["--config", await configWith(stranger), "cell", "allocate", cell]);
  assert.equal(result.code, 4, result.stderr);
  assert.match(result.stderr, /^aer: permission denied: .*\n$/);
});

test("a client config without credentials: exit 7, naming the field and how to make one", async () => {
  const path = join(aurae.dir, "empty-config");
  await writeFile(path, "[system]\n");
  const result = await aerRaw(["--config", path, "health"], { HOME: aurae.dir });
  assert.equal(result.code, 7);
  assert.match(result.stderr, /^aer: no CA certificate .*configured: run "aer pki init".*\n$/);
});

test("no daemon at a TCP address: exit 5, one plain line naming the address and what to do, no grpc-js wording", async () => {
  assert.deepEqual(await aer("--node", "127.0.0.1:1", "cell", "list"), {
    code: 5,
    stdout: "",
    stderr: "aer: daemon not running at 127.0.0.1:1: connection refused (start auraed there, or check the address)\n",
  });
});

test("a --config file that does not exist: exit 7, one plain line naming the file and what to do", async () => {
  const path = join(aurae.dir, uniqueName("no-such-config"));
  assert.deepEqual(await aerRaw(["--config", path, "health"]), {
    code: 7,
    stdout: "",
    stderr: `aer: client config ${path} does not exist (check the path given by --config or AURAE_CONFIG; "aer pki init" creates a config)\n`,
  });
});

test("a credential file the config names that does not exist: exit 7, naming the file and the setting", async () => {
  const path = join(aurae.dir, uniqueName("cfg-missing-key"));
  const gone = join(aurae.dir, uniqueName("gone.key"));
  await writeFile(path, `[auth]\nca_crt = "${join(aurae.pki.configDir, "pki", "ca.crt")}"\nclient_crt = "${gone}.crt"\nclient_key = "${gone}"\n[system]\nsocket = "${aurae.socketPath}"\n`);
  const result = await aerRaw(["--config", path, "health"]);
  assert.equal(result.code, 7);
  assert.match(result.stderr, new RegExp(`^aer: client (key|certificate) ${gone}(\\.crt)? does not exist \\(check client_(key|crt) in ${path}, or issue new credentials with "aer pki issue"\\)\n$`));
});

test("usage errors exit 2 with commander's one line: unknown command, unknown option, missing argument", async () => {
  for (const args of [["frobnicate"], ["cell", "list", "--frob"], ["exec", "get", "only-a-cell"], ["completion", "fish"], ["--nodes", "", "cell", "list"]]) {
    const result = await aer(...args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, /^aer: .+\n/, args.join(" "));
    assert.equal(result.stdout, "");
  }
});
