import assert from "node:assert/strict";
import { test } from "node:test";
import { isAuraeError } from "../../../../src/errors.js";
import { MEDIA_TYPE, parseManifest } from "../../../../src/runtime/images/manifest.js";
import { nodePlatform, selectPlatform } from "../../../../src/runtime/images/platform.js";

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const manifest = { schemaVersion: 2, config: { mediaType: MEDIA_TYPE.ociConfig, digest: D(1), size: 10 }, layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: D(2), size: 20 }] };

test("an OCI manifest served as application/json is known by its shape", () => {
  const parsed = parseManifest(json(manifest), "application/json", "img");
  assert.equal(parsed.kind, "manifest");
  assert.equal(parsed.mediaType, MEDIA_TYPE.ociManifest);
});

test("the mediaType field wins over the Content-Type header; a Docker list is an index", () => {
  const list = { schemaVersion: 2, mediaType: MEDIA_TYPE.dockerList, manifests: [{ mediaType: MEDIA_TYPE.dockerManifest, digest: D(3), size: 5, platform: { os: "linux", architecture: "amd64" } }] };
  const parsed = parseManifest(json(list), MEDIA_TYPE.ociManifest, "img");
  assert.equal(parsed.kind, "index");
  assert.equal(parsed.mediaType, MEDIA_TYPE.dockerList);
});

for (const [name, body, mentions] of [
  ["not JSON", Buffer.from("{oops"), "not JSON"],
  ["schema 1", json({ schemaVersion: 1, fsLayers: [] }), "media type"],
  ["a bad digest", json({ ...manifest, config: { ...manifest.config, digest: "sha256:zz" } }), "config.digest"],
  ["a negative size", json({ ...manifest, layers: [{ ...manifest.layers[0], size: -1 }] }), "layers[0].size"],
] as const)
  test(`a manifest with ${name} is INVALID_ARGUMENT naming the image and the field`, () => {
    assert.throws(() => parseManifest(body, undefined, "image r:t"), (err) =>
      isAuraeError(err, "invalid") && err.message.includes("image r:t") && err.message.includes(mentions));
  });

test("platform selection matches os and architecture, a variant only when both sides name one, skips entries without platform", () => {
  const entries = [
    { mediaType: "m", digest: D(4) as `sha256:${string}`, size: 1 },
    { mediaType: "m", digest: D(5) as `sha256:${string}`, size: 1, platform: { os: "linux", architecture: "arm", variant: "v6" } },
    { mediaType: "m", digest: D(6) as `sha256:${string}`, size: 1, platform: { os: "linux", architecture: "arm", variant: "v7" } },
    { mediaType: "m", digest: D(7) as `sha256:${string}`, size: 1, platform: { os: "linux", architecture: "arm64" } },
  ];
  assert.equal(selectPlatform(entries, { os: "linux", architecture: "arm", variant: "v7" }, "i").digest, D(6));
  assert.equal(selectPlatform(entries, nodePlatform("arm64"), "i").digest, D(7));
  assert.throws(() => selectPlatform(entries, nodePlatform("x64"), "image i"), (err) =>
    isAuraeError(err, "not-found") && err.message.includes("linux/amd64") && err.message.includes("linux/arm/v6"));
});

test("the node platform is process.arch in OCI names", () => {
  assert.deepEqual(nodePlatform("x64"), { os: "linux", architecture: "amd64" });
  assert.deepEqual(nodePlatform("arm", "6"), { os: "linux", architecture: "arm", variant: "v6" });
});
