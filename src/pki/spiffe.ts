// SPIFFE IDs, validated as the SPIFFE ID specification (SPIFFE-ID.md, sections 2.1-2.3) requires: the caller's
// identity in Aurae is the SPIFFE ID in its client certificate's URI SAN, so a loose parser here is a hole in authz.
import { invalid } from "../errors.js";

/** A parsed SPIFFE ID. `id` is the whole URI as given (it is already in canonical form once it parses). */
export interface SpiffeId {
  readonly id: string;
  readonly trustDomain: string;
  /** The path, with its leading `/`, or `""` for the ID of the trust domain itself. */
  readonly path: string;
}

const SCHEME_PREFIX = "spiffe://";
// SPIFFE-ID.md 2.3: "URIs with a total length of up to 2048 bytes MUST be supported"; 2.1: "Trust domain names
// ... MUST NOT exceed 255 characters". Implementations refuse longer ones so every peer agrees on what is valid.
export const MAX_SPIFFE_ID_BYTES = 2048;
export const MAX_TRUST_DOMAIN_CHARS = 255;

const TRUST_DOMAIN_CHARS = /^[a-z0-9._-]+$/;
const PATH_SEGMENT_CHARS = /^[A-Za-z0-9._-]+$/;

/** Parses and validates a SPIFFE ID; throws `invalid(field, ...)` naming the first problem found. */
export function parseSpiffeId(uri: string, field = "spiffe_id"): SpiffeId {
  const problem = spiffeIdProblem(uri);
  if (problem !== undefined) throw invalid(field, problem);
  const rest = uri.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf("/");
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? "" : rest.slice(slash);
  return Object.freeze({ id: uri, trustDomain, path });
}

/**
 * A SPIFFE ID, or a prefix of IDs ending in "/" (a filter: "spiffe://td/team-a/"). An ID never ends in "/", so a
 * trailing one can only mean a prefix: the ID it ends is what is checked.
 */
export function parseSpiffeIdOrPrefix(text: string, field: string): string {
  parseSpiffeId(text.endsWith("/") ? text.slice(0, -1) : text, field);
  return text;
}

/** Whether `name` is a valid SPIFFE trust domain name (`example.org`, `prod_eu-1.acme`). */
export const isValidTrustDomain = (name: string): boolean => trustDomainProblem(name) === undefined;

/** The last path segment of a SPIFFE ID (`web` for `spiffe://td/ns/web`), or `undefined` when the path is empty. */
export function lastPathSegment(id: SpiffeId): string | undefined {
  return id.path === "" ? undefined : id.path.slice(id.path.lastIndexOf("/") + 1);
}

function spiffeIdProblem(uri: string): string | undefined {
  if (typeof uri !== "string" || uri === "") return "must not be empty";
  const bytes = Buffer.byteLength(uri, "utf8");
  if (bytes > MAX_SPIFFE_ID_BYTES) return `must be at most ${MAX_SPIFFE_ID_BYTES} bytes long, got ${bytes}`;
  const scheme = schemeProblem(uri);
  if (scheme !== undefined) return scheme;
  const rest = uri.slice(SCHEME_PREFIX.length);
  // Query, fragment and percent-encoding are refused by name before the character rules would refuse them
  // anonymously, so the message says what to remove.
  if (rest.includes("?")) return `must not have a query, got "${uri}"`;
  if (rest.includes("#")) return `must not have a fragment, got "${uri}"`;
  if (rest.includes("%")) return `must not contain percent-encoded characters, got "${uri}"`;
  const slash = rest.indexOf("/");
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  return authorityProblem(authority) ?? (slash === -1 ? undefined : pathProblem(rest.slice(slash)));
}

function schemeProblem(uri: string): string | undefined {
  if (uri.startsWith(SCHEME_PREFIX)) return undefined;
  if (uri.toLowerCase().startsWith(SCHEME_PREFIX)) return `scheme must be "spiffe" in lowercase, got "${uri}"`;
  const colon = uri.indexOf("://");
  if (colon > 0) return `scheme must be "spiffe", got "${uri.slice(0, colon)}" in "${uri}"`;
  return `must start with "${SCHEME_PREFIX}", got "${uri}"`;
}

function authorityProblem(authority: string): string | undefined {
  if (authority === "") return "trust domain is missing";
  if (authority.includes("@")) return `trust domain must not contain userinfo, got "${authority}"`;
  if (authority.includes(":")) return `trust domain must not contain a port, got "${authority}"`;
  const problem = trustDomainProblem(authority);
  return problem && `trust domain ${problem}`;
}

function trustDomainProblem(name: string): string | undefined {
  if (name.length > MAX_TRUST_DOMAIN_CHARS)
    return `must be at most ${MAX_TRUST_DOMAIN_CHARS} characters long, got ${name.length}`;
  if (!TRUST_DOMAIN_CHARS.test(name))
    return `"${name}" may contain only lowercase letters, digits, ".", "-" and "_"`;
  return undefined;
}

function pathProblem(path: string): string | undefined {
  if (path === "/") return `path must not be "/" alone (leave it out for the trust domain's own ID)`;
  if (path.endsWith("/")) return `path must not end with "/", got "${path}"`;
  for (const segment of path.slice(1).split("/")) {
    if (segment === "") return `path must not contain empty segments, got "${path}"`;
    if (segment === "." || segment === "..") return `path must not contain "." or ".." segments, got "${path}"`;
    if (!PATH_SEGMENT_CHARS.test(segment))
      return `path segment "${segment}" may contain only letters, digits, ".", "-" and "_"`;
  }
  return undefined;
}
