// Per-layer progress bars on stderr while an image is pulled, as `docker pull` shows them: one line per blob (its
// short digest, state, bar, bytes) and a total line, redrawn in place at most every 100 ms. Shown only where
// showsProgress says (a terminal, table output, no -q); otherwise every call is a no-op.
import type { LayerProgress } from "../gen/aurae/images/v1/images.js";
import type { OutputOptions } from "./output.js";
import { ANSI, showsProgress } from "./terminal.js";
import { formatUsage } from "./units.js";

const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export interface LayerProgressView {
  update(progress: LayerProgress): void;
  /** Draws the final state and leaves it on screen. */
  done(): void;
}

/** `[=====>    ]` for `done` of `total`. */
export function bar(done: bigint, total: bigint, width = BAR_WIDTH): string {
  const filled = total > 0n ? Number((done * BigInt(width)) / total) : width;
  const full = Math.min(width, Math.max(0, filled));
  return `[${"=".repeat(Math.max(0, full - 1))}${full > 0 ? (full === width ? "=" : ">") : ""}${" ".repeat(width - full)}]`;
}

/** The lines for the blobs seen so far, in the order they first appeared, and the total. */
export function progressLines(blobs: ReadonlyMap<string, LayerProgress>): string[] {
  const lines = [...blobs.values()].map((p) => {
    const id = p.digest.replace(/^sha256:/, "").slice(0, 12);
    if (p.state === "cached") return `${id}: already stored`;
    if (p.state === "stored") return `${id}: pull complete ${formatUsage(p.totalBytes)}`;
    return `${id}: downloading ${bar(p.doneBytes, p.totalBytes)} ${formatUsage(p.doneBytes)}/${formatUsage(p.totalBytes)}`;
  });
  let done = 0n;
  let total = 0n;
  for (const p of blobs.values()) {
    done += p.state === "downloading" ? p.doneBytes : p.totalBytes;
    total += p.totalBytes;
  }
  return [...lines, `total: ${bar(done, total)} ${formatUsage(done)}/${formatUsage(total)}`];
}

export function startLayerProgress(out: OutputOptions): LayerProgressView {
  if (!showsProgress(out)) return { update: () => undefined, done: () => undefined };
  const blobs = new Map<string, LayerProgress>();
  let drawn = 0;
  let lastDraw = 0;
  const draw = () => {
    const lines = progressLines(blobs);
    const up = drawn > 0 ? `\x1b[${drawn}F` : "";
    process.stderr.write(`${up}${lines.map((l) => `${ANSI.clearLineEnd}${l}\n`).join("")}`);
    drawn = lines.length;
    lastDraw = Date.now();
  };
  return {
    update: (p) => {
      blobs.set(p.digest, p);
      if (Date.now() - lastDraw >= REDRAW_MS || p.state !== "downloading") draw();
    },
    done: () => {
      if (blobs.size > 0) draw();
    },
  };
}
