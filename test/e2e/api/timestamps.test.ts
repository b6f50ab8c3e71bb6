// One rule for every Timestamp a request carries, checked as it was sent (nanos included, which a decoded Date
// hides): out of range is INVALID_ARGUMENT naming the field, through GetLogs and AuditService.List alike.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { Timestamp } from "../../../src/gen/google/protobuf/timestamp.js";
import { useDaemon } from "../../helpers/daemon.js";
import { loadRpcMethods, type RpcMethod } from "../../helpers/fuzz/api-schema.js";
import { RawClient } from "../../helpers/fuzz/raw-client.js";
import { lengthDelimited } from "../../helpers/fuzz/wire.js";

const aurae = useDaemon();
let raw: RawClient | undefined;
let methods: RpcMethod[] = [];
after(() => raw?.close());

const PAST_9999 = 253_402_300_800n; // 10000-01-01T00:00:00Z
const BEFORE_0001 = -62_135_596_801n;

/** A field holding `timestamp`, encoded. */
const timestampField = (number: number, timestamp: Timestamp): Buffer => lengthDelimited(number, Timestamp.encode(timestamp).finish());

async function answer(path: string, request: Buffer): Promise<{ code: grpc.status; details: string }> {
  if (!raw) [raw, methods] = await Promise.all([RawClient.connect(aurae), loadRpcMethods()]);
  const method = methods.find((m) => m.path === path);
  assert.ok(method, path);
  return raw.call(method, request, 10_000);
}

const GET_LOGS = "/aurae.observe.v1.ObserveService/GetLogs";
const AUDIT_LIST = "/aurae.audit.v1.AuditService/List";
/** GetLogs of an executable, whatever it is: the request is refused before it is looked up. */
const getLogs = (...fields: Buffer[]): Buffer => Buffer.concat([lengthDelimited(1, Buffer.from("web")), lengthDelimited(2, Buffer.from("server")), ...fields]);
const auditList = (...filterFields: Buffer[]): Buffer => lengthDelimited(3, Buffer.concat(filterFields));

for (const [what, timestamp, message] of [
  ["nanos -1", { seconds: 1_765_000_000n, nanos: -1 }, /nanos must be from 0 to 999999999, got -1/],
  ["nanos 1e9", { seconds: 1_765_000_000n, nanos: 1_000_000_000 }, /nanos must be from 0 to 999999999, got 1000000000/],
  ["a time past 9999-12-31", { seconds: PAST_9999, nanos: 0 }, /must be a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59\.999999999Z/],
  ["a time before 0001-01-01", { seconds: BEFORE_0001, nanos: 0 }, /must be a time from 0001-01-01T00:00:00Z/],
] as const) {
  test(`GetLogs since and until with ${what} are INVALID_ARGUMENT naming the field`, async () => {
    for (const [number, field] of [[7, "since"], [8, "until"]] as const) {
      const { code, details } = await answer(GET_LOGS, getLogs(timestampField(number, timestamp)));
      assert.equal(code, grpc.status.INVALID_ARGUMENT, `${field}: ${details}`);
      assert.match(details, new RegExp(`\\b${field}: ${message.source}`));
    }
  });

  test(`AuditService.List filter.since and filter.until with ${what} are INVALID_ARGUMENT naming the field`, async () => {
    for (const [number, field] of [[5, "filter.since"], [6, "filter.until"]] as const) {
      const { code, details } = await answer(AUDIT_LIST, auditList(timestampField(number, timestamp)));
      assert.equal(code, grpc.status.INVALID_ARGUMENT, `${field}: ${details}`);
      assert.match(details, new RegExp(`${field.replace(".", "\\.")}: ${message.source}`));
    }
  });
}

test("the last nanosecond of 9999 is a time both accept, and the daemon keeps serving", async () => {
  const last = { seconds: PAST_9999 - 1n, nanos: 999_999_999 };
  const listed = await answer(AUDIT_LIST, auditList(timestampField(5, last)));
  assert.equal(listed.code, grpc.status.OK, listed.details);
  assert.equal((await answer(GET_LOGS, getLogs(timestampField(7, last)))).code, grpc.status.NOT_FOUND, "no such cell: the since was accepted");
  assert.equal((await aurae.client.health.check({})).status, 1);
});
