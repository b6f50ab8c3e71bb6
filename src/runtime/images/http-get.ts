// One HTTP(S) GET on Node's http/https, following redirects (registries send blob downloads to storage URLs), with
// the abort signal honoured and network errors turned into `unavailable` naming the URL.
import { type Agent as HttpAgent, type IncomingMessage, request as httpRequest } from "node:http";
import { type Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { errnoCode, unavailable } from "../../errors.js";

export interface HttpGet {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** The agent for the URL's origin: it holds the CAs and keeps connections alive. */
  readonly agentFor: (url: URL) => HttpAgent | HttpsAgent;
  readonly signal: AbortSignal;
}

const MAX_REDIRECTS = 5;

/** The response (any status but a redirect); the caller consumes or destroys its body. */
export async function httpGet(req: HttpGet): Promise<IncomingMessage> {
  let url = req.url;
  let headers: Record<string, string> = { ...req.headers };
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await send(url, headers, req);
    const location = res.headers.location;
    if (!isRedirect(res.statusCode) || location === undefined) return res;
    res.resume();
    const next = new URL(location, url);
    // A redirect to another origin (a storage bucket) must not carry the registry's credentials.
    if (next.origin !== url.origin) headers = withoutAuthorization(headers);
    url = next;
  }
  throw unavailable(`GET ${req.url.href}: more than ${MAX_REDIRECTS} redirects`);
}

function send(url: URL, headers: Readonly<Record<string, string>>, req: HttpGet): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    if (req.signal.aborted) return reject(abortError(req.signal));
    // Not request's `signal` option: an abort after the response arrived destroyed the TLS socket with an error
    // nobody listened to any more, and auraed died of it.
    const r = request(url, { method: "GET", headers, agent: req.agentFor(url) }, resolve);
    // Destroyed without an error: after the response came, the socket has no error listener left to take one.
    const onAbort = () => {
      reject(abortError(req.signal));
      r.destroy();
    };
    req.signal.addEventListener("abort", onAbort, { once: true });
    r.once("close", () => req.signal.removeEventListener("abort", onAbort));
    r.on("error", (err) => reject(req.signal.aborted ? err : networkError(url, err)));
    r.end();
  });
}

const abortError = (signal: AbortSignal): Error =>
  Object.assign(new Error("The operation was aborted", { cause: signal.reason }), { name: "AbortError", code: "ABORT_ERR" });

/** A failure to reach `url` (refused, reset, DNS, TLS): the registry is unavailable, the cause kept for logs. */
export const networkError = (url: URL, err: unknown) =>
  unavailable(`GET ${url.origin}${url.pathname}: ${errnoCode(err) ?? (err as Error).message}`, { cause: err });

const isRedirect = (status: number | undefined): boolean =>
  status === 301 || status === 302 || status === 303 || status === 307 || status === 308;

function withoutAuthorization(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { authorization: _dropped, ...rest } = headers;
  return rest;
}
