// Callers of a test daemon under identities of their own, and the security files the daemon reloads.
import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AuraeClient } from "../../src/client/index.js";
import { issueCertificate, issueClientCert, writePkiFiles, type CertificateRequest, type IssuedCertificate, type Pem } from "../../src/pki/index.js";
import type { TestDaemon } from "./daemon.js";

export const RELOADED = "certificates, trust bundles and policy reloaded";

/** Writes a certificate and key under the test's dir; answers the file stem. */
export async function saveIdentity(aurae: TestDaemon, issued: Pem): Promise<string> {
  const dir = join(aurae.dir, "identities");
  const name = `id-${randomBytes(6).toString("hex")}`;
  await writePkiFiles(dir, { [name]: issued });
  return join(dir, name);
}

/** A client of the test daemon with `issued` as its certificate. */
export async function clientWith(aurae: TestDaemon, issued: Pem, options: { tcp?: boolean } = {}): Promise<AuraeClient> {
  const stem = await saveIdentity(aurae, issued);
  return aurae.connect({
    clientCrt: `${stem}.crt`,
    clientKey: `${stem}.key`,
    ...(options.tcp && { address: `[::1]:${aurae.tcpPort}`, serverName: "localhost" }),
  });
}

/** A client calling as `spiffeId`, signed by the test CA; also answers the certificate (for its serial). */
export async function clientAs(aurae: TestDaemon, spiffeId: string): Promise<{ client: AuraeClient; certificate: IssuedCertificate }> {
  const certificate = await issueClientCert(aurae.pki.ca, { spiffeId });
  return { client: await clientWith(aurae, certificate), certificate };
}

/** A certificate of the test CA with exactly what `req` says (for certificates a verifier must refuse). */
export const certificateOf = (aurae: TestDaemon, req: CertificateRequest): Promise<IssuedCertificate> => issueCertificate(aurae.pki.ca, req);

/** How many reloads the daemon has logged so far. */
export async function reloads(aurae: TestDaemon): Promise<number> {
  return (await aurae.log()).split(RELOADED).length - 1;
}

/** Sends SIGHUP and waits until the daemon logged one more reload than before the change was made. */
export async function reloadAfter(aurae: TestDaemon, before: number): Promise<void> {
  process.kill(aurae.pid!, "SIGHUP");
  for (let i = 0; i < 250; i++) {
    if ((await reloads(aurae)) > before) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`auraed did not reload within 5 s:\n${(await aurae.log()).slice(-2000)}`);
}

/** Replaces a file whole (a reload never reads half of it). */
export async function writeWhole(path: string, text: string): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  await rename(temp, path);
}

/** Installs a policy file and waits until the daemon serves with it. */
export async function usePolicy(aurae: TestDaemon, toml: string): Promise<void> {
  const before = await reloads(aurae);
  await writeWhole(join(aurae.pki.configDir, "policy.toml"), toml);
  await reloadAfter(aurae, before);
}
