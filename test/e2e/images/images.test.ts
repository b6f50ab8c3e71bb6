// The image service through the real API over mTLS, against Debian's docker-registry on 127.0.0.1 (plain HTTP, and
// TLS from a test CA with htpasswd basic auth) configured in auraed's registries file: pull by tag and by digest with
// per-layer progress, a layer two images share stored once, tag, remove and prune freeing what DiskUsage reported,
// kill -9 of auraed mid-pull then a pull that completes, bad input answered with a code naming the reference, and a
// Pull's registry password never in the audit log or the daemon's log.
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import {
  FailedPreconditionError, InvalidArgumentError, NotFoundError, UnauthenticatedError, UnavailableError, UnimplementedError,
} from "../../../src/client/index.js";
import type { AuraeClient } from "../../../src/client/index.js";
import type { Image, LayerProgress } from "../../../src/gen/aurae/images/v1/images.js";
import { ContentStore } from "../../../src/runtime/images/content-store.js";
import { useDaemon } from "../../helpers/daemon.js";
import { startFaultProxy } from "../../helpers/images/fault-proxy.js";
import { buildImage, buildIndex, buildLayer, busyboxEntries } from "../../helpers/images/image-builder.js";
import { freePort, startRegistry } from "../../helpers/images/registry.js";
import { uniqueName } from "../../helpers/names.js";

const registriesPath = join(tmpdir(), `${uniqueName("aurae-registries")}.toml`);
const aurae = useDaemon({ args: ["--registries", registriesPath] });

type DeepPartialPull = Parameters<AuraeClient["images"]["pull"]>[0];

/** Pulls through the API: the progress messages, then the image. */
async function pull(request: DeepPartialPull): Promise<{ progress: LayerProgress[]; image: Image }> {
  const progress: LayerProgress[] = [];
  let image: Image | undefined;
  for await (const msg of aurae.client.images.pull(request, { deadline: 60_000 })) {
    if (msg.progress) progress.push(msg.progress);
    if (msg.image) image = msg.image;
  }
  return { progress, image: image ?? assert.fail("the stream ended without the image") };
}

/** Every blob auraed stored re-hashes to its name. */
const storeIsSound = async (): Promise<void> =>
  assert.deepEqual(await new ContentStore(join(aurae.stateDir, "images", "content")).verify(), []);

async function configure(t: TestContext, toml: string): Promise<void> {
  t.after(() => rm(registriesPath, { force: true }));
  await writeFile(registriesPath, toml);
  await aurae.stop();
  await aurae.start();
}

test("images through the API: pull, get, tag, remove, prune, disk usage, crash mid-pull, bad input", async (t) => {
  const plain = await startRegistry(t, "plain");
  const tls = await startRegistry(t, "tls-basic");
  const shared = buildLayer(busyboxEntries());
  const amd64 = buildImage([shared, buildLayer([{ path: "one", type: "file", content: "1" }])], { labels: { app: "one" } });
  const arm64 = buildImage([buildLayer([{ path: "arm", type: "file", content: "arm64" }])], { architecture: "arm64", variant: "v8" });
  const index = buildIndex([{ image: arm64, architecture: "arm64", variant: "v8" }, { image: amd64, architecture: "amd64" }]);
  await plain.pushIndex("tools/busybox", index, "1.36");
  const second = buildImage([shared, buildLayer([{ path: "two", type: "file", content: "2" }])]);
  await plain.pushImage("tools/second", second, "v1");
  const secret = buildImage([buildLayer([{ path: "s", type: "file", content: "secret" }])]);
  await tls.pushImage("private/app", secret, "v1");
  const big = buildImage([buildLayer([{ path: "big", type: "file", content: Buffer.alloc(4 << 20, 7) }], "none")]);
  await plain.pushImage("tools/big", big, "v1");
  const bigLayerPath = `/v2/tools/big/blobs/${big.layers[0]!.digest}`;
  const proxy = await startFaultProxy(t, plain.host, (path, count) => (path === bigLayerPath && count === 0 ? "half-stall" : "pass"));
  const corrupt = buildImage([buildLayer([{ path: "c", type: "file", content: "corrupted on the way" }])]);
  await plain.pushImage("tools/corrupt", corrupt, "v1");
  await plain.pushImage("tools/garbage", corrupt, "v1");
  const faulty = await startFaultProxy(t, plain.host, (path) =>
    path === `/v2/tools/corrupt/blobs/${corrupt.layers[0]!.digest}` ? "flip-byte" : path.startsWith("/v2/tools/garbage/manifests/") ? "garbage" : "pass");
  const caFile = join(tls.dir, "test-ca.pem");
  await writeFile(caFile, tls.caPem ?? assert.fail("no CA"));
  await configure(t, [
    `[registries."${plain.host}"]`, "insecure_http = true",
    `[registries."${proxy.host}"]`, "insecure_http = true",
    `[registries."${faulty.host}"]`, "insecure_http = true",
    `[registries."${tls.host}"]`, `ca_file = "${caFile}"`, "",
  ].join("\n"));

  await t.test("pull by tag streams each layer's progress, then the image; Get shows its config", async () => {
    const { progress, image } = await pull({ reference: `${plain.host}/tools/busybox:1.36` });
    assert.equal(image.name, `${plain.host}/tools/busybox:1.36`);
    assert.equal(image.digest, index.index.digest);
    assert.equal(image.manifestDigest, amd64.manifest.digest);
    assert.equal(image.platform, "linux/amd64");
    assert.deepEqual(image.layers.map((l) => l.diffId), amd64.layers.map((l) => l.diffId));
    for (const layer of amd64.layers) {
      const states = progress.filter((p) => p.digest === layer.digest);
      assert.equal(states.at(-1)?.state, "stored", `layer ${layer.digest} ends stored`);
      assert.equal(states.at(-1)?.totalBytes, BigInt(layer.size));
    }
    const got = (await aurae.client.images.get({ reference: `${plain.host}/tools/busybox:1.36` })).image!;
    assert.deepEqual([got.config?.cmd, got.config?.exposedPorts, got.config?.labels], [["/bin/sh"], ["80/tcp"], { app: "one" }]);
    assert.equal(got.size, BigInt(amd64.manifest.size + amd64.config.size + amd64.layers.reduce((s, l) => s + l.size, 0)));
  });

  await t.test("pull by digest with a platform from the index", async () => {
    const { image } = await pull({ reference: `${plain.host}/tools/busybox@${index.index.digest}`, platform: { os: "linux", architecture: "arm64", variant: "v8" } });
    assert.equal(image.name, `${plain.host}/tools/busybox@${index.index.digest}`);
    assert.equal(image.manifestDigest, arm64.manifest.digest);
  });

  await t.test("a layer two images share is not transferred again", async () => {
    const { progress } = await pull({ reference: `${plain.host}/tools/second:v1` });
    assert.ok(progress.some((p) => p.digest === shared.digest && p.state === "cached"));
    assert.ok(!progress.some((p) => p.digest === shared.digest && p.state === "downloading"));
    assert.equal((await aurae.client.images.list({})).images.length, 3);
  });

  await t.test("TLS with basic auth: the password in the call works, and is in neither the audit log, the events nor the daemon's log", async () => {
    const wrong = `wrong-${tls.password}-x`;
    await assert.rejects(pull({ reference: `${tls.host}/private/app:v1`, credentials: { username: tls.username, password: wrong } }),
      (err: Error) => err instanceof UnauthenticatedError && err.message.includes(`${tls.host}/private/app:v1`));
    const { image } = await pull({ reference: `${tls.host}/private/app:v1`, credentials: { username: tls.username, password: tls.password } });
    assert.equal(image.manifestDigest, secret.manifest.digest);
    const audit = await aurae.client.audit.list({ filter: { method: "/aurae.images.v1.ImageService/Pull" }, pageSize: 1000 });
    assert.ok(audit.entries.length >= 2, "pulls are audited as mutations");
    const events = await aurae.client.events.list({ pageSize: 1000 });
    const recorded = JSON.stringify([audit.entries, events.events], (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)) + (await aurae.log());
    assert.ok(!recorded.includes(tls.password), "the password is not recorded");
    assert.ok(!recorded.includes(wrong), "the wrong password is not recorded");
  });

  await t.test("tag names the same image twice; Get takes a short name as docker pull reads it", async () => {
    const { image } = await aurae.client.images.tag({ source: `${plain.host}/tools/second:v1`, target: `${plain.host}/tools/second:stable` });
    assert.equal(image?.digest, second.manifest.digest);
    await assert.rejects(aurae.client.images.get({ reference: "busybox" }), (err: Error) =>
      err instanceof NotFoundError && err.message.includes("docker.io/library/busybox:latest"));
  });

  await t.test("bad input: a clear code naming the reference, and the daemon still serves", async () => {
    await assert.rejects(pull({ reference: "Bad//Ref" }), (err: Error) => err instanceof InvalidArgumentError && err.message.includes("Bad//Ref"));
    await assert.rejects(pull({ reference: `${plain.host}/tools/none:v1` }), (err: Error) => err instanceof NotFoundError && err.message.includes("tools/none"));
    const nobody = `127.0.0.1:${await freePort()}`;
    await assert.rejects(pull({ reference: `${nobody}/x:v1` }), (err: Error) => err instanceof UnavailableError && err.message.includes(nobody));
    await assert.rejects(pull({ reference: `${plain.host}/tools/busybox:1.36`, platform: { os: "linux", architecture: "s390x" } }),
      (err: Error) => err instanceof NotFoundError && err.message.includes("tools/busybox"));
    await assert.rejects(aurae.client.images.tag({ source: `${plain.host}/tools/second:v1`, target: `${plain.host}/x@${second.manifest.digest}` }),
      (err: Error) => err instanceof InvalidArgumentError && err.message.includes("target"));
    const corruptRef = `${faulty.host}/tools/corrupt:v1`;
    await assert.rejects(pull({ reference: corruptRef }), (err: Error) => err instanceof FailedPreconditionError && err.message.includes(corruptRef));
    const garbageRef = `${faulty.host}/tools/garbage:v1`;
    await assert.rejects(pull({ reference: garbageRef }), (err: Error) => err instanceof InvalidArgumentError && err.message.includes(garbageRef));
    assert.ok(!(await new ContentStore(join(aurae.stateDir, "images", "content")).list()).some((d) => d === corrupt.layers[0]!.digest), "nothing corrupt stored");
    await assert.rejects(aurae.client.images.import({ path: "/nonexistent" }), UnimplementedError);
    await assert.rejects(aurae.client.images.export({ reference: "busybox", path: "/nonexistent" }), UnimplementedError);
    await storeIsSound();
    assert.equal((await aurae.client.images.list({})).images.length, 5);
  });

  await t.test("kill -9 of auraed mid-pull, restart, pull again: complete, resumed with Range, every blob re-hashes", async () => {
    const stream = aurae.client.images.pull({ reference: `${proxy.host}/tools/big:v1` }, { deadline: 60_000 })[Symbol.asyncIterator]();
    for (;;) {
      const { value } = await stream.next();
      if (value?.progress?.digest === big.layers[0]!.digest && value.progress.doneBytes > 0n) break;
    }
    await aurae.kill9();
    await stream.next().catch(() => undefined);
    await aurae.start();
    const { image } = await pull({ reference: `${proxy.host}/tools/big:v1` });
    assert.equal(image.layers[0]?.digest, big.layers[0]!.digest);
    assert.ok(proxy.seen.some((s) => s.path === bigLayerPath && s.range !== undefined), "the second pull resumed the partial layer");
    await storeIsSound();
  });

  await t.test("Remove keeps content until Prune; Prune frees what DiskUsage called reclaimable, and no more", async () => {
    const before = await aurae.client.images.diskUsage({});
    await aurae.client.images.remove({ reference: `${plain.host}/tools/second:v1` });
    const afterTagRemoved = await aurae.client.images.diskUsage({});
    assert.equal(afterTagRemoved.reclaimableBytes, before.reclaimableBytes, "the tag still holds the image");
    for (const { name } of (await aurae.client.images.list({})).images) await aurae.client.images.remove({ reference: name });
    await assert.rejects(aurae.client.images.remove({ reference: `${plain.host}/tools/second:v1` }), NotFoundError);
    const usage = await aurae.client.images.diskUsage({});
    assert.equal(usage.images, 0n);
    assert.ok(usage.reclaimableBytes > 0n && usage.blobBytes > 0n && usage.layerBytes > 0n);
    const pruned = await aurae.client.images.prune({});
    assert.equal(pruned.bytesFreed, usage.reclaimableBytes);
    assert.equal(pruned.blobsRemoved, usage.blobs);
    const after = await aurae.client.images.diskUsage({});
    assert.deepEqual([after.blobBytes, after.layerBytes, after.ingestBytes, after.reclaimableBytes], [0n, 0n, 0n, 0n]);
    assert.equal((await aurae.client.images.prune({})).bytesFreed, 0n);
  });
});
