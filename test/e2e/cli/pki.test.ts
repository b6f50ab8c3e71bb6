// aer pki: a node's PKI and policy from nothing, then certificates through the daemon: issued with a TTL (the key
// never leaves the client), listed from the node database, revoked at once, and the server's rotated.
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { access, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { aerOf, aerRaw } from "./run-aer.js";

const aurae = useDaemon();

const aer = aerOf(aurae);

test("aer pki init creates a CA, certificates, the admin's policy and a client config, and never overwrites them", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "aer-pki-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const args = ["pki", "init", "--config-dir", join(dir, "etc"), "--client-dir", join(dir, "client"), "--trust-domain", "example.test"];
  assert.equal((await aerRaw(args)).code, 0);
  for (const file of ["etc/pki/ca.crt", "etc/pki/server.crt", "etc/pki/issued/admin.crt", "client/pki/admin.crt"]) await access(join(dir, file));
  for (const secret of ["etc/pki/ca.key", "etc/pki/server.key", "client/pki/admin.key", "etc/policy.toml", "client/config"])
    assert.equal((await stat(join(dir, secret))).mode & 0o777, 0o600, secret);
  assert.match(await readFile(join(dir, "etc/policy.toml"), "utf8"), /identities = \["spiffe:\/\/example\.test\/admin"\]\nrole = "admin"/);
  const config = await readFile(join(dir, "client/config"), "utf8");
  assert.match(config, /^socket = "\/run\/aurae\/aurae\.sock"$/m);
  const elsewhere = join(dir, "elsewhere");
  assert.equal((await aerRaw(["pki", "init", "--config-dir", join(elsewhere, "etc"), "--client-dir", join(elsewhere, "client"), "--socket", "/tmp/x.sock"])).code, 0);
  assert.match(await readFile(join(elsewhere, "client/config"), "utf8"), /^socket = "\/tmp\/x\.sock"$/m);
  const caBefore = await readFile(join(dir, "etc/pki/ca.crt"), "utf8");
  const again = await aerRaw(args);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /refusing to overwrite/);
  assert.equal((await aerRaw([...args, "--if-missing"])).code, 0);
  assert.equal(await readFile(join(dir, "etc/pki/ca.crt"), "utf8"), caBefore);

  const offline = await aerRaw(["pki", "issue", "--offline", "--config-dir", join(dir, "etc"), "--spiffe-id", "spiffe://example.test/ci", "--out", join(dir, "ci")]);
  assert.equal(offline.code, 0, offline.stderr);
  const serial = /serial ([0-9a-f]+)/.exec(offline.stdout)![1]!;
  await access(join(dir, "ci/client.crt"));
  await access(join(dir, `etc/pki/issued/offline-${serial}.crt`)); // auraed records it when it starts
});

test("aer pki init --if-missing gives a user without a client config a certificate from the node's existing CA", async (t) => {
  const home = await mkdtemp(join(tmpdir(), "aer-second-"));
  t.after(() => rm(home, { recursive: true, force: true }));
  const caBefore = await readFile(join(aurae.pki.configDir, "pki/ca.crt"), "utf8");
  const init = ["pki", "init", "--if-missing", "--config-dir", aurae.pki.configDir, "--client-dir", join(home, ".aurae"), "--trust-domain", "aurae.test"];
  const second = await aerRaw([...init, "--socket", aurae.socketPath]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /created spiffe:\/\/aurae\.test\/admin in .*, signed by its CA/);
  assert.equal(await readFile(join(aurae.pki.configDir, "pki/ca.crt"), "utf8"), caBefore, "the CA is left as it was");
  const config = join(home, ".aurae/config");
  assert.equal((await stat(config)).mode & 0o777, 0o600);
  const health = await aerRaw(["health"], { HOME: home });
  assert.equal(health.code, 0, health.stderr);
  assert.match(health.stdout, /SERVING/);
  const serial = new X509Certificate(await readFile(join(home, ".aurae/pki/admin.crt"))).serialNumber.toLowerCase();
  await access(join(aurae.pki.configDir, `pki/issued/offline-${serial}.crt`)); // auraed can list and revoke it
  t.after(() => rm(join(aurae.pki.configDir, `pki/issued/offline-${serial}.crt`), { force: true }));
  assert.match((await aerRaw([...init, "--socket", aurae.socketPath])).stdout, /left as is/);
});

test("aer pki issue, list, revoke and rotate-server work through the daemon", async (t) => {
  const out = await mkdtemp(join(tmpdir(), "aer-issue-"));
  t.after(() => rm(out, { recursive: true, force: true }));
  const issued = await aer("pki", "issue", "--spiffe-id", "spiffe://aurae.test/ci", "--ttl", "2h", "--out", out, "--name", "ci");
  assert.equal(issued.code, 0, issued.stderr);
  const cert = new X509Certificate(await readFile(join(out, "ci.crt")));
  const lifetimeH = (Date.parse(cert.validTo) - Date.now()) / 3_600_000;
  assert.ok(lifetimeH > 1.9 && lifetimeH <= 2, `lifetime ${lifetimeH} h`);
  assert.equal((await stat(join(out, "ci.key"))).mode & 0o777, 0o600);
  const serial = cert.serialNumber.toLowerCase(); // as issued, whole octets, as openssl shows it
  assert.match(issued.stdout, new RegExp(`\\(serial ${serial}\\)`));

  // The new identity reaches the daemon (health is open to every authenticated caller).
  const ciConfig = join(out, "config");
  await writeFile(ciConfig, `[auth]\nca_crt = "ci.ca.crt"\nclient_crt = "ci.crt"\nclient_key = "ci.key"\n[system]\nsocket = "${aurae.socketPath}"\n`);
  assert.equal((await aerRaw(["--config", ciConfig, "health"])).code, 0);

  const listed = JSON.parse((await aer("pki", "list", "-o", "json", "--spiffe-id", "spiffe://aurae.test/")).stdout) as { serial: string; kind: string; spiffeId: string; issuedBy: string }[];
  assert.deepEqual(listed.find((c) => c.serial === serial), { ...listed.find((c) => c.serial === serial), kind: "client", spiffeId: "spiffe://aurae.test/ci", issuedBy: "spiffe://aurae.test/admin" });
  assert.equal((await aer("pki", "list", "-q")).stdout.split("\n").includes(serial), true);

  const revoked = await aer("pki", "revoke", serial, "--reason", "rotated out", "-o", "json");
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((JSON.parse(revoked.stdout) as { revokeReason: string }).revokeReason, "rotated out");
  const refused = await aerRaw(["--config", ciConfig, "health"]);
  assert.equal(refused.code, 8, refused.stderr);
  assert.match(refused.stderr, /revoked/);
  assert.equal((await aer("pki", "revoke", "abcdef")).code, 3); // never issued here
  const badId = await aer("pki", "issue", "--spiffe-id", "spiffe://aurae.test/../admin", "--out", join(out, "bad"));
  assert.equal(badId.code, 7, badId.stderr);
  assert.match(badId.stderr, /spiffe_id/);
  const foreign = await aer("pki", "issue", "--spiffe-id", "spiffe://elsewhere.example/ci", "--out", join(out, "foreign"));
  assert.equal(foreign.code, 7, foreign.stderr);
  assert.equal((await aer("pki", "list", "--spiffe-id", "not-a-spiffe-id")).code, 7);
  // An identity without the admin role is refused pki commands: exit 4.
  assert.equal((await aer("pki", "issue", "--spiffe-id", "spiffe://aurae.test/viewer", "--out", out, "--name", "viewer")).code, 0);
  const viewerConfig = join(out, "viewer-config");
  await writeFile(viewerConfig, `[auth]\nca_crt = "viewer.ca.crt"\nclient_crt = "viewer.crt"\nclient_key = "viewer.key"\n[system]\nsocket = "${aurae.socketPath}"\n`);
  const viewer = await aerRaw(["--config", viewerConfig, "pki", "list"]);
  assert.equal(viewer.code, 4, viewer.stderr);
  assert.match(viewer.stderr, /permission denied: no rule grants aurae\.pki\.v1\.PkiService\/ListCertificates/);

  const before = new X509Certificate(await readFile(join(aurae.pki.configDir, "pki/server.crt"))).serialNumber;
  const rotated = await aer("pki", "rotate-server", "--ttl", "90d", "-o", "json");
  assert.equal(rotated.code, 0, rotated.stderr);
  const after = new X509Certificate(await readFile(join(aurae.pki.configDir, "pki/server.crt")));
  assert.notEqual(after.serialNumber, before);
  assert.equal((JSON.parse(rotated.stdout) as { serial: string }).serial, after.serialNumber.toLowerCase());
  assert.equal((await aer("health")).code, 0);
});

test("aer pki list, revoke and issue show a serial with a leading zero as issued, however revoke was given it", async () => {
  // One serial in eight starts with a zero nibble: issue until one does.
  let serial = "";
  for (let i = 0; i < 100 && !serial.startsWith("0"); i++) {
    const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { certificatePem } = await aurae.client.pki.issueCertificate({
      spiffeId: "spiffe://aurae.test/zero",
      publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      ttlSeconds: 3600n,
    });
    serial = new X509Certificate(certificatePem).serialNumber.toLowerCase();
  }
  assert.match(serial, /^0[1-9a-f]/, "a serial with a leading zero in 100 tries");
  const listed = await aer("pki", "list", "--spiffe-id", "spiffe://aurae.test/zero");
  assert.match(listed.stdout, new RegExp(`^${serial} `, "m"), listed.stdout);
  assert.ok((JSON.parse((await aer("pki", "list", "-o", "json")).stdout) as { serial: string }[]).some((c) => c.serial === serial));
  const typed = serial.slice(1).toUpperCase().replace(/(..)(?=.)/g, "$1:"); // no leading zero, openssl -text style
  const revoked = await aer("pki", "revoke", typed, "-o", "json");
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((JSON.parse(revoked.stdout) as { serial: string }).serial, serial);
  assert.match((await aer("pki", "revoke", serial, "-q")).stdout, new RegExp(`^${serial}$`, "m"));
});
