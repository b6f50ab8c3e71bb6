// A one-line spinner on stderr for operations that take a while (exec wait, cell free --stop), so a person sees
// they are alive. Shown only where showsProgress says; otherwise every call is a no-op.
import { ANSI, showsProgress } from "./terminal.js";
import type { OutputOptions } from "./output.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;

export interface Progress {
  /** The text after the spinner; redrawn on the next frame. */
  update(text: string): void;
  /** Clears the line. */
  done(): void;
}

export function startProgress(out: OutputOptions, text: string): Progress {
  if (!showsProgress(out)) return { update: () => undefined, done: () => undefined };
  let current = text;
  let frame = 0;
  const draw = () => process.stderr.write(`\r${ANSI.clearLineEnd}${FRAMES[frame++ % FRAMES.length]} ${current}`);
  draw();
  const timer = setInterval(draw, FRAME_MS);
  return {
    update: (next) => void (current = next),
    done: () => {
      clearInterval(timer);
      process.stderr.write(`\r${ANSI.clearLineEnd}`);
    },
  };
}

/** Runs `work` with a spinner, clearing it whatever the outcome. */
export async function withProgress<T>(out: OutputOptions, text: string, work: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = startProgress(out, text);
  try {
    return await work(progress);
  } finally {
    progress.done();
  }
}
