// The one file that knows both shapes of an image.
import type { BlobProgress, DiskUsage, ImageRecord, PruneResult } from "../../domain/images/images.js";
import { invalid } from "../../errors.js";
import type * as pb from "../../gen/aurae/images/v1/images.js";
import type { Credentials } from "../../runtime/images/credentials.js";
import type { Platform } from "../../runtime/images/manifest.js";

export const imageToProto = (r: ImageRecord): pb.Image => ({
  name: r.name,
  digest: r.digest,
  mediaType: r.mediaType,
  manifestDigest: r.manifestDigest,
  configDigest: r.configDigest,
  platform: r.platform,
  size: BigInt(r.size),
  layers: r.layers.map((l) => ({ digest: l.digest, size: BigInt(l.size), mediaType: l.mediaType, diffId: l.diffId })),
  config: {
    entrypoint: [...r.config.entrypoint], cmd: [...r.config.cmd], env: [...r.config.env], workingDir: r.config.workingDir,
    user: r.config.user, exposedPorts: [...r.config.exposedPorts], volumes: [...r.config.volumes], labels: { ...r.config.labels },
    stopSignal: r.config.stopSignal,
  },
  createdAt: new Date(r.createdAtMs),
  updatedAt: new Date(r.updatedAtMs),
});

export const progressToProto = (p: BlobProgress): pb.LayerProgress =>
  ({ digest: p.digest, state: p.state, doneBytes: BigInt(p.doneBytes), totalBytes: BigInt(p.totalBytes) });

export const pruneToProto = (r: PruneResult): pb.PruneResponse =>
  ({ blobsRemoved: BigInt(r.blobsRemoved), layersRemoved: BigInt(r.layersRemoved), bytesFreed: BigInt(r.bytesFreed) });

export const diskUsageToProto = (u: DiskUsage): pb.DiskUsageResponse => ({
  images: BigInt(u.images), blobs: BigInt(u.blobs), blobBytes: BigInt(u.blobBytes), layers: BigInt(u.layers),
  layerBytes: BigInt(u.layerBytes), ingestBytes: BigInt(u.ingestBytes), reclaimableBytes: BigInt(u.reclaimableBytes),
});

/** The platform asked for, or undefined for the node's; os and architecture go together. */
export function platformFromProto(p: pb.Platform | undefined): Platform | undefined {
  if (!p || (p.os === "" && p.architecture === "" && p.variant === "")) return undefined;
  if (p.os === "" || p.architecture === "") throw invalid("platform", `needs both os and architecture, got "${p.os}/${p.architecture}"`);
  return { os: p.os, architecture: p.architecture, ...(p.variant !== "" && { variant: p.variant }) };
}

/** Credentials of a Pull; a message never quotes them. */
export function credentialsFromProto(c: pb.Credentials | undefined): Credentials | undefined {
  if (!c || (c.username === "" && c.password === "")) return undefined;
  if (c.username === "") throw invalid("credentials.username", "is empty while a password is given");
  return { username: c.username, password: c.password };
}
