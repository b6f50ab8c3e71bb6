import assert from "node:assert/strict";
import { test } from "node:test";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { logQueryFromProto, ObserveServiceExact } from "../../../../src/daemon/convert/logs.js";
import { Timestamp } from "../../../../src/gen/google/protobuf/timestamp.js";
import { GetLogsRequest, LogStream } from "../../../../src/gen/aurae/observe/v1/observe.js";

const request = (change: Partial<GetLogsRequest>): GetLogsRequest => GetLogsRequest.fromPartial({ cellName: "web", ...change });

test("selects the streams asked for; none asked is both", () => {
  assert.deepEqual(logQueryFromProto(request({ streams: [LogStream.LOG_STREAM_STDERR] })).streams, new Set(["stderr"]));
  assert.equal(logQueryFromProto(request({})).streams, undefined);
});

test("refuses LOG_STREAM_UNSPECIFIED and unknown numbers in streams, naming the element", () => {
  assert.throws(() => logQueryFromProto(request({ streams: [LogStream.LOG_STREAM_STDOUT, LogStream.LOG_STREAM_UNSPECIFIED] })), {
    kind: "invalid",
    field: "streams[1]",
    message: "streams[1]: LOG_STREAM_UNSPECIFIED is not one of LOG_STREAM_STDOUT, LOG_STREAM_STDERR",
  });
  assert.throws(() => logQueryFromProto(request({ streams: [9 as LogStream] })), { field: "streams[0]", message: /9 is not one of/ });
});

test("since and until become nanoseconds since the epoch", () => {
  const query = logQueryFromProto(request({ since: new Date(1000), until: new Date(2000) }));
  assert.equal(query.sinceUnixNano, 1_000_000_000n);
  assert.equal(query.untilUnixNano, 2_000_000_000n);
});

/** Timestamp fields by number, encoded as another gRPC client sends them (to the nanosecond). */
function timestamps(fields: readonly (readonly [number, number])[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const [field, nanos] of fields) {
    writer.uint32((field << 3) | 2).fork();
    Timestamp.encode({ seconds: 1_795_559_280n, nanos }, writer);
    writer.join();
  }
  return writer.finish();
}

test("since and until keep every nanosecond the request sent, though its Date holds milliseconds", () => {
  const bytes = Buffer.concat([GetLogsRequest.encode(request({})).finish(), timestamps([[7, 123_456_789], [8, 999_999_999]])]);
  const decoded = ObserveServiceExact.getLogs.requestDeserialize(bytes);
  assert.equal(decoded.since?.getTime(), 1_795_559_280_123, "the Date the generated decoder made");
  const query = logQueryFromProto(decoded);
  assert.equal(query.sinceUnixNano, 1_795_559_280_123_456_789n);
  assert.equal(query.untilUnixNano, 1_795_559_280_999_999_999n);
  const daemonLog = ObserveServiceExact.getDaemonLogs.requestDeserialize(Buffer.from(timestamps([[4, 1]])));
  assert.equal(logQueryFromProto({ ...daemonLog, streams: [] }).sinceUnixNano, 1_795_559_280_000_000_001n);
});
