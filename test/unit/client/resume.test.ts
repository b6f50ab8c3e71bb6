import assert from "node:assert/strict";
import { test } from "node:test";
import { CancelledError, NotFoundError, UnavailableError } from "../../../src/client/errors.js";
import { resumingStream, type OpenStream } from "../../../src/client/resume.js";

/** A request resumes after a position; each response carries the items after it, up to its own position. */
interface Request {
  readonly after: number;
}
interface Response {
  readonly items: number[];
  readonly position: number;
}
const resumeFrom = (request: Request, last: Response): Request => ({ ...request, after: last.position });

/** Items 1..total, two per response; each attempt's script says how it ends. */
type Attempt = { established: boolean; responses: number; then: "fail" | "end" } | { error: Error };

function fakeDaemon(total: number, attempts: Attempt[]): { open: OpenStream<Request, Response>; requests: Request[] } {
  const requests: Request[] = [];
  const open: OpenStream<Request, Response> = async function* (request, onEstablished) {
    requests.push(request);
    const attempt = attempts.shift() ?? { established: true, responses: Infinity, then: "end" };
    if ("error" in attempt) throw attempt.error;
    if (attempt.established) onEstablished();
    let sent = 0;
    for (let at = request.after; at < total && sent < attempt.responses; at += 2, sent++) {
      const items = [at + 1, at + 2].filter((n) => n <= total);
      yield { items, position: items.at(-1)! };
    }
    if (attempt.then === "fail") throw new UnavailableError("daemon unavailable: Connection dropped");
  };
  return { open, requests };
}

const unreachable = (): Attempt => ({ error: new UnavailableError("daemon not running at /run/aurae/aurae.sock") });

async function collect(stream: AsyncIterable<Response>): Promise<number[]> {
  const items: number[] = [];
  for await (const { items: batch } of stream) items.push(...batch);
  return items;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test("after an established stream drops, it reopens after the last response: every item once, in order", async () => {
  const { open, requests } = fakeDaemon(20, [
    { established: true, responses: 3, then: "fail" },
    unreachable(),
    unreachable(),
    { established: true, responses: 2, then: "fail" },
  ]);
  const reconnects: number[] = [];
  const options = { initialDelayMs: 1, onReconnect: (attempt: number) => reconnects.push(attempt) };
  assert.deepEqual(await collect(resumingStream(open, { after: 0 }, resumeFrom, options)), range(20));
  assert.deepEqual(requests.map((r) => r.after), [0, 6, 6, 6, 10]);
  assert.deepEqual(reconnects, [1, 2, 3, 1], "attempts count again from 1 after a stream was established");
});

test("a stream dropped before its first response is reopened with the original request", async () => {
  const { open, requests } = fakeDaemon(4, [{ established: true, responses: 0, then: "fail" }]);
  assert.deepEqual(await collect(resumingStream(open, { after: 0 }, resumeFrom, { initialDelayMs: 1 })), range(4));
  assert.deepEqual(requests, [{ after: 0 }, { after: 0 }]);
});

test("a first call that cannot reach the daemon fails at once, with no retry", async () => {
  const { open, requests } = fakeDaemon(4, [unreachable()]);
  await assert.rejects(collect(resumingStream(open, { after: 0 }, resumeFrom)), /daemon not running at \/run\/aurae\/aurae\.sock/);
  assert.equal(requests.length, 1);
});

test("waits twice as long after each failed attempt, up to maxDelayMs, and gives up after giveUpAfterMs", async () => {
  const { open, requests } = fakeDaemon(4, [{ established: true, responses: 1, then: "fail" }, ...Array.from({ length: 50 }, unreachable)]);
  const started = Date.now();
  const stream = resumingStream(open, { after: 0 }, resumeFrom, { initialDelayMs: 10, maxDelayMs: 40, giveUpAfterMs: 300 });
  await assert.rejects(collect(stream), UnavailableError);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 300 && elapsed < 1000, `gave up after ${elapsed} ms`);
  // 10, 20, 40, 40, ... ms between attempts: about 3 + (300 - 70) / 40 attempts after the drop
  assert.ok(requests.length >= 6 && requests.length <= 12, `${requests.length} attempts`);
});

test("errors other than UNAVAILABLE end the stream as they are", async () => {
  const { open } = fakeDaemon(4, [{ established: true, responses: 1, then: "fail" }, { error: new NotFoundError('executable "x" not found') }]);
  await assert.rejects(collect(resumingStream(open, { after: 0 }, resumeFrom, { initialDelayMs: 1 })), NotFoundError);
});

test("an abort while waiting to reconnect ends the stream with CancelledError", async () => {
  const { open } = fakeDaemon(4, [{ established: true, responses: 1, then: "fail" }]);
  const abort = new AbortController();
  const stream = resumingStream(open, { after: 0 }, resumeFrom, { initialDelayMs: 10_000 }, abort.signal);
  const received: number[] = [];
  const done = (async () => {
    for await (const { items } of stream) received.push(...items);
  })();
  setTimeout(() => abort.abort(), 50);
  await assert.rejects(done, CancelledError);
  assert.deepEqual(received, [1, 2]);
});
