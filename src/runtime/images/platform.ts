// Which platform this node runs and which entry of an image index serves it (OCI image-spec image-index.md,
// "platform"; the architecture and variant names are Go's GOARCH/GOARM, as containerd's platforms package uses).
import { notFound } from "../../errors.js";
import type { Descriptor, Platform } from "./manifest.js";

const ARCHITECTURE: Readonly<Record<string, string>> = {
  x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64",
  loong64: "loong64", mips: "mips", mipsel: "mipsle",
};

/** The platform of the running node: `process.arch` in OCI names; arm carries its variant (v6, v7). */
export function nodePlatform(arch: string = process.arch, armVersion?: string): Platform {
  const architecture = ARCHITECTURE[arch] ?? arch;
  if (architecture === "arm") return { os: "linux", architecture, variant: `v${armVersion ?? "7"}` };
  if (architecture === "arm64") return { os: "linux", architecture, variant: "v8" };
  return { os: "linux", architecture };
}

/**
 * The index entry for `wanted`: os and architecture must match; a variant, when both sides name one, must match too
 * (arm64's only variant v8 is often left out). Among several matches the first wins, as in containerd. Entries
 * without a platform (attestations and the like) never match.
 */
export function selectPlatform(manifests: readonly Descriptor[], wanted: Platform, what: string): Descriptor {
  const found = manifests.find(({ platform: p }) =>
    p !== undefined && p.os === wanted.os && p.architecture === wanted.architecture &&
    (p.variant === undefined || wanted.variant === undefined || p.variant === wanted.variant));
  if (found) return found;
  const offered = manifests.map((m) => (m.platform ? formatPlatform(m.platform) : "(none)")).join(", ") || "nothing";
  throw notFound(`${what}: no manifest for platform ${formatPlatform(wanted)} in the index (it offers ${offered})`);
}

export const formatPlatform = (p: Platform): string => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
