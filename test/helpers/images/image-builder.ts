// Builds OCI and Docker schema-2 images in memory, offline: layers from tar entries (a busybox-static root from
// Debian's package for the real one), compressed with gzip (zlib), zstd (Debian's zstd binary) or not at all.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { type TarEntry, writeTar } from "./tar-writer.js";

export type Compression = "gzip" | "zstd" | "none";
export type Flavour = "oci" | "docker";

export interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

export interface Layer extends Blob {
  readonly diffId: string;
}

export interface BuiltImage {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Layer[];
}

export interface BuiltIndex {
  readonly index: Blob;
  readonly images: readonly BuiltImage[];
}

export const sha256 = (bytes: Buffer): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

const blob = (mediaType: string, bytes: Buffer): Blob => ({ mediaType, digest: sha256(bytes), size: bytes.length, bytes });
const describe = ({ mediaType, digest, size }: Blob) => ({ mediaType, digest, size });

const LAYER_TYPES: Readonly<Record<Flavour, Readonly<Record<Compression, string>>>> = {
  oci: {
    gzip: "application/vnd.oci.image.layer.v1.tar+gzip",
    zstd: "application/vnd.oci.image.layer.v1.tar+zstd",
    none: "application/vnd.oci.image.layer.v1.tar",
  },
  docker: {
    gzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
    zstd: "application/vnd.docker.image.rootfs.diff.tar.gzip", // Docker has no zstd type; not used
    none: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  },
};

export function buildLayer(entries: readonly TarEntry[], compression: Compression = "gzip", flavour: Flavour = "oci"): Layer {
  const tar = writeTar(entries);
  const bytes = compression === "gzip" ? gzipSync(tar) : compression === "zstd" ? execFileSync("zstd", ["-q", "-c"], { input: tar }) : tar;
  return { ...blob(LAYER_TYPES[flavour][compression], bytes), diffId: sha256(tar) };
}

export interface ImageOptions {
  readonly flavour?: Flavour;
  readonly architecture?: string;
  readonly variant?: string;
  readonly cmd?: readonly string[];
  readonly env?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

export function buildImage(layers: readonly Layer[], opts: ImageOptions = {}): BuiltImage {
  const flavour = opts.flavour ?? "oci";
  const config = blob(flavour === "oci" ? "application/vnd.oci.image.config.v1+json" : "application/vnd.docker.container.image.v1+json",
    Buffer.from(JSON.stringify({
      architecture: opts.architecture ?? "amd64",
      ...(opts.variant ? { variant: opts.variant } : {}),
      os: "linux",
      config: { Cmd: opts.cmd ?? ["/bin/sh"], Env: opts.env ?? ["PATH=/bin"], WorkingDir: "/", Labels: opts.labels ?? {}, ExposedPorts: { "80/tcp": {} } },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    })));
  const mediaType = flavour === "oci" ? "application/vnd.oci.image.manifest.v1+json" : "application/vnd.docker.distribution.manifest.v2+json";
  const manifest = blob(mediaType, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: describe(config), layers: layers.map(describe) })));
  return { manifest, config, layers };
}

/** An index of `images`, each entry's platform from its options; `extra` entries are added as they are. */
export function buildIndex(images: readonly { image: BuiltImage; architecture: string; variant?: string }[], flavour: Flavour = "oci", extra: readonly object[] = []): BuiltIndex {
  const mediaType = flavour === "oci" ? "application/vnd.oci.image.index.v1+json" : "application/vnd.docker.distribution.manifest.list.v2+json";
  const manifests = images.map(({ image, architecture, variant }) =>
    ({ ...describe(image.manifest), platform: { os: "linux", architecture, ...(variant ? { variant } : {}) } }));
  return { index: blob(mediaType, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: [...manifests, ...extra] }))), images: images.map((i) => i.image) };
}

/** A small root filesystem: Debian's statically linked busybox and a few of its applets as symlinks. */
export function busyboxEntries(): TarEntry[] {
  const busybox = readFileSync("/bin/busybox");
  return [
    { path: "bin", type: "dir" },
    { path: "bin/busybox", type: "file", content: busybox, mode: 0o755 },
    ...["sh", "ls", "cat", "echo"].map((applet): TarEntry => ({ path: `bin/${applet}`, type: "symlink", target: "busybox" })),
    { path: "etc", type: "dir" },
    { path: "etc/passwd", type: "file", content: "root:x:0:0:root:/root:/bin/sh\n" },
    { path: "tmp", type: "dir", mode: 0o1777 },
  ];
}
