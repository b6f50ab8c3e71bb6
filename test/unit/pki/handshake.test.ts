// The certificates proven where they are used: mutual TLS between Node's own `tls` server and client.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { before, test, type TestContext } from "node:test";
import * as tls from "node:tls";
import { createCa } from "../../../src/pki/ca.js";
import { issueCertificate, issueClientCert, issueServerCert } from "../../../src/pki/issue.js";
import type { Pem } from "../../../src/pki/keys.js";

const NOVA = "spiffe://aurae.local/users/nova";
let ca: Pem;
let server: Pem;
let client: Pem;
before(async () => {
  ca = await createCa({ commonName: "Aurae test CA" });
  const ipAddresses = ["127.0.0.1", "::1"];
  server = await issueServerCert(ca, { commonName: "auraed", dnsNames: ["localhost"], ipAddresses });
  client = await issueClientCert(ca, { spiffeId: NOVA });
});

interface MtlsServer {
  readonly port: number;
  /** Why the server refused its first client: OpenSSL's verify code (`CERT_HAS_EXPIRED`) or the handshake error. */
  readonly refused: Promise<string>;
}

/** An mTLS server trusting `ca` that answers each client with the URI SAN of its certificate, then closes. */
async function startServer(t: TestContext, host = "127.0.0.1"): Promise<MtlsServer> {
  const srv = tls.createServer(
    { cert: server.certPem, key: server.keyPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: true },
    (socket) => socket.end(socket.getPeerCertificate().subjectaltname ?? ""),
  );
  // A certificate that fails verification fails the handshake only once Node reads the verify result and destroys
  // the socket, so the reason is on the socket (`authorizationError`), not in the error ("socket hang up").
  const refused = once(srv, "tlsClientError").then(([err, socket]) =>
    String((socket as tls.TLSSocket).authorizationError ?? (err as Error).message),
  );
  srv.listen(0, host);
  await once(srv, "listening");
  t.after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { port: (srv.address() as AddressInfo).port, refused };
}

/** Connects with `opts` and resolves with what the server sent; rejects when the handshake fails either way. */
async function exchange(t: TestContext, opts: tls.ConnectionOptions): Promise<string> {
  const socket = tls.connect({ ca: [ca.certPem], ...opts });
  t.after(() => socket.destroy());
  socket.setEncoding("utf8");
  let received = "";
  socket.on("data", (chunk: string) => (received += chunk));
  await once(socket, "end");
  if (received === "") throw new Error("the server closed the connection without answering");
  return received;
}

/** Options to reach `srv` at 127.0.0.1 by the name "localhost", presenting `cert` (or no certificate). */
const viaLocalhost = (srv: MtlsServer, cert: Pem | undefined): tls.ConnectionOptions => ({
  host: "127.0.0.1",
  port: srv.port,
  servername: "localhost",
  ...(cert && { cert: cert.certPem, key: cert.keyPem }),
});

const hasIpv6Loopback = () =>
  Object.values(networkInterfaces()).some((addresses) => addresses?.some((a) => a.address === "::1"));

test("a SPIFFE client and a localhost server complete mutual TLS; the server sees the client's URI SAN", async (t) => {
  const srv = await startServer(t);
  assert.equal(await exchange(t, viaLocalhost(srv, client)), `URI:${NOVA}`);
});

for (const host of ["127.0.0.1", "::1"]) {
  test(`the server certificate is valid for its IP SAN ${host}`, async (t) => {
    if (host === "::1" && !hasIpv6Loopback()) return t.skip("no IPv6 address on the loopback interface");
    const srv = await startServer(t, host);
    // No servername: Node checks the IP literal it connected to against the certificate's IP SANs.
    const opts = { ...viaLocalhost(srv, client), host, servername: undefined };
    assert.equal(await exchange(t, opts), `URI:${NOVA}`);
  });
}

test("the client refuses a server name the server certificate does not cover", async (t) => {
  const srv = await startServer(t);
  await assert.rejects(exchange(t, { ...viaLocalhost(srv, client), servername: "node2.aurae.local" }), {
    code: "ERR_TLS_CERT_ALTNAME_INVALID",
  });
});

test("the client refuses a server whose certificate comes from another CA", async (t) => {
  const srv = await startServer(t);
  const other = await createCa({ commonName: "Other CA" });
  await assert.rejects(
    exchange(t, { ...viaLocalhost(srv, client), ca: [other.certPem] }),
    // The server sends the CA after its certificate, so OpenSSL names the untrusted self-signed CA in the chain.
    { code: /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/ },
  );
});

const refusedClients: [name: string, makeCert: () => Promise<Pem | undefined>, reason: RegExp][] = [
  [
    "a client certificate from another CA",
    async () => issueClientCert(await createCa({ commonName: "Other CA" }), { spiffeId: NOVA }),
    /^UNABLE_TO_VERIFY_LEAF_SIGNATURE$/,
  ],
  ["a client without a certificate", async () => undefined, /peer did not return a certificate/i],
  [
    "an expired client certificate",
    () =>
      issueCertificate(ca, {
        commonName: "nova",
        usage: "client",
        uris: [NOVA],
        notBefore: new Date("2020-01-01T00:00:00Z"),
        notAfter: new Date("2020-02-01T00:00:00Z"),
      }),
    /^CERT_HAS_EXPIRED$/,
  ],
  [
    "a certificate issued for server use only",
    () => issueServerCert(ca, { commonName: "nova", dnsNames: ["nova.lan"] }),
    /^INVALID_PURPOSE$/,
  ],
];

for (const [name, makeCert, reason] of refusedClients) {
  test(`a server requiring client certificates refuses ${name}`, async (t) => {
    const srv = await startServer(t);
    await assert.rejects(exchange(t, viaLocalhost(srv, await makeCert())));
    assert.match(await srv.refused, reason);
  });
}
