// Unary RPC throughput and latency over the Unix socket with mutual TLS, 1, 16 and 64 calls in flight on one
// channel: grpc.health.v1 Health/Check against auraed (its interceptors, identity check and per-call log included)
// and against a bare grpc-js server with the same certificates (echo-server.mjs). One-second windows alternate
// between the two, the order swapped each time, so drift on this shared machine hits both alike. Throughput is one
// sample per window; latency one per call.
import type { Benchmark } from "./harness/benchmark.js";
import { startDaemon } from "./harness/daemon.js";
import { startEcho } from "./harness/echo.js";
import { figure, type BenchResult, type Goal } from "./harness/result.js";
import { closedLoop, type LoadWindow } from "./harness/timing.js";

const IN_FLIGHT = [1, 16, 64] as const;
const WINDOWS = 10;
const WINDOW_MS = 1000;
const BARE = "bare grpc-js health server";

export const rpc: Benchmark = {
  name: "rpc",
  async run(ctx) {
    // The per-identity rate limit (a policy, 2000 calls/s by default) would cap this closed loop: the figure is the
    // cost of each call through auraed's TLS, identity, authorization and audit path, so the limit is off here.
    const daemon = await startDaemon(ctx.cleanup, { args: ["--rate-limit", "0"] });
    const echo = await startEcho(ctx.cleanup, daemon);
    const targets = { ours: daemon.client, bare: echo.client };
    const results: BenchResult[] = [];
    for (const inFlight of IN_FLIGHT) {
      const windows = { ours: [] as LoadWindow[], bare: [] as LoadWindow[] };
      for (let i = -1; i < WINDOWS; i++) {
        const order = i % 2 === 0 ? (["ours", "bare"] as const) : (["bare", "ours"] as const);
        for (const target of order) {
          const client = targets[target];
          const window = await closedLoop(() => client.health.check({}), inFlight, WINDOW_MS);
          if (i >= 0) windows[target].push(window); // i = -1 warms both up
        }
      }
      const versusBare = (what: string, unit: string, pick: (w: LoadWindow[]) => number[], goal: Goal) =>
        figure({
          name: `unary Health/Check, ${inFlight} in flight: ${what}`,
          unit,
          samples: pick(windows.ours),
          baseline: { name: BARE, samples: pick(windows.bare) },
          goal,
        });
      const throughput = versusBare("throughput", "calls/s", (w) => w.map((x) => x.callsPerSecond), { source: "issue", ratioAtLeast: 0.9 });
      // The throughput goal's inverse: at most 1/0.9 of the bare server's time per call.
      const latency = versusBare("latency", "ms", (w) => w.flatMap((x) => x.latenciesMs), { source: "bench", ratioAtMost: 1.11 });
      ctx.log(`${inFlight} in flight: ${Math.round(throughput.median)} vs ${Math.round(throughput.baseline.median)} calls/s`);
      results.push(throughput, latency);
    }
    return results;
  },
};
