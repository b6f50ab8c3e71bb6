// The lines of `aer image pull`'s progress view: one per blob in the order they appeared, and a total that counts a
// cached or stored blob whole and a downloading one by its bytes so far.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bar, progressLines } from "../../../src/cli/layer-progress.js";
import type { LayerProgress } from "../../../src/gen/aurae/images/v1/images.js";

const p = (digest: string, state: string, doneBytes: number, totalBytes: number): [string, LayerProgress] =>
  [digest, { digest, state, doneBytes: BigInt(doneBytes), totalBytes: BigInt(totalBytes) }];

test("a bar is empty at zero, half way at half, full when done, and full for an empty blob", () => {
  assert.equal(bar(0n, 100n, 10), "[          ]");
  assert.equal(bar(50n, 100n, 10), "[====>     ]");
  assert.equal(bar(100n, 100n, 10), "[==========]");
  assert.equal(bar(0n, 0n, 10), "[==========]");
});

test("one line per blob and a total of what is stored, cached or downloaded so far", () => {
  const lines = progressLines(new Map([
    p("sha256:aaaaaaaaaaaaaaaa", "cached", 2048, 2048),
    p("sha256:bbbbbbbbbbbbbbbb", "downloading", 1024, 4096),
    p("sha256:cccccccccccccccc", "stored", 2048, 2048),
  ]));
  assert.deepEqual(lines, [
    "aaaaaaaaaaaa: already stored",
    `bbbbbbbbbbbb: downloading ${bar(1024n, 4096n)} 1.0K/4.0K`,
    "cccccccccccc: pull complete 2.0K",
    `total: ${bar(5120n, 8192n)} 5.0K/8.0K`,
  ]);
});
