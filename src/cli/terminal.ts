// Plain ANSI for views a person watches (top, --watch, progress, status): nothing but escape sequences every
// terminal emulator and tmux know, so they work over SSH. None of it is written when the output is not a terminal.
import type { OutputOptions } from "./output.js";

export const ANSI = {
  altScreenOn: "\x1b[?1049h",
  altScreenOff: "\x1b[?1049l",
  cursorHide: "\x1b[?25l",
  cursorShow: "\x1b[?25h",
  home: "\x1b[H",
  clearScreen: "\x1b[2J",
  clearToEnd: "\x1b[J",
  clearLineEnd: "\x1b[K",
} as const;

const COLORS = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, inverse: 7 } as const;

/** Colors only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function painter(stream: NodeJS.WriteStream): (color: keyof typeof COLORS, text: string) => string {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  return (color, text) => (on ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text);
}

/** Progress and spinners go to stderr, and only when a person reads a table there: never into JSON or a pipe. */
export const showsProgress = (out: OutputOptions): boolean => out.format === "table" && !out.quiet && process.stderr.isTTY === true;

export const terminalSize = (stream: NodeJS.WriteStream = process.stdout): { columns: number; rows: number } => ({
  columns: stream.columns || 80,
  rows: stream.rows || 24,
});
