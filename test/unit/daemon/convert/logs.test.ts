import assert from "node:assert/strict";
import { test } from "node:test";
import { logQueryFromProto } from "../../../../src/daemon/convert/logs.js";
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
