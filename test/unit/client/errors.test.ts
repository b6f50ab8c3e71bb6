import assert from "node:assert/strict";
import { test } from "node:test";
import { Metadata, status } from "@grpc/grpc-js";
import {
  AuraeClientError,
  clientErrorFrom,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  type ClientErrorCode,
} from "../../../src/client/errors.js";

/** What grpc-js rejects a call with. */
const grpcError = (code: status, details: string) =>
  Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });

const TARGET = "unix:/run/aurae/aurae.sock";

test("every gRPC status becomes its own class, keeping the status and the original error as cause", () => {
  const cases: [status, ClientErrorCode, string][] = [
    [status.INVALID_ARGUMENT, "invalid", "InvalidArgumentError"],
    [status.OUT_OF_RANGE, "invalid", "InvalidArgumentError"],
    [status.NOT_FOUND, "not-found", "NotFoundError"],
    [status.ALREADY_EXISTS, "exists", "AlreadyExistsError"],
    [status.FAILED_PRECONDITION, "precondition", "FailedPreconditionError"],
    [status.PERMISSION_DENIED, "denied", "PermissionDeniedError"],
    [status.UNAUTHENTICATED, "unauthenticated", "UnauthenticatedError"],
    [status.UNIMPLEMENTED, "unimplemented", "UnimplementedError"],
    [status.CANCELLED, "cancelled", "CancelledError"],
    [status.DEADLINE_EXCEEDED, "deadline", "DeadlineExceededError"],
    [status.INTERNAL, "internal", "InternalError"],
    [status.DATA_LOSS, "internal", "InternalError"],
  ];
  for (const [grpcCode, code, name] of cases) {
    const original = grpcError(grpcCode, "what the daemon said");
    const err = clientErrorFrom(original, TARGET);
    assert.ok(err instanceof AuraeClientError && err instanceof Error);
    assert.deepEqual([err.name, err.code, err.grpcCode, err.message], [name, code, grpcCode, "what the daemon said"], status[grpcCode]);
    assert.equal(err.cause, original);
  }
});

test("an INVALID_ARGUMENT names the field the daemon's message starts with", () => {
  const err = clientErrorFrom(grpcError(status.INVALID_ARGUMENT, "spec.memory.max_bytes: must be at least 1 MiB, got 4096"), TARGET);
  assert.ok(err instanceof InvalidArgumentError);
  assert.equal(err.field, "spec.memory.max_bytes");
  assert.equal((clientErrorFrom(grpcError(status.INVALID_ARGUMENT, "kinds[1]: must not be empty"), TARGET) as InvalidArgumentError).field, "kinds[1]");
  assert.equal((clientErrorFrom(grpcError(status.INVALID_ARGUMENT, "Bad things happened"), TARGET) as InvalidArgumentError).field, undefined);
});

test("UNAVAILABLE says the daemon is not running at the socket, or that TLS failed", () => {
  const down = clientErrorFrom(grpcError(status.UNAVAILABLE, "No connection established. Last error: connect ENOENT /run/aurae/aurae.sock"), TARGET);
  assert.ok(down instanceof UnavailableError);
  assert.equal(down.message, "daemon not running at /run/aurae/aurae.sock: no socket there (start auraed, or check the socket path)");
  const tls = clientErrorFrom(grpcError(status.UNAVAILABLE, "certificate has expired"), "[::1]:8080");
  assert.equal(tls.message, "authentication failed talking to [::1]:8080: certificate has expired");
  const dropped = clientErrorFrom(grpcError(status.UNAVAILABLE, "Connection dropped"), TARGET);
  assert.equal(dropped.message, `daemon unavailable at ${TARGET}: Connection dropped`);
});

test("an UNAVAILABLE the daemon answered (a registry refused it) is its message as it is, not a daemon that is down", () => {
  const answered = grpcError(status.UNAVAILABLE, "image 127.0.0.1:1/x:v1: GET http://127.0.0.1:1/v2/: ECONNREFUSED");
  answered.metadata.set("aurae-error-kind", "unavailable");
  const err = clientErrorFrom(answered, TARGET);
  assert.ok(err instanceof UnavailableError);
  assert.equal(err.message, "image 127.0.0.1:1/x:v1: GET http://127.0.0.1:1/v2/: ECONNREFUSED");
});

test("a refused connection is one plain line with the address and the remedy, none of grpc-js's own wording", () => {
  const refused = clientErrorFrom(
    grpcError(status.UNAVAILABLE, "No connection established. Last error: connect ECONNREFUSED 127.0.0.1:1 (2026-12-07T20:40:00.000Z). Resolution note: "),
    "127.0.0.1:1",
  );
  assert.ok(refused instanceof UnavailableError);
  assert.equal(refused.message, "daemon not running at 127.0.0.1:1: connection refused (start auraed there, or check the address)");
  const unresolved = clientErrorFrom(grpcError(status.UNAVAILABLE, "Name resolution failed for target dns:nohost.invalid:8080"), "nohost.invalid:8080");
  assert.equal(unresolved.message, "cannot reach nohost.invalid:8080: the host name does not resolve (check the address)");
});

test("an address where something else than auraed answers HTTP/2 says so rather than quoting grpc-js", () => {
  const other = clientErrorFrom(grpcError(status.UNIMPLEMENTED, "Received HTTP status code 404"), "10.0.0.1:8080");
  assert.equal(other.message, "10.0.0.1:8080 is not auraed: it answered with HTTP status 404 (check the address)");
});

test("a deadline that passed says how long the client waited for whom, without grpc-js's LB pick and addresses", () => {
  const late = clientErrorFrom(grpcError(status.DEADLINE_EXCEEDED, "Deadline exceeded after 1.002s,LB pick: 0.001s,remote_addr=[::1]:8080"), "[::1]:8080");
  assert.equal(late.code, "deadline");
  assert.equal(late.message, "no answer from [::1]:8080 within 1.002s, the call's deadline (the daemon may be busy: give the call a longer deadline)");
  assert.equal(clientErrorFrom(grpcError(status.DEADLINE_EXCEEDED, "Deadline exceeded"), TARGET).message.split(" (")[0], "no answer from /run/aurae/aurae.sock before the call's deadline");
});

test("errors raised in the client carry the status their code stands for", () => {
  assert.equal(new InvalidArgumentError("x").grpcCode, status.INVALID_ARGUMENT);
  assert.equal(new NotFoundError("x").grpcCode, status.NOT_FOUND);
  assert.equal(new PermissionDeniedError("x").code, "denied");
  assert.equal(new UnauthenticatedError("x", { grpcCode: status.UNAVAILABLE }).grpcCode, status.UNAVAILABLE);
  assert.equal(new InvalidArgumentError("no socket", { field: "socket" }).field, "socket");
});

test("anything that is not a gRPC error becomes an InternalError keeping it as cause", () => {
  const original = new TypeError("boom");
  const err = clientErrorFrom(original, TARGET);
  assert.deepEqual([err.name, err.code, err.grpcCode], ["InternalError", "internal", status.INTERNAL]);
  assert.equal(err.cause, original);
  assert.equal(clientErrorFrom(err, TARGET), err, "an AuraeClientError passes through");
});
