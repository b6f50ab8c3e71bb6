// The shim's fd closing without close_range: kernels before 5.9 lack the call and 5.9-5.10 refuse its CLOEXEC flag
// (EINVAL), so every Start failed there. The walk of /proc/self/fd that replaces it is compiled into a small program
// and run on this kernel, which has close_range, so both paths are checked against each other.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const native = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../native/src");

// Opens fds 10, 11 and 50, applies `call` to them, and prints each one as "closed", "cloexec" or "open".
const PROGRAM = `
#include "shim.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
static const char *state(int fd) {
  int fl = fcntl(fd, F_GETFD);
  return fl < 0 ? "closed" : (fl & FD_CLOEXEC) ? "cloexec" : "open";
}
int main(int argc, char **argv) {
  int fds[] = {10, 11, 50};
  for (int i = 0; i < 3; i++) if (dup2(0, fds[i]) < 0) return 2;
  int walk = strcmp(argv[1], "walk") == 0;
  unsigned first = (unsigned)atoi(argv[2]), last = (unsigned)atoi(argv[3]), flags = (unsigned)atoi(argv[4]);
  if ((walk ? close_fds_by_walking(first, last, flags) : close_fds_from(first, last, flags)) < 0) return 3;
  for (int i = 0; i < 3; i++) printf("%d %s\\n", fds[i], state(fds[i]));
  (void)argc;
  return 0;
}
`;

function build(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aurae-fds-test-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "main.c"), PROGRAM);
  const bin = path.join(dir, "fds");
  execFileSync("cc", ["-O2", "-Wall", "-std=gnu11", `-I${native}`, "-o", bin, path.join(dir, "main.c"), path.join(native, "fds.c")]);
  return bin;
}

const run = (bin: string, ...args: (string | number)[]): string[] =>
  execFileSync(bin, args.map(String), { encoding: "utf8" }).trim().split("\n");

test("the /proc/self/fd walk marks every fd from 3 close-on-exec, as close_range(CLOSE_RANGE_CLOEXEC) does", (t) => {
  const bin = build(t);
  const expected = ["10 cloexec", "11 cloexec", "50 cloexec"];
  assert.deepEqual(run(bin, "walk", 3, 4294967295, 4), expected);
  assert.deepEqual(run(bin, "syscall", 3, 4294967295, 4), expected);
});

test("the /proc/self/fd walk closes exactly the fds in the range, as close_range does", (t) => {
  const bin = build(t);
  const expected = ["10 open", "11 closed", "50 open"];
  assert.deepEqual(run(bin, "walk", 11, 49, 0), expected);
  assert.deepEqual(run(bin, "syscall", 11, 49, 0), expected);
});
