// A process killed with SIGKILL in the middle of a pull leaves a partial blob in ingest/, never a stored one; the
// next pull resumes it with Range and ends with every stored blob re-hashing to its name.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { digestHex } from "../../../../src/runtime/images/digest.js";
import { pullImage } from "../../../../src/runtime/images/pull.js";
import { parseReference } from "../../../../src/runtime/images/reference.js";
import { startFaultProxy } from "../../../helpers/images/fault-proxy.js";
import { buildImage, buildLayer, busyboxEntries } from "../../../helpers/images/image-builder.js";
import { startRegistry } from "../../../helpers/images/registry.js";
import { pullEnv } from "./pull-env.js";

const CHILD = fileURLToPath(new URL("./pull-child.ts", import.meta.url));

test("kill -9 during a pull, then pull again: the partial layer is resumed, nothing corrupt is ever stored", async (t) => {
  const reg = await startRegistry(t, "plain");
  const image = buildImage([buildLayer(busyboxEntries())]);
  await reg.pushImage("app", image, "v1");
  const layer = image.layers[0] ?? assert.fail("no layer");
  const layerPath = `/v2/app/blobs/${layer.digest}`;
  const proxy = await startFaultProxy(t, reg.host, (path, count) => (path === layerPath && count === 0 ? "half-stall" : "pass"));
  const env = await pullEnv(t, { hosts: { [proxy.host]: { insecureHttp: true } } });
  const ref = `${proxy.host}/app:v1`;

  const child = spawn(process.execPath, ["--import", "tsx", CHILD, env.content.root, ref], { stdio: "ignore" });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL"); });
  const partial = join(env.content.root, "ingest", `sha256-${digestHex(layer.digest as `sha256:${string}`)}`);
  let size = 0;
  for (let i = 0; i < 600 && size < Math.floor(layer.size / 2); i++) {
    size = (await stat(partial).catch(() => undefined))?.size ?? 0;
    await delay(20);
  }
  assert.equal(size, Math.floor(layer.size / 2), "the child stored half the layer before it was killed");
  child.kill("SIGKILL");
  await once(child, "exit");
  assert.deepEqual(await env.content.list().then((l) => l.filter((d) => d === layer.digest)), [], "the half layer is not content");

  await pullImage(parseReference(ref), env, { signal: AbortSignal.timeout(60_000), platform: { os: "linux", architecture: "amd64" } });
  const layerRequests = proxy.seen.filter((s) => s.path === layerPath);
  assert.deepEqual(layerRequests.map((r) => r.range), [undefined, `bytes=${size}-`]);
  assert.deepEqual(await env.content.verify(), []);
  assert.deepEqual(await env.ingestEntries(), []);
  assert.ok(await env.content.has({ digest: layer.digest as `sha256:${string}`, size: layer.size }));
});
