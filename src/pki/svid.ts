// X.509-SVID rules for a client's certificate (SPIFFE X509-SVID.md, sections 4 and 5): a leaf, signed for digital
// signatures and client authentication, with exactly one URI SAN holding a SPIFFE ID with a path, chaining to a
// trust anchor of that ID's own trust domain. TLS has checked the signatures and validity dates; this checks what
// TLS cannot know: which trust domain each anchor speaks for.
import type { X509Certificate } from "node:crypto";
import { readExtensions } from "./der.js";
import { parseSpiffeId, type SpiffeId } from "./spiffe.js";
import { AuraeError } from "../errors.js";

/** Trust anchors by trust domain name: a domain's anchors vouch for its SPIFFE IDs and for no other domain's. */
export type TrustBundles = ReadonlyMap<string, readonly X509Certificate[]>;

export type SvidVerdict =
  | { readonly ok: true; readonly id: SpiffeId }
  | { readonly ok: false; readonly reason: string };

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** `chain` is the peer's chain as TLS verified it: the leaf first, its trust anchor last. */
export function verifyClientSvid(chain: readonly X509Certificate[], bundles: TrustBundles): SvidVerdict {
  const leaf = chain[0];
  if (!leaf) return refuse("no client certificate");
  const subject = leaf.subject.replaceAll("\n", ", ");
  if (leaf.ca) return refuse(`client certificate ${subject} is a CA certificate`);
  let extensions;
  try {
    extensions = readExtensions(leaf.raw);
  } catch (err) {
    return refuse(`client certificate ${subject} is unreadable: ${(err as Error).message}`);
  }
  const usage = extensions.keyUsage;
  if (!usage?.digitalSignature) return refuse(`client certificate ${subject} lacks the digitalSignature key usage`);
  if (usage.keyCertSign || usage.cRLSign) return refuse(`client certificate ${subject} may sign certificates or CRLs`);
  const extendedUsage = leaf.keyUsage; // Node names the extended key usage list "keyUsage"
  if (extendedUsage && !extendedUsage.includes(CLIENT_AUTH))
    return refuse(`client certificate ${subject} is not for client authentication (extended key usage)`);
  if (extensions.uris.length !== 1)
    return refuse(`client certificate ${subject} has ${extensions.uris.length} URI SANs; an X.509-SVID has exactly one`);
  let id: SpiffeId;
  try {
    id = parseSpiffeId(extensions.uris[0]!, "client certificate URI SAN");
  } catch (err) {
    return refuse(err instanceof AuraeError ? err.message : String(err));
  }
  if (id.path === "") return refuse(`${id.id} names a trust domain, not a workload: an X.509-SVID needs a path`);
  const anchors = bundles.get(id.trustDomain);
  if (!anchors) return refuse(`trust domain "${id.trustDomain}" of ${id.id} is not trusted`);
  if (!anchoredIn(chain, anchors)) return refuse(`${id.id} is not signed by a trust anchor of "${id.trustDomain}"`);
  return { ok: true, id };
}

/**
 * Whether the chain leads from its leaf to one of `anchors`, each link a CA, valid now, that really signed the
 * certificate before it. The chain Node reports is linked by names only: a peer can append any certificate named
 * like our CA, so every signature is checked here, not taken from TLS (which verified some path, maybe another).
 */
function anchoredIn(chain: readonly X509Certificate[], anchors: readonly X509Certificate[], now = Date.now()): boolean {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i]!;
    const issuer = chain[i + 1]!;
    const current = Date.parse(issuer.validFrom) <= now && now <= Date.parse(issuer.validTo);
    if (!issuer.ca || !current || !child.checkIssued(issuer) || !child.verify(issuer.publicKey)) return false;
    if (anchors.some((anchor) => anchor.fingerprint256 === issuer.fingerprint256)) return true;
  }
  return false;
}

const refuse = (reason: string): SvidVerdict => ({ ok: false, reason });
