// Starts Debian's docker-registry (distribution 2.8) on 127.0.0.1 with a free port, in one of three shapes: plain
// HTTP, TLS from a test CA with htpasswd basic auth, or plain HTTP behind a bearer-token server the test runs.
// Everything lives in a temp dir removed afterwards; the registry is stopped by the pid the test started.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Blob, BuiltImage, BuiltIndex } from "./image-builder.js";
import { startTokenServer, type TokenServer } from "./token-server.js";

export type RegistryKind = "plain" | "tls-basic" | "token";

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of a reference. */
  readonly host: string;
  readonly url: string;
  readonly dir: string;
  /** The test CA (PEM) that signed a TLS registry's certificate. */
  readonly caPem?: string;
  readonly username: string;
  readonly password: string;
  readonly tokenServer?: TokenServer;
  /** Pushes an image (its blobs, then its manifest under `tag` and by digest). */
  pushImage(repository: string, image: BuiltImage, tag?: string): Promise<void>;
  /** Pushes an index and every image of it; the index goes under `tag`. */
  pushIndex(repository: string, built: BuiltIndex, tag: string): Promise<void>;
  /** A raw request to the registry with this test's credentials, e.g. to delete a blob. */
  send(method: string, path: string, opts?: { body?: Buffer; headers?: Record<string, string> }): Promise<Response>;
}

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export async function startRegistry(t: TestContext, kind: RegistryKind): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "aurae-registry-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const username = "tester";
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const caPem = kind === "tls-basic" ? makeCerts(dir) : undefined;
  const tokenServer = kind === "token" ? await startTokenServer(t, { dir, username, password, service: "aurae-test" }) : undefined;
  await writeFile(join(dir, "config.yml"), registryConfig(kind, dir, host, tokenServer));
  if (kind === "tls-basic") execFileSync("htpasswd", ["-Bbc", join(dir, "htpasswd"), username, password], { stdio: "ignore" });

  const child = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });
  const url = `${kind === "tls-basic" ? "https" : "http"}://${host}`;
  // The test's own requests carry credentials directly: basic auth, or a token minted for the path's repository.
  const authorization = (path: string): Record<string, string> => {
    if (kind === "tls-basic") return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
    const repository = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(path)?.[1];
    return tokenServer ? { authorization: `Bearer ${tokenServer.mint(repository ? [repository] : [])}` } : {};
  };
  const send = (method: string, path: string, opts: { body?: Buffer; headers?: Record<string, string> } = {}) =>
    rawRequest(method, new URL(path, url), { ...opts.headers, ...authorization(path) }, opts.body, caPem);
  await waitUntilServing(send, child, () => stderr);

  const pushBlob = async (repository: string, b: Blob) => {
    if ((await send("HEAD", `/v2/${repository}/blobs/${b.digest}`)).status === 200) return;
    const started = await send("POST", `/v2/${repository}/blobs/uploads/`);
    if (started.status !== 202) throw new Error(`start upload: HTTP ${started.status} ${started.body.toString()}`);
    const location = new URL(String(started.headers.location), url);
    location.searchParams.set("digest", b.digest);
    const put = await send("PUT", location.pathname + location.search, { body: b.bytes, headers: { "content-type": "application/octet-stream" } });
    if (put.status !== 201) throw new Error(`upload ${b.digest}: HTTP ${put.status} ${put.body.toString()}`);
  };
  const pushManifest = async (repository: string, m: Blob, reference: string) => {
    const put = await send("PUT", `/v2/${repository}/manifests/${reference}`, { body: m.bytes, headers: { "content-type": m.mediaType } });
    if (put.status !== 201) throw new Error(`push manifest ${reference}: HTTP ${put.status} ${put.body.toString()}`);
  };
  const pushImage = async (repository: string, image: BuiltImage, tag?: string) => {
    for (const b of [image.config, ...image.layers]) await pushBlob(repository, b);
    await pushManifest(repository, image.manifest, image.manifest.digest);
    if (tag) await pushManifest(repository, image.manifest, tag);
  };
  const pushIndex = async (repository: string, built: BuiltIndex, tag: string) => {
    for (const image of built.images) await pushImage(repository, image);
    await pushManifest(repository, built.index, tag);
  };
  return { host, url, dir, ...(caPem ? { caPem } : {}), username, password, ...(tokenServer ? { tokenServer } : {}), pushImage, pushIndex, send };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

function registryConfig(kind: RegistryKind, dir: string, host: string, tokens: TokenServer | undefined): string {
  const lines = [
    "version: 0.1",
    "log: { level: error, accesslog: { disabled: true } }",
    `storage: { filesystem: { rootdirectory: ${join(dir, "data")} }, delete: { enabled: true } }`,
    `http: { addr: "${host}"${kind === "tls-basic" ? `, tls: { certificate: ${join(dir, "server.crt")}, key: ${join(dir, "server.key")} }` : ""} }`,
  ];
  if (kind === "tls-basic") lines.push(`auth: { htpasswd: { realm: test-realm, path: ${join(dir, "htpasswd")} } }`);
  if (kind === "token" && tokens)
    lines.push(`auth: { token: { realm: "${tokens.realm}", service: ${tokens.service}, issuer: ${tokens.issuer}, rootcertbundle: ${tokens.certPath} } }`);
  return `${lines.join("\n")}\n`;
}

/** A test CA and a server certificate for 127.0.0.1 signed by it; returns the CA's PEM. */
function makeCerts(dir: string): string {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=aurae test registry CA");
  run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2",
    "-extfile", "san.ext");
  return readFileSync(join(dir, "ca.crt"), "utf8");
}

async function waitUntilServing(send: TestRegistry["send"], child: ReturnType<typeof spawn>, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${stderr()}`);
    const ok = await send("GET", "/v2/").then((r) => r.status === 200, () => false);
    if (ok) return;
    await delay(50);
  }
  throw new Error(`docker-registry did not serve within 5 s: ${stderr()}`);
}

export function rawRequest(method: string, url: URL, headers: Record<string, string>, body?: Buffer, caPem?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const options = { method, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) }, ...(caPem ? { ca: caPem } : {}) };
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}
