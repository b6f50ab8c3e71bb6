// The v2 lane guest's initramfs: busybox, the kernel modules that reach the host's root over 9p and put an overlay
// on it, and init.sh as /init. Built once per set of inputs (kernel, busybox, init script) and cached beside the
// unpacked kernel, gzip-compressed (the kernel unpacks it).
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { cpioNewc, type CpioEntry } from "./cpio.js";

const INIT = fileURLToPath(new URL("init.sh", import.meta.url));
const BUSYBOX = "/bin/busybox"; // busybox-static: no libraries to copy

/** Where each module init.sh loads lives in the kernel package (modules.dep is never made: no depmod). */
const MODULES: Readonly<Record<string, string>> = {
  virtio_ring: "drivers/virtio/virtio_ring.ko",
  virtio: "drivers/virtio/virtio.ko",
  virtio_pci_modern_dev: "drivers/virtio/virtio_pci_modern_dev.ko",
  virtio_pci_legacy_dev: "drivers/virtio/virtio_pci_legacy_dev.ko",
  virtio_pci: "drivers/virtio/virtio_pci.ko",
  netfs: "fs/netfs/netfs.ko",
  fscache: "fs/fscache/fscache.ko",
  "9pnet": "net/9p/9pnet.ko",
  "9pnet_virtio": "net/9p/9pnet_virtio.ko",
  "9p": "fs/9p/9p.ko",
  overlay: "fs/overlayfs/overlay.ko",
};

export interface GuestKernel {
  readonly vmlinuz: string;
  readonly initramfs: string;
}

/** The kernel unpacked in `kernelDir` (by fetch-kernel.sh) and an initramfs for it, built if not cached. */
export async function guestKernel(kernelDir: string, cacheDir: string): Promise<GuestKernel> {
  const boot = join(kernelDir, "boot");
  const image = (await readdir(boot)).find((f) => f.startsWith("vmlinuz-"));
  if (!image) throw new Error(`no vmlinuz-* in ${boot}`);
  const release = image.slice("vmlinuz-".length);
  const moduleDir = join(kernelDir, "lib/modules", release, "kernel");
  const busybox = await stat(BUSYBOX).catch(() => {
    throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static (scripts/setup-host.sh does)`);
  });
  const init = await readFile(INIT);
  const key = createHash("sha256")
    .update(JSON.stringify({ release, busybox: [busybox.size, busybox.mtimeMs], modules: MODULES }))
    .update(init)
    .digest("hex")
    .slice(0, 16);
  const initramfs = join(cacheDir, `initramfs-${release}-${key}.cpio.gz`);
  if (!(await stat(initramfs).then(() => true, () => false))) {
    const entries: CpioEntry[] = [
      ...["bin", "dev", "proc", "sys", "modules"].map((path) => ({ kind: "dir" as const, path })),
      { kind: "file", path: "bin/busybox", data: await readFile(BUSYBOX), mode: 0o755 },
      { kind: "file", path: "init", data: init, mode: 0o755 },
    ];
    for (const [name, path] of Object.entries(MODULES))
      entries.push({ kind: "file", path: `modules/${name}.ko`, data: await readFile(join(moduleDir, path)) });
    await mkdir(cacheDir, { recursive: true });
    // Written aside and renamed, so a concurrent run never reads half an archive.
    const partial = `${initramfs}.${process.pid}`;
    await writeFile(partial, gzipSync(cpioNewc(entries)));
    await rename(partial, initramfs);
  }
  return { vmlinuz: join(boot, image), initramfs };
}
