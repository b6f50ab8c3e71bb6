import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { test } from "node:test";
import { resolveBlockDevice } from "../../../../src/runtime/cgroups/devices.js";

test('parses "MAJ:MIN" without touching the filesystem', async () => {
  assert.deepEqual(await resolveBlockDevice("8:0"), { major: 8, minor: 0 });
  assert.deepEqual(await resolveBlockDevice("254:16"), { major: 254, minor: 16 });
});

test("refuses garbage and out-of-range numbers as invalid, naming the field and the value", async () => {
  for (const bad of ["", "8", "8:", "a:b", "8:0:1", "-1:0", "vda", "4096:0", "8:1048576"])
    await assert.rejects(resolveBlockDevice(bad, "io.devices[0].device"), {
      kind: "invalid",
      field: "io.devices[0].device",
      message: new RegExp(`^io\\.devices\\[0\\]\\.device: .*"${bad}"`),
    });
});

test("refuses a path that is not a block device (/dev/null is a character device)", async () => {
  await assert.rejects(resolveBlockDevice("/dev/null"), { kind: "invalid", message: 'device: "/dev/null" is not a block device' });
});

test("refuses a path that does not exist as invalid", async () => {
  await assert.rejects(resolveBlockDevice("/dev/aurae-no-such-disk"), { kind: "invalid", message: /no such device "\/dev\/aurae-no-such-disk"/ });
});

test("refuses a path through a file (ENOTDIR) as no such device", async () => {
  await assert.rejects(resolveBlockDevice("/dev/null/x"), { kind: "invalid", message: 'device: no such device "/dev/null/x"' });
});

test("reads a real block device's numbers as /sys/block lists them", async (t) => {
  const disks = await readdir("/sys/block").catch(() => []);
  for (const disk of disks) {
    const numbers = await readFile(`/sys/block/${disk}/dev`, "utf8").catch(() => undefined);
    const dev = await resolveBlockDevice(`/dev/${disk}`).catch(() => undefined);
    if (!numbers || !dev) continue;
    assert.equal(`${dev.major}:${dev.minor}`, numbers.trim(), disk);
    return;
  }
  t.skip("no block device with a /dev node on this host");
});
