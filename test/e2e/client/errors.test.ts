// What the daemon answers reaches a caller as one error class per kind, with the gRPC code, the field of a bad
// request, and for an unreachable daemon the socket it looked for.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { status } from "@grpc/grpc-js";
import {
  AuraeClientError,
  CancelledError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnavailableError,
} from "../../../src/client/index.js";
import { cellForTest } from "../../helpers/cell-for-test.js";
import { useDaemon } from "../../helpers/daemon.js";
import { clientAs } from "../../helpers/identities.js";
import { TRUST_DOMAIN } from "../../helpers/pki.js";

const aurae = useDaemon();

test("a missing cell is a NotFoundError carrying NOT_FOUND", async () => {
  const err = await aurae.client.cells.get({ name: "no-such-cell" }).catch((e: unknown) => e);
  assert.ok(err instanceof NotFoundError && err instanceof AuraeClientError);
  assert.deepEqual([err.code, err.grpcCode, err.message], ["not-found", status.NOT_FOUND, 'cell "no-such-cell" not found']);
});

test("a bad request is an InvalidArgumentError naming the field", async () => {
  const err = await aurae.client.cells.allocate({ spec: { name: "Not Valid" } }).catch((e: unknown) => e);
  assert.ok(err instanceof InvalidArgumentError, String(err));
  assert.equal(err.field, "spec.name");
  assert.equal(err.grpcCode, status.INVALID_ARGUMENT);
});

test("a cell with a running executable cannot be freed without stop: FailedPreconditionError", async (t) => {
  const cell = await cellForTest(aurae, t, "busy");
  await aurae.client.executables.start({ spec: { cellName: cell, name: "sleep", argv: ["sleep", "30"] } });
  await assert.rejects(aurae.client.cells.free({ name: cell }), FailedPreconditionError);
});

test("an identity the policy does not allow gets a PermissionDeniedError", async () => {
  const { client } = await clientAs(aurae, `spiffe://${TRUST_DOMAIN}/nobody-in-particular`);
  await assert.rejects(client.cells.list({}), (err) => err instanceof PermissionDeniedError && err.grpcCode === status.PERMISSION_DENIED);
});

test("no daemon at the socket is an UnavailableError saying where it looked, at once", async () => {
  const socket = join(aurae.dir, "nobody-listens.sock");
  const client = await aurae.connect({ socket });
  const started = Date.now();
  await assert.rejects(client.cells.list({}), (err) => err instanceof UnavailableError && err.message.startsWith(`daemon not running at ${socket}`));
  const stream = client.events.watch({ follow: true });
  await assert.rejects(stream[Symbol.asyncIterator]().next(), UnavailableError, "a stream that never reached a daemon does not retry");
  assert.ok(Date.now() - started < 5000);
});

test("a call's deadline ends it with DeadlineExceededError; an abort with CancelledError", async (t) => {
  const cell = await cellForTest(aurae, t, "waits");
  await aurae.client.executables.start({ spec: { cellName: cell, name: "sleep", argv: ["sleep", "30"] } });
  await assert.rejects(aurae.client.executables.wait({ cellName: cell, name: "sleep" }, { deadline: 200 }), DeadlineExceededError);
  const abort = new AbortController();
  const follow = (async () => {
    for await (const _ of aurae.client.observe.getLogs({ cellName: cell, executableName: "sleep", follow: true }, { signal: abort.signal }));
  })();
  setTimeout(() => abort.abort(), 200);
  await assert.rejects(follow, CancelledError);
});

test("an error a script does not catch names the line of the script that made the call", async () => {
  const err = (await aurae.client.cells.get({ name: "no-such-cell" }).catch((e: unknown) => e)) as Error;
  assert.match(err.stack!, /^NotFoundError: cell "no-such-cell" not found\n/);
  assert.match(err.stack!, /errors\.test\.ts:\d+/);
});
