// Image references as Docker and the OCI distribution spec write them: `[registry/]repository[:tag][@digest]`.
// The grammar is distribution's reference package (reference/regexp.go); Docker's short names are normalized the
// way `docker pull` does it: `busybox` is `docker.io/library/busybox:latest`.
import { invalid, quote } from "../../errors.js";
import { type Digest, parseDigest } from "./digest.js";

export interface ImageReference {
  /** Registry host with an optional port, e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path within the registry, e.g. `library/busybox`. */
  readonly repository: string;
  /** The tag; `latest` when the reference named neither a tag nor a digest. */
  readonly tag?: string;
  /** The manifest digest; when present it wins over the tag, which is then only a label. */
  readonly digest?: Digest;
}

export const DOCKER_HUB = "docker.io";
const DEFAULT_TAG = "latest";
const MAX_NAME_LENGTH = 255; // distribution's NameTotalLengthMax

// reference/regexp.go: a path component; a domain component (a label) and an optional port.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$/;
const IPV6_DOMAIN = /^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** Parses and normalizes `value`; every error names `field` and quotes the value. */
export function parseReference(value: string, field = "reference"): ImageReference {
  if (value === "") throw invalid(field, "must name an image, got an empty string");
  const at = value.indexOf("@");
  const digest = at < 0 ? undefined : parseDigest(value.slice(at + 1), field);
  const nameAndTag = at < 0 ? value : value.slice(0, at);
  const lastSlash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.lastIndexOf(":");
  const hasTag = colon > lastSlash; // a colon before the last slash is a registry port
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag))
    throw invalid(field, `tag ${quote(tag)} must be 1-128 of [A-Za-z0-9_.-], not starting with . or -, in ${quote(value)}`);
  const { registry, repository } = splitName(name, value, field);
  return { registry, repository, ...(tag !== undefined || digest === undefined ? { tag: tag ?? DEFAULT_TAG } : {}), ...(digest ? { digest } : {}) };
}

/** The canonical form: `docker.io/library/busybox:latest`, `host:5000/app@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  const tag = ref.tag === undefined ? "" : `:${ref.tag}`;
  const digest = ref.digest === undefined ? "" : `@${ref.digest}`;
  return `${ref.registry}/${ref.repository}${tag}${digest}`;
}

/** The same repository pinned to `digest` (what a pull by tag resolved to). */
export const withDigest = (ref: ImageReference, digest: Digest): ImageReference => ({ ...ref, digest });

function splitName(name: string, whole: string, field: string): { registry: string; repository: string } {
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  // Docker's rule: the first component is a registry if it has a dot or a port, or is localhost (or has capitals,
  // which a repository cannot).
  const isRegistry = first !== "" && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  let registry = isRegistry ? first : DOCKER_HUB;
  let repository = isRegistry ? name.slice(slash + 1) : name;
  if (isRegistry && !DOMAIN.test(registry) && !IPV6_DOMAIN.test(registry))
    throw invalid(field, `registry ${quote(registry)} is not a host name with an optional port, in ${quote(whole)}`);
  if (registry === "index.docker.io") registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  for (const component of repository.split("/"))
    if (!COMPONENT.test(component))
      throw invalid(field, `repository component ${quote(component)} must be lowercase letters and digits separated by ., _, __ or -, in ${quote(whole)}`);
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH)
    throw invalid(field, `name must be at most ${MAX_NAME_LENGTH} characters, got ${registry.length + 1 + repository.length} in ${quote(whole)}`);
  return { registry, repository };
}
