// Every refusal is on record with who was refused and the cell the request was about, however early it was decided:
// the deny list, a revoked serial, a certificate that expired on an open connection, a caller over its rate. So
// `aer audit --cell X` (a cell filter) finds every refused attempt on X.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { AuraeClientError, PermissionDeniedError, UnauthenticatedError } from "../../../src/client/index.js";
import { useDaemon } from "../../helpers/daemon.js";
import { certificateOf, clientAs, clientWith, usePolicy } from "../../helpers/identities.js";
import { uniqueName } from "../../helpers/names.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const RATE = 20;
const aurae = useDaemon({ args: ["--rate-limit", String(RATE), "--rate-burst", String(RATE)] });
const td = TRUST_DOMAIN;

/** The admin, and every identity under refused/ as an operator, minus what `deny` lists. */
const policy = (deny: { identities?: string[]; serials?: string[] } = {}): string => `
[[rule]]
identities = ["spiffe://${td}/admin"]
role = "admin"

[[rule]]
identities = ["spiffe://${td}/refused/*"]
role = "operator"

[deny]
identities = ${JSON.stringify(deny.identities ?? [])}
serials = ${JSON.stringify(deny.serials ?? [])}
`;

/** "identity method cell code" of each refusal recorded on `cell`, found through the cell filter. */
async function refusalsOn(cell: string, code?: string): Promise<string[]> {
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { cellName: cell, deniedOnly: true } });
  return entries.filter((e) => code === undefined || e.code === code).map((e) => `${e.identity} ${e.method.split("/").pop()} ${e.cellName} ${e.code}`);
}

test("a caller on the deny list is recorded with its identity and the cell it asked about", async (t) => {
  const id = `spiffe://${td}/refused/${uniqueName("blocked")}`;
  const { client } = await clientAs(aurae, id);
  await usePolicy(aurae, policy({ identities: [id] }));
  t.after(() => usePolicy(aurae, policy()));
  const cell = uniqueName("denied-on");
  await assert.rejects(client.cells.get({ name: cell }), PermissionDeniedError);
  await assert.rejects(client.executables.stop({ cellName: `${cell}/inner`, name: "x" }), PermissionDeniedError);
  assert.deepEqual(await refusalsOn(cell), [`${id} Get ${cell} PERMISSION_DENIED`, `${id} Stop ${cell}/inner PERMISSION_DENIED`]);
});

test("a revoked certificate serial is recorded with its identity and the cell it asked about", async (t) => {
  const id = `spiffe://${td}/refused/${uniqueName("laptop")}`;
  const { client, certificate } = await clientAs(aurae, id);
  await usePolicy(aurae, policy({ serials: [certificate.serial] }));
  t.after(() => usePolicy(aurae, policy()));
  const cell = uniqueName("revoked-on");
  await assert.rejects(client.cells.free({ name: cell }), UnauthenticatedError);
  assert.deepEqual(await refusalsOn(cell), [`${id} Free ${cell} UNAUTHENTICATED`]);
});

test("a certificate that expired on an open connection is recorded with its identity and the cell it asked about", async () => {
  const id = `spiffe://${td}/refused/${uniqueName("temp")}`;
  await usePolicy(aurae, policy());
  const shortLived = await certificateOf(aurae, { commonName: "temp", usage: "client", uris: [id], notAfter: new Date(Date.now() + 3000) });
  const client = await clientWith(aurae, shortLived);
  await client.cells.list({}); // the connection is open, and stays
  await new Promise((r) => setTimeout(r, 4000));
  const cell = uniqueName("expired-on");
  await assert.rejects(client.cells.allocate({ spec: { name: cell } }), UnauthenticatedError);
  assert.deepEqual(await refusalsOn(cell), [`${id} Allocate ${cell} UNAUTHENTICATED`]);
});

test("a caller over its rate is recorded with the cell it asked about", async () => {
  const id = `spiffe://${td}/refused/${uniqueName("eager")}`;
  await usePolicy(aurae, policy());
  const { client } = await clientAs(aurae, id);
  const cell = uniqueName("rated-on");
  const results = await Promise.allSettled(Array.from({ length: 2 * RATE }, () => client.cells.get({ name: cell })));
  const over = results.filter((r) => r.status === "rejected" && r.reason instanceof AuraeClientError && r.reason.grpcCode === 8).length;
  assert.ok(over > 0, "no call was over the rate");
  assert.deepEqual(await refusalsOn(cell, "RESOURCE_EXHAUSTED"), Array.from({ length: over }, () => `${id} Get ${cell} RESOURCE_EXHAUSTED`));
});

test("a refused caller that sends no request, or gives up before it, is still on record with its refusal", async (t) => {
  const id = `spiffe://${td}/refused/${uniqueName("silent")}`;
  const { certificate } = await clientAs(aurae, id);
  await usePolicy(aurae, policy({ identities: [id] }));
  t.after(() => usePolicy(aurae, policy()));
  const credentials = grpc.credentials.createSsl(Buffer.from(aurae.pki.ca.certPem), Buffer.from(certificate.keyPem), Buffer.from(certificate.certPem));
  const raw = new grpc.Client(`unix:${aurae.socketPath}`, credentials, { "grpc.ssl_target_name_override": "localhost" });
  t.after(() => raw.close());
  // GetLogs names its cell in the request, so the refusal waits for it: these calls send headers and no message.
  const open = (done: (err: grpc.ServiceError | null) => void) =>
    raw.makeClientStreamRequest("/aurae.observe.v1.ObserveService/GetLogs", (b: Buffer) => b, (b: Buffer) => b, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, done);
  const ended = await new Promise<grpc.ServiceError | null>((resolve) => open(resolve).end());
  assert.equal(ended?.code, grpc.status.PERMISSION_DENIED, "a request stream ended without a message is refused all the same");
  const cancelled = await new Promise<grpc.ServiceError | null>((resolve) => {
    const call = open(resolve);
    setTimeout(() => call.cancel(), 300);
  });
  assert.equal(cancelled?.code, grpc.status.CANCELLED);
  const { entries } = await aurae.client.audit.list({ pageSize: 1000, filter: { identity: id } });
  assert.deepEqual(entries.map((e) => `${e.method.split("/").pop()} ${e.code}`), ["GetLogs PERMISSION_DENIED", "GetLogs PERMISSION_DENIED"]);
});
