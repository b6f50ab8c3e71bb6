// Block devices as cgroup files name them: "MAJ:MIN".
import { stat } from "node:fs/promises";
import { errnoCode, invalid, osError } from "../../errors.js";

export interface BlockDevice {
  readonly major: number;
  readonly minor: number;
}

// The kernel's limits: 12 bits of major, 20 of minor (MINORBITS).
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

/**
 * The numbers of a block device given as a path ("/dev/vda": it must be a block device) or as decimal "MAJ:MIN".
 * `field` names the request field in an error.
 */
export async function resolveBlockDevice(device: string, field = "device"): Promise<BlockDevice> {
  const numbers = /^(\d+):(\d+)$/.exec(device);
  if (numbers) return checked({ major: Number(numbers[1]), minor: Number(numbers[2]) }, device, field);
  if (!device.startsWith("/"))
    throw invalid(field, `must be a block device path such as /dev/vda or MAJ:MIN, got "${device}"`);
  const info = await stat(device, { bigint: true }).catch((err: unknown) => {
    // ENOTDIR: a path through a file ("/dev/null/x"); either way there is no such device.
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") throw invalid(field, `no such device "${device}"`);
    throw osError("stat", device, err);
  });
  if (!info.isBlockDevice()) throw invalid(field, `"${device}" is not a block device`);
  return checked(splitDeviceNumber(info.rdev), device, field);
}

/** glibc's gnu_dev_major/gnu_dev_minor: the 64-bit dev_t keeps the low 8 minor bits lowest, the major above them. */
function splitDeviceNumber(rdev: bigint): BlockDevice {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

function checked(d: BlockDevice, device: string, field: string): BlockDevice {
  if (d.major > MAX_MAJOR || d.minor > MAX_MINOR) throw invalid(field, `"${device}" is not a valid device number`);
  return d;
}
