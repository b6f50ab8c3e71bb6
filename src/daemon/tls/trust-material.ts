// What the listeners present and trust, read from the PKI directory:
//   ca.crt                 trust anchors of the node's own trust domains (several PEM blocks while a CA rotates)
//   server.crt, server.key the daemon's certificate and key
//   bundles/<domain>.crt   a federated trust domain's anchors: they vouch for that domain's SPIFFE IDs only
// Everything is checked before it is used, so a bad file on reload leaves the running material in place.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, precondition } from "../../errors.js";
import { isValidTrustDomain } from "../../pki/spiffe.js";
import type { TrustBundles } from "../../pki/svid.js";

export interface TrustMaterial {
  /** For tls.createSecureContext: every anchor of every trusted domain, and the server's pair. */
  readonly ca: string[];
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly bundles: TrustBundles;
  readonly serverCertificate: X509Certificate;
}

export const BUNDLES_DIR = "bundles";
const BUNDLE_FILE = /^(.+)\.crt$/;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export async function loadTrustMaterial(pkiDir: string, trustDomains: readonly string[]): Promise<TrustMaterial> {
  const read = async (name: string): Promise<Buffer> => {
    const path = join(pkiDir, name);
    try {
      return await readFile(path);
    } catch (err) {
      throw precondition(`read ${path}: ${errnoCode(err) ?? String(err)} (create a PKI with "aer pki init")`, { cause: err });
    }
  };
  const [caPem, cert, key] = await Promise.all([read("ca.crt"), read("server.crt"), read("server.key")]);
  const own = anchors(caPem.toString("utf8"), join(pkiDir, "ca.crt"));
  const bundles = new Map<string, X509Certificate[]>(trustDomains.map((domain) => [domain, [...own]]));
  for (const [domain, certs] of await federatedBundles(join(pkiDir, BUNDLES_DIR)))
    bundles.set(domain, [...(bundles.get(domain) ?? []), ...certs]);
  const serverCertificate = checkServerPair(cert, key, join(pkiDir, "server.crt"));
  const ca = [...new Set([...bundles.values()].flat())].map((anchor) => anchor.toString());
  return { ca, cert, key, bundles, serverCertificate };
}

async function federatedBundles(dir: string): Promise<[string, X509Certificate[]][]> {
  const names = await readdir(dir).catch((err: unknown) => {
    if (errnoCode(err) === "ENOENT") return [];
    throw precondition(`read ${dir}: ${errnoCode(err) ?? String(err)}`, { cause: err });
  });
  const out: [string, X509Certificate[]][] = [];
  for (const name of names.sort()) {
    const domain = BUNDLE_FILE.exec(name)?.[1];
    if (domain === undefined) continue;
    const path = join(dir, name);
    if (!isValidTrustDomain(domain)) throw precondition(`${path}: "${domain}" is not a trust domain name (name bundles <domain>.crt)`);
    out.push([domain, anchors(await readFile(path, "utf8"), path)]);
  }
  return out;
}

function anchors(pem: string, path: string): X509Certificate[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw precondition(`${path} holds no PEM certificate`);
  return blocks.map((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      throw precondition(`${path}: certificate ${i + 1} is unreadable: ${(err as Error).message}`, { cause: err });
    }
    if (!cert.ca) throw precondition(`${path}: certificate ${i + 1} (${cert.subject.replaceAll("\n", ", ")}) is not a CA certificate`);
    return cert;
  });
}

function checkServerPair(cert: Buffer, key: Buffer, path: string): X509Certificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw precondition(`${path} is unreadable: ${(err as Error).message}`, { cause: err });
  }
  let matches = false;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw precondition(`${path.replace(/\.crt$/, ".key")} is unreadable: ${(err as Error).message}`, { cause: err });
  }
  if (!matches) throw precondition(`${path} and its key do not belong together`);
  return certificate;
}
