// The four manifest shapes a registry may answer with (OCI image-spec image-index.md and manifest.md; Docker's
// "Image Manifest V2, Schema 2" and its manifest list), validated into one typed form. Docker schema 1 is not
// supported: it is deprecated and distribution 2.8 refuses to serve it unless asked.
import { invalid, type AuraeError } from "../../errors.js";
import { type Digest, parseDigest } from "./digest.js";

export const MEDIA_TYPE = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
} as const;

/** What a manifest request accepts, most preferred first. */
export const MANIFEST_ACCEPT = [MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerList, MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest];

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  readonly platform?: Platform;
}

export type ParsedManifest =
  | { readonly kind: "index"; readonly mediaType: string; readonly manifests: readonly Descriptor[] }
  | { readonly kind: "manifest"; readonly mediaType: string; readonly config: Descriptor; readonly layers: readonly Descriptor[] };

const INDEX_TYPES: readonly string[] = [MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerList];
const MANIFEST_TYPES: readonly string[] = [MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest];

/**
 * Parses the manifest `bytes` served as `contentType` for `what` (the reference, named in every error). The
 * `mediaType` field wins over the header (registries serve `application/json` for OCI manifests without it); without
 * either, the shape decides, as containerd does.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, what: string): ParsedManifest {
  const json = parseJsonObject(bytes, what);
  const declared = typeof json.mediaType === "string" ? json.mediaType : contentType?.split(";")[0]?.trim();
  const isIndex = declared !== undefined && INDEX_TYPES.includes(declared) ? true
    : declared !== undefined && MANIFEST_TYPES.includes(declared) ? false
    : Array.isArray(json.manifests) ? true : Array.isArray(json.layers) ? false : undefined;
  if (isIndex === undefined) throw malformed(what, `unsupported media type ${JSON.stringify(declared ?? "(none)")}`);
  if (json.schemaVersion !== 2) throw malformed(what, `schemaVersion must be 2, got ${JSON.stringify(json.schemaVersion)}`);
  const known = declared !== undefined && (INDEX_TYPES.includes(declared) || MANIFEST_TYPES.includes(declared));
  const mediaType = known ? declared : isIndex ? MEDIA_TYPE.ociIndex : MEDIA_TYPE.ociManifest;
  if (isIndex) return { kind: "index", mediaType, manifests: descriptors(json.manifests, "manifests", what) };
  return {
    kind: "manifest",
    mediaType,
    config: descriptor(json.config, "config", what),
    layers: descriptors(json.layers, "layers", what),
  };
}

/** Parses a JSON document that must be an object (a manifest, an image config); errors name `what`. */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw malformed(what, `not JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw malformed(what, "not a JSON object");
  return json as Record<string, unknown>;
}

function descriptors(value: unknown, field: string, what: string): Descriptor[] {
  if (!Array.isArray(value)) throw malformed(what, `${field} must be an array`);
  return value.map((d, i) => descriptor(d, `${field}[${i}]`, what));
}

function descriptor(value: unknown, field: string, what: string): Descriptor {
  if (typeof value !== "object" || value === null) throw malformed(what, `${field} must be an object`);
  const d = value as Record<string, unknown>;
  if (typeof d.mediaType !== "string") throw malformed(what, `${field}.mediaType must be a string`);
  if (typeof d.digest !== "string") throw malformed(what, `${field}.digest must be a string`);
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0)
    throw malformed(what, `${field}.size must be a non-negative integer, got ${JSON.stringify(d.size)}`);
  let digest: Digest;
  try {
    digest = parseDigest(d.digest, `${field}.digest`);
  } catch (err) {
    throw malformed(what, (err as Error).message);
  }
  const platform = d.platform === undefined ? undefined : platformOf(d.platform, `${field}.platform`, what);
  return { mediaType: d.mediaType, digest, size: d.size, ...(platform ? { platform } : {}) };
}

function platformOf(value: unknown, field: string, what: string): Platform {
  const p = value as Record<string, unknown> | null;
  if (typeof p !== "object" || p === null || typeof p.os !== "string" || typeof p.architecture !== "string")
    throw malformed(what, `${field} must have string os and architecture`);
  return { os: p.os, architecture: p.architecture, ...(typeof p.variant === "string" ? { variant: p.variant } : {}) };
}

/** A registry's document is wrong: the caller's reference is the thing at fault, so the kind is `invalid`. */
const malformed = (what: string, why: string): AuraeError => invalid("reference", `${what}: malformed manifest: ${why}`);
