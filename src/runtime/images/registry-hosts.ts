// Where a registry is reached: its mirrors first, in order, then itself; over HTTPS with the system CAs plus the
// host's own CA, or over plain HTTP only for a host configured `insecureHttp`. Docker Hub's API lives on
// registry-1.docker.io (what `docker pull` talks to).
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { rootCertificates } from "node:tls";
import { type Credentials, credentialsFromDockerConfig } from "./credentials.js";
import { DOCKER_HUB } from "./reference.js";

export interface RegistryHostOptions {
  /** Speak plain HTTP to this host. Never the default: only for a registry the operator names. */
  readonly insecureHttp?: boolean;
  /** PEM certificates trusted for this host in addition to the system CAs. */
  readonly caPem?: string;
  /** Hosts (`host[:port]`) tried before this registry, in order; each has its own entry for its settings. */
  readonly mirrors?: readonly string[];
  readonly credentials?: Credentials;
}

export interface RegistryHostsOptions {
  /** Settings by `host[:port]`, for registries and mirrors alike. */
  readonly hosts?: Readonly<Record<string, RegistryHostOptions>>;
  /** A parsed Docker config.json whose `auths` supply credentials a host entry does not. */
  readonly dockerConfig?: unknown;
  /** The system's trusted CAs in PEM (main reads them, e.g. /etc/ssl/certs/ca-certificates.crt). */
  readonly systemCaPem?: readonly string[];
}

/** One place a registry's API is served. */
export interface Endpoint {
  /** The registry or mirror name as configured (`docker.io`, `mirror.local:5000`). */
  readonly host: string;
  /** The API base, e.g. `https://registry-1.docker.io/v2/`. */
  readonly base: URL;
  readonly isMirror: boolean;
  /** Credentials for this endpoint, if any: the call's (for the registry itself), the host's, then config.json's. */
  readonly credentials?: Credentials;
}

export class RegistryHosts {
  readonly #agents = new Map<string, HttpAgent | HttpsAgent>();

  constructor(private readonly options: RegistryHostsOptions) {}

  /** The endpoints for `registry`, mirrors first; `callCredentials` apply to the registry itself only. */
  endpoints(registry: string, callCredentials?: Credentials): Endpoint[] {
    const mirrors = this.options.hosts?.[registry]?.mirrors ?? [];
    return [...mirrors.map((m) => this.#endpoint(m, true)), this.#endpoint(registry, false, callCredentials)];
  }

  /** The agent of `url`'s origin: keep-alive, and the CAs of the configured host it belongs to. */
  agentFor = (url: URL): HttpAgent | HttpsAgent => {
    const existing = this.#agents.get(url.origin);
    if (existing) return existing;
    const host = this.options.hosts?.[url.host];
    const agent = url.protocol === "https:"
      ? new HttpsAgent({ keepAlive: true, ...(host?.caPem || this.options.systemCaPem ? { ca: this.#cas(host?.caPem) } : {}) })
      : new HttpAgent({ keepAlive: true });
    this.#agents.set(url.origin, agent);
    return agent;
  };

  /** Closes every kept-alive connection. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #endpoint(host: string, isMirror: boolean, callCredentials?: Credentials): Endpoint {
    const options = this.options.hosts?.[host];
    const apiHost = host === DOCKER_HUB ? "registry-1.docker.io" : host;
    const credentials = callCredentials ?? options?.credentials ?? credentialsFromDockerConfig(this.options.dockerConfig, host);
    return {
      host,
      base: new URL(`${options?.insecureHttp ? "http" : "https"}://${apiHost}/v2/`),
      isMirror,
      ...(credentials ? { credentials } : {}),
    };
  }

  #cas(extra: string | undefined): string[] {
    // Passing `ca` replaces Node's bundled roots, so the system's (or else Node's) go along with the host's own.
    const system = this.options.systemCaPem ?? rootCertificates;
    return extra ? [...system, extra] : [...system];
  }
}
