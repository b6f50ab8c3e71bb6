// A client of the OCI distribution API v2 (distribution-spec spec.md, "Pull"): manifests by tag or digest, blobs
// from an offset. It tries a registry's mirrors before the registry, answers a 401 with the challenge's scheme
// (a bearer token from the realm, or basic auth) and caches the result per endpoint and repository. It verifies
// what it can verify alone, a manifest fetched by digest; blobs are verified by the content store as they land.
import type { IncomingMessage } from "node:http";
import { AuraeError, errnoCode, isAuraeError, notFound, precondition, unavailable } from "../../errors.js";
import { parseChallenges, type Challenge } from "./challenge.js";
import { basicAuthorization, type Credentials } from "./credentials.js";
import { type Digest, sha256Of } from "./digest.js";
import { httpGet } from "./http-get.js";
import { MANIFEST_ACCEPT } from "./manifest.js";
import { formatReference, type ImageReference } from "./reference.js";
import type { Endpoint, RegistryHosts } from "./registry-hosts.js";

export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly contentType: string | undefined;
  /** The sha256 of the bytes as received: a manifest's identity. */
  readonly digest: Digest;
}

export interface BlobBody {
  readonly body: IncomingMessage;
  /** Where the body starts: the offset asked for, or 0 when the server ignored the Range. */
  readonly offset: number;
}

export interface RequestOptions {
  readonly signal: AbortSignal;
  /** Credentials for the registry itself, passed in the call; never logged, never stored. */
  readonly credentials?: Credentials;
}

/** distribution refuses to store manifests above 4 MiB; a bigger answer is not a manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export class RegistryClient {
  /** `Authorization` values by "origin repository", so a pull asks the token server once per repository. */
  readonly #authorizations = new Map<string, string>();

  constructor(private readonly hosts: RegistryHosts) {}

  /** The manifest named by `reference` (a tag or a digest) in `ref`'s repository; by digest it is verified. */
  async fetchManifest(ref: ImageReference, reference: string, opts: RequestOptions): Promise<FetchedManifest> {
    const what = `image ${formatReference(ref)}: manifest ${reference}`;
    const res = await this.#get(ref, `manifests/${reference}`, { accept: MANIFEST_ACCEPT.join(", ") }, opts, what);
    const bytes = await readBody(res, MAX_MANIFEST_BYTES, what);
    const digest = sha256Of(bytes);
    if (reference.includes(":") && digest !== reference)
      throw precondition(`${what}: the registry sent content whose digest is ${digest}`);
    return { bytes, contentType: res.headers["content-type"], digest };
  }

  /** A blob's body from `offset` on (a `Range` request); the caller consumes or destroys it. */
  async openBlob(ref: ImageReference, digest: Digest, offset: number, opts: RequestOptions): Promise<BlobBody> {
    const what = `image ${formatReference(ref)}: blob ${digest}`;
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const res = await this.#get(ref, `blobs/${digest}`, headers, opts, what);
    if (res.statusCode === 206 && rangeStart(res.headers["content-range"]) === offset) return { body: res, offset };
    if (res.statusCode === 200) return { body: res, offset: 0 };
    res.resume();
    throw unavailable(`${what}: unexpected HTTP ${res.statusCode} to a request from byte ${offset}`);
  }

  /** Forgets cached tokens and closes kept-alive connections. */
  close(): void {
    this.#authorizations.clear();
    this.hosts.close();
  }

  /** A successful (2xx) response from the first endpoint that has the thing; mirrors that fail are skipped. */
  async #get(ref: ImageReference, path: string, headers: Record<string, string>, opts: RequestOptions, what: string): Promise<IncomingMessage> {
    const endpoints = this.hosts.endpoints(ref.registry, opts.credentials);
    let lastError: unknown;
    for (const endpoint of endpoints) {
      try {
        const res = await this.#authorizedGet(endpoint, ref.repository, path, headers, opts.signal);
        if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) return res;
        res.resume();
        throw statusError(res.statusCode ?? 0, endpoint, what);
      } catch (err) {
        // A mirror that lacks the thing or is down is passed over; the registry's own answer is final.
        if (!endpoint.isMirror || opts.signal.aborted || !isAuraeError(err)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  }

  async #authorizedGet(endpoint: Endpoint, repository: string, path: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(`${repository}/${path}`, endpoint.base);
    const key = `${endpoint.base.origin} ${repository}`;
    const get = (authorization: string | undefined) =>
      httpGet({ url, headers: { ...headers, ...(authorization ? { authorization } : {}) }, agentFor: this.hosts.agentFor, signal });
    const first = await get(this.#authorizations.get(key));
    if (first.statusCode !== 401) return first;
    first.resume();
    const authorization = await this.#authorize(parseChallenges(String(first.headers["www-authenticate"] ?? "")), endpoint, repository, signal);
    if (authorization === undefined) return first;
    this.#authorizations.set(key, authorization);
    return get(authorization);
  }

  /** The `Authorization` value answering `challenges`, or undefined when there is nothing to answer with. */
  async #authorize(challenges: readonly Challenge[], endpoint: Endpoint, repository: string, signal: AbortSignal): Promise<string | undefined> {
    const bearer = challenges.find((c) => c.scheme === "bearer");
    if (bearer) return `Bearer ${await this.#fetchToken(bearer, endpoint, repository, signal)}`;
    if (challenges.some((c) => c.scheme === "basic") && endpoint.credentials) return basicAuthorization(endpoint.credentials);
    return undefined;
  }

  /** The distribution token flow (docs/spec/auth/token.md): GET realm?service&scope, with basic auth if we have some. */
  async #fetchToken(challenge: Challenge, endpoint: Endpoint, repository: string, signal: AbortSignal): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw unavailable(`registry ${endpoint.host}: bearer challenge without a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    url.searchParams.set("scope", `repository:${repository}:pull`);
    const headers: Record<string, string> = endpoint.credentials ? { authorization: basicAuthorization(endpoint.credentials) } : {};
    const res = await httpGet({ url, headers, agentFor: this.hosts.agentFor, signal });
    const what = `registry ${endpoint.host}: token from ${url.origin}${url.pathname}`;
    if (res.statusCode !== 200) {
      res.resume();
      throw res.statusCode === 401 || res.statusCode === 403
        ? new AuraeError("unauthenticated", `${what}: credentials refused (HTTP ${res.statusCode})`)
        : unavailable(`${what}: HTTP ${res.statusCode}`);
    }
    const body = (await readBody(res, 1024 * 1024, what)).toString("utf8");
    const json = (() => {
      try {
        return JSON.parse(body) as { token?: unknown; access_token?: unknown } | null;
      } catch {
        throw unavailable(`${what}: the answer is not JSON`);
      }
    })();
    const token = typeof json?.token === "string" ? json.token : json?.access_token;
    if (typeof token !== "string" || token === "") throw unavailable(`${what}: the answer holds no token`);
    return token;
  }
}

function statusError(status: number, endpoint: Endpoint, what: string): AuraeError {
  const at = `${what} at ${endpoint.host}`;
  if (status === 404) return notFound(`${at}: not found`);
  if (status === 401) return new AuraeError("unauthenticated", `${at}: authentication required or refused (HTTP 401)`);
  if (status === 403) return new AuraeError("denied", `${at}: access denied (HTTP 403)`);
  return unavailable(`${at}: HTTP ${status}`);
}

/** The first byte of a `Content-Range: bytes a-b/n` header. */
function rangeStart(header: string | undefined): number | undefined {
  const m = /^bytes (\d+)-/.exec(header ?? "");
  return m ? Number(m[1]) : undefined;
}

async function readBody(res: IncomingMessage, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > maxBytes) throw precondition(`${what}: larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  } catch (err) {
    res.destroy();
    throw isAuraeError(err) ? err : unavailable(`${what}: connection dropped: ${errnoCode(err) ?? (err as Error).message}`, { cause: err });
  }
  return Buffer.concat(chunks);
}
