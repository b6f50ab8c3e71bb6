// Content digests (OCI image-spec descriptor.md, "Digests"): `algorithm:encoded`. Only the registered algorithms
// are accepted, with their exact hex length, so a digest names one file under blobs/<algorithm>/ and nothing else.
import { createHash, type Hash } from "node:crypto";
import { invalid, quote } from "../../errors.js";

export type DigestAlgorithm = "sha256" | "sha512";

/** A validated digest, e.g. `sha256:9f86d0…`. */
export type Digest = `${DigestAlgorithm}:${string}`;

const HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

/** Validates `value` as a digest; the error names `field`. */
export function parseDigest(value: string, field: string): Digest {
  const colon = value.indexOf(":");
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (colon < 0 || !(algorithm in HEX_LENGTH))
    throw invalid(field, `must be a digest "sha256:<64 hex>" or "sha512:<128 hex>", got ${quote(value)}`);
  const length = HEX_LENGTH[algorithm as DigestAlgorithm];
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex))
    throw invalid(field, `${algorithm} digest must have ${length} lowercase hex digits, got ${quote(value)}`);
  return value as Digest;
}

export const digestAlgorithm = (digest: Digest): DigestAlgorithm => digest.slice(0, digest.indexOf(":")) as DigestAlgorithm;

export const digestHex = (digest: Digest): string => digest.slice(digest.indexOf(":") + 1);

/** A running hash for `digest`'s algorithm. */
export const hasherFor = (digest: Digest): Hash => createHash(digestAlgorithm(digest));

/** The sha256 digest of `bytes`, the algorithm every digest Aurae computes itself uses. */
export const sha256Of = (bytes: Uint8Array | string): Digest =>
  `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
