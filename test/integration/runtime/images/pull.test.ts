// Pulls from a real registry (Debian's docker-registry on 127.0.0.1) of images the test builds offline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pullImage, type BlobProgress } from "../../../../src/runtime/images/pull.js";
import { parseReference } from "../../../../src/runtime/images/reference.js";
import { buildImage, buildIndex, buildLayer, busyboxEntries } from "../../../helpers/images/image-builder.js";
import { startFaultProxy } from "../../../helpers/images/fault-proxy.js";
import { startRegistry } from "../../../helpers/images/registry.js";
import { pullEnv } from "./pull-env.js";

const signal = AbortSignal.timeout(60_000);

test("pulls a multi-arch index by tag over plain HTTP and stores the node platform's image, every blob verified", async (t) => {
  const reg = await startRegistry(t, "plain");
  const amd64 = buildImage([buildLayer(busyboxEntries())]);
  const arm64 = buildImage([buildLayer([{ path: "arm", type: "file", content: "arm64" }])], { architecture: "arm64", variant: "v8" });
  const built = buildIndex([{ image: arm64, architecture: "arm64", variant: "v8" }, { image: amd64, architecture: "amd64" }], "oci",
    [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: amd64.manifest.digest, size: amd64.manifest.size, platform: { os: "unknown", architecture: "unknown" } }]);
  await reg.pushIndex("tools/busybox", built, "1.36");
  const env = await pullEnv(t, { hosts: { [reg.host]: { insecureHttp: true } } });

  const pulled = await pullImage(parseReference(`${reg.host}/tools/busybox:1.36`), env, { signal, platform: { os: "linux", architecture: "amd64" } });
  assert.equal(pulled.digest, built.index.digest);
  assert.equal(pulled.manifest.digest, amd64.manifest.digest);
  assert.deepEqual(pulled.layers.map((l) => l.digest), amd64.layers.map((l) => l.digest));
  assert.deepEqual(pulled.imageConfig.cmd, ["/bin/sh"]);
  assert.deepEqual(pulled.imageConfig.exposedPorts, ["80/tcp"]);
  const stored = (await env.content.list()).sort();
  assert.deepEqual(stored, [built.index.digest, amd64.manifest.digest, amd64.config.digest, amd64.layers[0]?.digest].sort());
  assert.deepEqual(await env.content.verify(), []);
  assert.deepEqual(await env.ingestEntries(), []);

  const other = await pullImage(parseReference(`${reg.host}/tools/busybox@${built.index.digest}`), env, { signal, platform: { os: "linux", architecture: "arm64" } });
  assert.equal(other.manifest.digest, arm64.manifest.digest, "the platform override chooses arm64 from the same index");
});

test("pulls a Docker schema-2 manifest list and image, and an OCI image with a zstd layer", async (t) => {
  const reg = await startRegistry(t, "plain");
  const docker = buildImage([buildLayer(busyboxEntries(), "gzip", "docker")], { flavour: "docker" });
  await reg.pushIndex("docker/app", buildIndex([{ image: docker, architecture: "amd64" }], "docker"), "v1");
  const zstd = buildImage([buildLayer([{ path: "z", type: "file", content: "zstd layer" }], "zstd")]);
  await reg.pushImage("oci/zstd", zstd, "v1");
  const env = await pullEnv(t, { hosts: { [reg.host]: { insecureHttp: true } } });
  const platform = { os: "linux", architecture: "amd64" };

  const a = await pullImage(parseReference(`${reg.host}/docker/app:v1`), env, { signal, platform });
  assert.equal(a.manifest.mediaType, "application/vnd.docker.distribution.manifest.v2+json");
  assert.equal(a.config.mediaType, "application/vnd.docker.container.image.v1+json");
  const z = await pullImage(parseReference(`${reg.host}/oci/zstd:v1`), env, { signal, platform });
  assert.equal(z.layers[0]?.mediaType, "application/vnd.oci.image.layer.v1.tar+zstd");
  assert.ok(await env.content.has(zstd.layers[0] as { digest: `sha256:${string}`; size: number }));
  assert.deepEqual(await env.content.verify(), []);
});

test("a layer shared by two images is transferred and stored once", async (t) => {
  const reg = await startRegistry(t, "plain");
  const shared = buildLayer(busyboxEntries());
  const first = buildImage([shared, buildLayer([{ path: "one", type: "file", content: "1" }])]);
  const second = buildImage([shared, buildLayer([{ path: "two", type: "file", content: "2" }])]);
  await reg.pushImage("a", first, "v1");
  await reg.pushImage("b", second, "v1");
  const env = await pullEnv(t, { hosts: { [reg.host]: { insecureHttp: true } } });
  const platform = { os: "linux", architecture: "amd64" };

  await pullImage(parseReference(`${reg.host}/a:v1`), env, { signal, platform });
  const progress: BlobProgress[] = [];
  await pullImage(parseReference(`${reg.host}/b:v1`), env, { signal, platform, onProgress: (p) => progress.push(p) });
  const transferred = new Set(progress.filter((p) => p.state === "downloading").map((p) => p.digest));
  assert.deepEqual([...transferred].sort(), [second.config.digest, second.layers[1]?.digest].sort());
  assert.ok(progress.some((p) => p.digest === shared.digest && p.state === "cached"));
  assert.equal((await env.content.list()).filter((d) => d === shared.digest).length, 1);
});

test("layers download a bounded number at a time", async (t) => {
  const reg = await startRegistry(t, "plain");
  const image = buildImage(Array.from({ length: 5 }, (_, i) => buildLayer([{ path: `f${i}`, type: "file", content: `layer ${i}` }])));
  await reg.pushImage("many", image, "v1");
  const proxy = await startFaultProxy(t, reg.host, () => "slow");
  const env = await pullEnv(t, { hosts: { [proxy.host]: { insecureHttp: true } } });
  await pullImage(parseReference(`${proxy.host}/many:v1`), env, { signal, platform: { os: "linux", architecture: "amd64" }, maxConcurrentDownloads: 2 });
  assert.equal(proxy.maxBlobsInFlight(), 2);
  assert.equal((await env.content.list()).length, 7);
});
