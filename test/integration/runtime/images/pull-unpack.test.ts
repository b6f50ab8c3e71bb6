// A pulled image becomes a root filesystem: the whiteout stack pulled from a registry, mounted, is what its layers
// say; a second image sharing two of its three layers transfers and unpacks only the third.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Digest } from "../../../../src/runtime/images/digest.js";
import { type BlobProgress, pullImage, type PulledImage } from "../../../../src/runtime/images/pull.js";
import { parseReference } from "../../../../src/runtime/images/reference.js";
import { type LayerSpec, type Rootfs, Snapshotter } from "../../../../src/runtime/images/snapshots.js";
import { buildImage, buildLayer, type Layer } from "../../../helpers/images/image-builder.js";
import { startRegistry } from "../../../helpers/images/registry.js";
import { assertImageTree, whiteoutStack } from "../../../helpers/images/whiteout-stack.js";
import { pullEnv } from "./pull-env.js";

const signal = AbortSignal.timeout(60_000);
const platform = { os: "linux", architecture: "amd64" };

const layersOf = (image: PulledImage): LayerSpec[] =>
  image.layers.map((blob, i) => ({ blob, diffId: image.imageConfig.diffIds[i] as Digest }));

test("the pulled whiteout stack mounts as its layers say; an image sharing two layers adds one snapshot and one download", async (t) => {
  const reg = await startRegistry(t, "plain");
  const [l1, l2, l3] = whiteoutStack() as [Layer, Layer, Layer];
  const stack = buildImage([l1, l2, l3]);
  const sibling = buildImage([l1, l2, buildLayer([{ path: "sibling", type: "file", content: "only here" }], "zstd")]);
  await reg.pushImage("stack", stack, "v1");
  await reg.pushImage("sibling", sibling, "v1");
  const env = await pullEnv(t, { hosts: { [reg.host]: { insecureHttp: true } } });
  const dir = await mkdtemp(join(tmpdir(), "aurae-pull-unpack-"));
  const snapshots = new Snapshotter({ root: join(dir, "snapshots"), content: env.content });
  const mounted: Rootfs[] = [];
  t.after(async () => {
    for (const r of mounted) await snapshots.removeRootfs(r);
    await rm(dir, { recursive: true, force: true });
  });

  const first = await pullImage(parseReference(`${reg.host}/stack:v1`), env, { signal, platform });
  const rootfs = await snapshots.createRootfs(layersOf(first), join(dir, "c1"), { signal });
  mounted.push(rootfs);
  await assertImageTree(rootfs.path);

  const progress: BlobProgress[] = [];
  const second = await pullImage(parseReference(`${reg.host}/sibling:v1`), env, { signal, platform, onProgress: (p) => progress.push(p) });
  const downloaded = new Set(progress.filter((p) => p.state === "stored").map((p) => p.digest));
  assert.deepEqual([...downloaded].sort(), [sibling.config.digest, sibling.layers[2]?.digest].sort());
  const other = await snapshots.createRootfs(layersOf(second), join(dir, "c2"), { signal });
  mounted.push(other);
  assert.equal((await readdir(join(dir, "snapshots", "layers", "sha256"))).length, 4, "three layers of the stack plus the sibling's own");
  assert.ok((await readdir(other.path)).includes("sibling"));
  assert.deepEqual(await env.content.verify(), []);
});
