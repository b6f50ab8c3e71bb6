// The image configuration (OCI image-spec config.md; Docker's image JSON has the same fields): what a container of
// the image runs by default, and the uncompressed digests (diff IDs) of its layers that unpacking verifies.
import type { AuraeError } from "../../errors.js";
import { invalid } from "../../errors.js";
import { type Digest, parseDigest } from "./digest.js";
import { parseJsonObject, type Platform } from "./manifest.js";

export interface ImageConfig {
  readonly platform: Platform;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly user: string;
  /** `80/tcp`, `53/udp`, as the config's ExposedPorts keys. */
  readonly exposedPorts: readonly string[];
  readonly volumes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly stopSignal: string;
  /** One per layer, in manifest order: the sha256 of the layer's uncompressed tar. */
  readonly diffIds: readonly Digest[];
}

/** Parses a config blob of the image named `what`; a wrong shape is `invalid` naming the field. */
export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  const json = parseJsonObject(bytes, what);
  const run = (json.config ?? {}) as Record<string, unknown>;
  const rootfs = json.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (rootfs?.type !== "layers" || !Array.isArray(rootfs.diff_ids)) throw bad(what, "rootfs", `must be {"type":"layers","diff_ids":[…]}`);
  const diffIds = rootfs.diff_ids.map((d, i) => {
    if (typeof d !== "string") throw bad(what, `rootfs.diff_ids[${i}]`, "must be a digest");
    return parseDigest(d, `${what}: rootfs.diff_ids[${i}]`);
  });
  return {
    platform: {
      os: stringOr(json.os, "os", what),
      architecture: stringOr(json.architecture, "architecture", what),
      ...(typeof json.variant === "string" ? { variant: json.variant } : {}),
    },
    entrypoint: strings(run.Entrypoint, "config.Entrypoint", what),
    cmd: strings(run.Cmd, "config.Cmd", what),
    env: strings(run.Env, "config.Env", what),
    workingDir: stringOr(run.WorkingDir, "config.WorkingDir", what),
    user: stringOr(run.User, "config.User", what),
    exposedPorts: keys(run.ExposedPorts, "config.ExposedPorts", what),
    volumes: keys(run.Volumes, "config.Volumes", what),
    labels: labels(run.Labels, what),
    stopSignal: stringOr(run.StopSignal, "config.StopSignal", what),
    diffIds,
  };
}

const bad = (what: string, field: string, why: string): AuraeError => invalid("reference", `${what}: image config ${field} ${why}`);

function stringOr(value: unknown, field: string, what: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw bad(what, field, "must be a string");
  return value;
}

function strings(value: unknown, field: string, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw bad(what, field, "must be an array of strings");
  return value;
}

function keys(value: unknown, field: string, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) throw bad(what, field, "must be an object");
  return Object.keys(value);
}

function labels(value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value) || !Object.values(value).every((v) => typeof v === "string"))
    throw bad(what, "config.Labels", "must be an object of strings");
  return value as Record<string, string>;
}
