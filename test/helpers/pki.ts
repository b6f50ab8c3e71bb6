// A throwaway PKI for one test run: CA, server certificate and an admin client, written as auraed and the client
// config expect them.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCa, issueClientCert, issueServerCert, writePkiFiles, type Pem } from "../../src/pki/index.js";

export interface TestPki {
  readonly ca: Pem;
  readonly configDir: string;
  readonly clientConfig: string;
  readonly clientDir: string;
}

export const TRUST_DOMAIN = "aurae.test";

export async function createTestPki(root: string, socketPath: string): Promise<TestPki> {
  const configDir = join(root, "etc");
  const clientDir = join(root, "client");
  const ca = await createCa({ commonName: "Aurae test CA" });
  const server = await issueServerCert(ca, { commonName: "auraed", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"] });
  const admin = await issueClientCert(ca, { spiffeId: `spiffe://${TRUST_DOMAIN}/admin` });
  await writePkiFiles(join(configDir, "pki"), { ca, server });
  await writePkiFiles(clientDir, { admin });
  const clientConfig = join(clientDir, "config");
  await writeFile(
    clientConfig,
    `[auth]\nca_crt = "${join(configDir, "pki", "ca.crt")}"\nclient_crt = "${join(clientDir, "admin.crt")}"\n` +
      `client_key = "${join(clientDir, "admin.key")}"\n[system]\nsocket = "${socketPath}"\n`,
  );
  return { ca, configDir, clientConfig, clientDir };
}
