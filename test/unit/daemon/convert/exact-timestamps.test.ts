// Every Timestamp a request carries is checked as it was sent, before ts-proto folds it into a Date: found by
// walking each RPC's request type in the protos, so a Timestamp field added to a request is covered or fails here.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { ServiceDefinition } from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { AuditServiceExact } from "../../../../src/daemon/convert/audit.js";
import { exactTimestamp } from "../../../../src/daemon/convert/exact-timestamps.js";
import { ObserveServiceExact } from "../../../../src/daemon/convert/logs.js";
import { Timestamp } from "../../../../src/gen/google/protobuf/timestamp.js";

/** The definitions auraed serves in place of the generated ones, for the services whose requests hold Timestamps. */
const SERVED: readonly ServiceDefinition[] = [ObserveServiceExact, AuditServiceExact];

const PROTO_DIR = fileURLToPath(new URL("../../../../proto", import.meta.url));

interface TimestampField {
  readonly method: string;
  /** Field numbers from the request down to the Timestamp. */
  readonly numbers: readonly number[];
  /** Dotted field names: "filter.since". */
  readonly name: string;
}

/** Every Timestamp field of every RPC's request, as the protos declare them. */
function timestampFieldsOfRequests(): TimestampField[] {
  const files = readdirSync(PROTO_DIR, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".proto"));
  const definitions = protoLoader.loadSync(files.sort(), { includeDirs: [PROTO_DIR] });
  const messageType = (pkg: string, typeName: string) =>
    (definitions[`${pkg}.${typeName}`] ?? definitions[typeName]) as protoLoader.MessageTypeDefinition | undefined;
  const found: TimestampField[] = [];
  const walk = (method: string, pkg: string, type: protoLoader.MessageTypeDefinition, numbers: number[], names: string[]): void => {
    for (const field of (type.type as { field: { name: string; number: number; type: string; typeName: string }[] }).field) {
      if (field.type !== "TYPE_MESSAGE" || numbers.length > 4) continue;
      const path = { numbers: [...numbers, field.number], names: [...names, field.name] };
      if (field.typeName === "google.protobuf.Timestamp") found.push({ method, numbers: path.numbers, name: path.names.join(".") });
      else {
        const nested = messageType(pkg, field.typeName);
        if (nested) walk(method, pkg, nested, path.numbers, path.names);
      }
    }
  };
  for (const [name, definition] of Object.entries(definitions)) {
    if (!("format" in definition) && typeof definition === "object")
      for (const method of Object.values(definition as protoLoader.ServiceDefinition))
        walk(method.path, name.slice(0, name.lastIndexOf(".")), method.requestType, [], []);
  }
  return found;
}

/** A message holding `timestamp` at the field numbers `numbers`, encoded. */
function encodedWith(numbers: readonly number[], timestamp: Timestamp): Uint8Array {
  let bytes = Timestamp.encode(timestamp).finish();
  for (const number of [...numbers].reverse()) bytes = new BinaryWriter().uint32((number << 3) | 2).bytes(bytes).finish();
  return bytes;
}

const decoderOf = (method: string) => SERVED.flatMap((d) => Object.values(d)).find((m) => m.path === method)?.requestDeserialize;

const FIELDS = timestampFieldsOfRequests();

test("finds the Timestamps of GetLogs, GetDaemonLogs and the audit filters in the protos", () => {
  const names = FIELDS.map((f) => `${f.method.split("/").pop()} ${f.name}`);
  for (const expected of ["GetLogs since", "GetLogs until", "GetDaemonLogs since", "List filter.since", "Watch filter.until"])
    assert.ok(names.includes(expected), `${expected} in ${names.join(", ")}`);
});

for (const field of FIELDS) {
  test(`${field.method} ${field.name}: a Timestamp out of range is refused as sent, naming the field; a valid one is kept exactly`, () => {
    const decode = decoderOf(field.method);
    assert.ok(decode, `${field.method} reads a Timestamp (${field.name}) but auraed serves its service's generated decoder, which cannot check it`);
    for (const bad of [{ seconds: 1n, nanos: -1 }, { seconds: 1n, nanos: 1_000_000_000 }, { seconds: 253_402_300_800n, nanos: 0 }, { seconds: -62_135_596_801n, nanos: 0 }, { seconds: 10n ** 16n, nanos: 0 } /* past what a Date holds */])
      assert.throws(() => decode(Buffer.from(encodedWith(field.numbers, bad))), { kind: "invalid", field: field.name }, JSON.stringify({ ...bad, seconds: String(bad.seconds) }));
    const good = { seconds: 1_765_000_000n, nanos: 123_456_789 };
    assert.deepEqual(exactTimestamp(decode(Buffer.from(encodedWith(field.numbers, good))) as object, field.name), good);
  });
}
