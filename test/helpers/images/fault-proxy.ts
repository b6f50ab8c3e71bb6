// An HTTP proxy in front of a plain test registry that misbehaves on purpose: it answers slowly, drops a connection half-way
// through a blob (or stalls there), flips a byte, ends a body early, serves garbage for a manifest, or stalls. It records every
// request it saw (path and Range header) so a test can tell what the client asked for.
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";

export type Fault = "pass" | "slow" | "drop-half" | "half-stall" | "flip-byte" | "short-body" | "garbage" | "stall";

export interface SeenRequest {
  readonly path: string;
  readonly range: string | undefined;
}

export interface FaultProxy {
  readonly host: string;
  readonly seen: SeenRequest[];
  /** The most blob requests that were open at once. */
  readonly maxBlobsInFlight: () => number;
}

const SLOW_MS = 150;

/** `decide` picks the fault for each request; `count` is how many requests to that path came before. */
export async function startFaultProxy(t: TestContext, upstream: string, decide: (path: string, count: number) => Fault): Promise<FaultProxy> {
  const seen: SeenRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path.includes("/blobs/")) {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      res.on("close", () => inFlight--);
    }
    const count = seen.filter((s) => s.path === path).length;
    seen.push({ path, range: req.headers.range });
    const fault = decide(path, count);
    if (fault === "stall") return; // never answers; the client's abort ends it
    if (fault === "garbage") {
      res.writeHead(200, { "content-type": "application/vnd.oci.image.manifest.v1+json" }).end("{not json");
      return;
    }
    const forward = () => {
      const up = request(`http://${upstream}${path}`, { method: req.method, headers: req.headers }, (answer) => relay(answer, res, fault));
      up.on("error", () => res.destroy());
      req.pipe(up);
    };
    if (fault === "slow") setTimeout(forward, SLOW_MS);
    else forward();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { host: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen, maxBlobsInFlight: () => maxInFlight };
}

function relay(answer: IncomingMessage, res: ServerResponse, fault: Fault): void {
  const body: Buffer[] = [];
  answer.on("data", (c: Buffer) => body.push(c));
  answer.on("end", () => {
    const bytes = Buffer.concat(body);
    if (fault === "short-body") {
      // A registry that stored a truncated blob: the headers and the body agree, both short of the descriptor.
      const short = bytes.subarray(0, Math.max(0, bytes.length - 10));
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "content-length": String(short.length) }).end(short);
      return;
    }
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    if (fault === "half-stall") {
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2))); // and nothing more, until the client goes away
      return;
    }
    if (fault === "drop-half") {
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
      return;
    }
    if (fault === "flip-byte" && bytes.length > 0) bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    res.end(bytes);
  });
}
