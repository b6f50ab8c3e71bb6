// A small bearer-token server for the distribution token flow (docs/spec/auth/token.md): it checks basic auth,
// then answers a JWT signed with ES256 whose x5c header carries its self-signed certificate, the one the registry's
// `rootcertbundle` trusts. It counts the requests it answered.
import { execFileSync } from "node:child_process";
import { createPrivateKey, randomBytes, sign, X509Certificate } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { TestContext } from "node:test";

export interface TokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly certPath: string;
  /** Tokens handed out, and the scopes they were asked for. */
  readonly issued: string[];
  /** A token granting pull, push and delete on `repositories`, for the test's own requests. */
  mint(repositories: readonly string[], actions?: readonly string[]): string;
}

export async function startTokenServer(t: TestContext, opts: { dir: string; username: string; password: string; service: string }): Promise<TokenServer> {
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "token.key",
    "-out", "token.crt", "-days", "2", "-subj", "/CN=aurae test token issuer"], { cwd: opts.dir, stdio: "ignore" });
  const key = createPrivateKey(readFileSync(join(opts.dir, "token.key")));
  const certDer = new X509Certificate(readFileSync(join(opts.dir, "token.crt"))).raw.toString("base64");
  const issuer = "aurae-test-issuer";
  const issued: string[] = [];
  const b64url = (v: Buffer | string) => Buffer.from(v).toString("base64url");
  const mint = (repositories: readonly string[], actions: readonly string[] = ["pull", "push", "delete"]) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: "JWT", alg: "ES256", x5c: [certDer] }));
    const claims = b64url(JSON.stringify({
      iss: issuer, sub: opts.username, aud: opts.service, exp: now + 600, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"),
      access: repositories.map((name) => ({ type: "repository", name, actions })),
    }));
    const signature = sign("sha256", Buffer.from(`${header}.${claims}`), { key, dsaEncoding: "ieee-p1363" });
    return `${header}.${claims}.${b64url(signature)}`;
  };
  const expected = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.headers.authorization !== expected) {
      res.writeHead(401).end();
      return;
    }
    const scope = url.searchParams.get("scope") ?? "";
    issued.push(scope);
    const repository = /^repository:([^:]+):/.exec(scope)?.[1];
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: mint(repository ? [repository] : [], ["pull"]) }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  const { port } = server.address() as AddressInfo;
  return { realm: `http://127.0.0.1:${port}/token`, service: opts.service, issuer, certPath: join(opts.dir, "token.crt"), issued, mint };
}
