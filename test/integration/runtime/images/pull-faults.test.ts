// Bad input and bad networks: each is a clear error naming the image and the cause, and the store keeps nothing
// partial (every stored blob re-hashes to its name, no ingest file is left).
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { isAuraeError } from "../../../../src/errors.js";
import { pullImage } from "../../../../src/runtime/images/pull.js";
import { parseReference } from "../../../../src/runtime/images/reference.js";
import { type Fault, startFaultProxy } from "../../../helpers/images/fault-proxy.js";
import { buildImage, buildIndex, buildLayer, busyboxEntries } from "../../../helpers/images/image-builder.js";
import { freePort, startRegistry } from "../../../helpers/images/registry.js";
import { type PullEnv, pullEnv } from "./pull-env.js";

const signal = AbortSignal.timeout(60_000);
const platform = { os: "linux", architecture: "amd64" };

/** A registry holding `app:v1` (a busybox layer), behind a proxy whose faults `decide` picks. */
async function faultyRegistry(t: TestContext, decide: (path: string, count: number, layerPath: string) => Fault) {
  const reg = await startRegistry(t, "plain");
  const image = buildImage([buildLayer(busyboxEntries())]);
  await reg.pushImage("app", image, "v1");
  const layerPath = `/v2/app/blobs/${image.layers[0]?.digest}`;
  const proxy = await startFaultProxy(t, reg.host, (path, count) => decide(path, count, layerPath));
  const env = await pullEnv(t, { hosts: { [proxy.host]: { insecureHttp: true } } });
  return { image, proxy, env, layerPath, ref: parseReference(`${proxy.host}/app:v1`) };
}

async function assertNothingPartial(env: PullEnv, stored: readonly string[] = []): Promise<void> {
  assert.deepEqual(await env.content.verify(), []);
  assert.deepEqual(await env.ingestEntries(), []);
  assert.deepEqual((await env.content.list()).filter((d) => !stored.includes(d)), [], "no blob beyond the expected");
}

test("a connection dropped half-way through a layer is resumed with Range from the bytes already stored", async (t) => {
  const { image, proxy, env, layerPath, ref } = await faultyRegistry(t, (path, count, layer) => (path === layer && count === 0 ? "drop-half" : "pass"));
  await pullImage(ref, env, { signal, platform });
  const layerRequests = proxy.seen.filter((s) => s.path === layerPath);
  assert.equal(layerRequests.length, 2);
  assert.equal(layerRequests[0]?.range, undefined);
  const resumedFrom = Number(/^bytes=(\d+)-$/.exec(layerRequests[1]?.range ?? "")?.[1]);
  assert.ok(resumedFrom > 0 && resumedFrom < (image.layers[0]?.size ?? 0), `resumed from ${layerRequests[1]?.range}`);
  assert.deepEqual(await env.content.verify(), []);
});

test("a layer whose bytes do not match its digest is FAILED_PRECONDITION and is not stored", async (t) => {
  const { image, env, ref } = await faultyRegistry(t, (path, _count, layer) => (path === layer ? "flip-byte" : "pass"));
  await assert.rejects(pullImage(ref, env, { signal, platform }),
    (err) => isAuraeError(err, "precondition") && err.message.includes(image.layers[0]?.digest ?? "?") && err.message.includes("/app:v1") && err.message.includes("digest"));
  await assertNothingPartial(env, [image.config.digest]);
});

test("a truncated layer fails after the retries, naming the blob, and leaves no partial data", async (t) => {
  const { image, proxy, env, layerPath, ref } = await faultyRegistry(t, (path, _count, layer) => (path === layer ? "short-body" : "pass"));
  await assert.rejects(pullImage(ref, env, { signal, platform, maxAttempts: 3 }),
    (err) => isAuraeError(err, "unavailable") && err.message.includes(image.layers[0]?.digest ?? "?") && err.message.includes("/app:v1"));
  assert.equal(proxy.seen.filter((s) => s.path === layerPath).length, 3);
  await assertNothingPartial(env, [image.config.digest]);
});

test("malformed manifest JSON is INVALID_ARGUMENT naming the reference", async (t) => {
  const { env, ref } = await faultyRegistry(t, (path) => (path.includes("/manifests/") ? "garbage" : "pass"));
  await assert.rejects(pullImage(ref, env, { signal, platform }),
    (err) => isAuraeError(err, "invalid") && err.message.includes("/app:v1") && err.message.includes("not JSON"));
  await assertNothingPartial(env);
});

test("a pull cancelled half-way rejects with the abort and leaves no partial data", async (t) => {
  const { env, proxy, layerPath, ref } = await faultyRegistry(t, (path, _count, layer) => (path === layer ? "stall" : "pass"));
  const ac = new AbortController();
  const pulling = pullImage(ref, env, { signal: ac.signal, platform });
  while (!proxy.seen.some((s) => s.path === layerPath)) await delay(10);
  ac.abort();
  await assert.rejects(pulling, (err) => (err as Error).name === "AbortError");
  await assertNothingPartial(env, (await env.content.list()));
  assert.deepEqual(await env.ingestEntries(), []);
});

test("a missing manifest is NOT_FOUND, an unknown registry UNAVAILABLE, an index without this platform NOT_FOUND", async (t) => {
  const reg = await startRegistry(t, "plain");
  const image = buildImage([buildLayer([{ path: "f", type: "file", content: "x" }])], { architecture: "arm64" });
  await reg.pushIndex("multi", buildIndex([{ image, architecture: "arm64", variant: "v8" }]), "v1");
  const nobody = `127.0.0.1:${await freePort()}`;
  const env = await pullEnv(t, { hosts: { [reg.host]: { insecureHttp: true }, [nobody]: { insecureHttp: true } } });

  await assert.rejects(pullImage(parseReference(`${reg.host}/multi:nope`), env, { signal, platform }),
    (err) => isAuraeError(err, "not-found") && err.message.includes(`${reg.host}/multi:nope`));
  await assert.rejects(pullImage(parseReference(`${nobody}/multi:v1`), env, { signal, platform }),
    (err) => isAuraeError(err, "unavailable") && err.message.includes("ECONNREFUSED"));
  await assert.rejects(pullImage(parseReference(`${reg.host}/multi:v1`), env, { signal, platform }),
    (err) => isAuraeError(err, "not-found") && err.message.includes("linux/amd64") && err.message.includes("linux/arm64/v8"));
  await assertNothingPartial(env);
});
