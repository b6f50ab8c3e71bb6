// Boots the v2 lane's guest under QEMU's q35 machine (microvm's kernel stalls calibrating its clock when the host is
// loaded: it has no HPET or PM timer) and follows its serial console: the guest's /init runs the
// job and prints "AURAE-V2LANE-EXIT <status>" before it reboots, which ends QEMU (-no-reboot).
import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import type { GuestKernel } from "./initramfs.js";

export type Accel = "kvm" | "tcg";

export interface GuestRun {
  /** The job's exit status, or undefined when the guest never printed it (crash, timeout). */
  readonly status: number | undefined;
  /** Seconds from QEMU's start until the guest's /init ran. */
  readonly bootSeconds: number | undefined;
  readonly console: string;
}

export interface BootOptions {
  readonly kernel: GuestKernel;
  /** A shell script on the host, run as root in the guest. */
  readonly job: string;
  readonly accel: Accel;
  readonly timeoutMs: number;
  /** Each chunk of console output as it arrives. */
  readonly echo?: (chunk: string) => void;
}

const EXIT_LINE = /^AURAE-V2LANE-EXIT (\d+)\r?$/m;
const USERSPACE_LINE = "aurae-v2lane: userspace";

export async function bootGuest(opts: BootOptions): Promise<GuestRun> {
  const args = [
    "-M", "q35",
    // One host thread for every vCPU under TCG: with multi-threaded TCG node died of SIGSEGV in about one file in
    // nine per run; single-threaded it did not in the runs measured, at about the same speed here.
    "-accel", opts.accel === "tcg" ? "tcg,thread=single" : opts.accel,
    // TCG's emulated protection keys crash V8 now and then (a SIGSEGV in node): V8 uses them for its JIT pages.
    ...(opts.accel === "kvm" ? ["-cpu", "host"] : ["-cpu", "max,pku=off"]),
    "-m", "2G",
    "-smp", "2",
    "-no-user-config", "-display", "none", "-no-reboot",
    "-serial", "stdio",
    "-kernel", opts.kernel.vmlinuz,
    "-initrd", opts.kernel.initramfs,
    "-append", `console=ttyS0 quiet panic=-1 aurae.job=${opts.job}`,
    "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
    "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
  ];
  const startedAt = performance.now();
  const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
  let console = "";
  let bootSeconds: number | undefined;
  const append = (chunk: Buffer): void => {
    const text = chunk.toString();
    console += text;
    if (bootSeconds === undefined && console.includes(USERSPACE_LINE)) bootSeconds = (performance.now() - startedAt) / 1000;
    opts.echo?.(text);
  };
  qemu.stdout.on("data", append);
  qemu.stderr.on("data", append);
  const timer = setTimeout(() => qemu.kill("SIGKILL"), opts.timeoutMs);
  const exited = await new Promise<number | null>((resolve, reject) => {
    qemu.once("error", reject);
    qemu.once("close", (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  const status = EXIT_LINE.exec(console)?.[1];
  if (status === undefined && exited === null) console += `\n(QEMU killed after ${opts.timeoutMs / 1000} s)\n`;
  return { status: status === undefined ? undefined : Number(status), bootSeconds, console };
}

/**
 * KVM when it can boot this guest, else TCG. /dev/kvm may exist and still fail a stock kernel in early boot (a
 * paravirtual flavour), so the probe boots the guest with a job that does nothing.
 */
export async function chooseAccel(kernel: GuestKernel, noopJob: string): Promise<Accel> {
  if (!(await access("/dev/kvm").then(() => true, () => false))) return "tcg";
  const run = await bootGuest({ kernel, job: noopJob, accel: "kvm", timeoutMs: 20_000 }).catch(() => undefined);
  return run?.status === 0 ? "kvm" : "tcg";
}
