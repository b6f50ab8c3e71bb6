// The resume token of a log read: each executable's global byte position, opaque to clients. It is the base64url of
// `{"v":1,"p":{"<name>":<position>,...}}`, and a follower makes one for every record it sends, so it is written in
// pieces: JSON allows whitespace between tokens, and spaces are put where they make every piece (the head, each
// name, each position, the tail) start on a 3-byte boundary. Base64 then encodes each piece on its own: a name once
// per read, a position three digits at a time from a table, with no Buffer and no JSON.stringify per record.
import { invalid } from "../../errors.js";

export type LogPositions = Record<string, number>;

/** One log's piece of a cursor: its name (cursorName) and where it stands. */
export interface CursorPart {
  readonly cursorName: string;
  readonly position: number;
}

/** `{"v":1,"p":{`: 12 bytes. */
const HEAD = base64url('{"v":1,"p":{');
const TAIL = base64url("}}");
/** A space, then the ten digits: the characters of a position's text. */
const POSITION_CHARS = " 0123456789";
/** The base64url of every three characters of POSITION_CHARS, by (a * 11 + b) * 11 + c. */
const TRIPLES = Array.from({ length: 11 ** 3 }, (_, i) =>
  base64url(POSITION_CHARS[Math.floor(i / 121)]! + POSITION_CHARS[Math.floor(i / 11) % 11]! + POSITION_CHARS[i % 11]!),
);

/** A log's name as its cursor piece: `"name":` (after a comma unless first) and spaces up to a multiple of 3 bytes. */
export function cursorName(name: string, first: boolean): string {
  const text = `${first ? "" : ","}${JSON.stringify(name)}:`;
  return base64url(text + " ".repeat((3 - (Buffer.byteLength(text) % 3)) % 3));
}

export const encodeLogCursor = (positions: LogPositions): string =>
  encodeCursorParts(Object.entries(positions).map(([name, position], i) => ({ cursorName: cursorName(name, i === 0), position })));

/** The cursor of logs standing at these positions; the first part's name made with first = true, no other's. */
export function encodeCursorParts(parts: Iterable<CursorPart>): string {
  let cursor = HEAD;
  for (const { cursorName, position } of parts) cursor += cursorName + encodePosition(position);
  return cursor + TAIL;
}

export function decodeLogCursor(cursor: string): LogPositions {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { v?: unknown; p?: unknown };
    const p = parsed.p as Record<string, unknown> | undefined;
    if (parsed.v === 1 && p && typeof p === "object" && Object.values(p).every((n) => Number.isSafeInteger(n) && (n as number) >= 0))
      return p as LogPositions;
  } catch {
    // reported below
  }
  throw invalid("cursor", "is not a cursor this API returned");
}

/** A position's digits after spaces up to a multiple of 3, in base64url. */
function encodePosition(position: number): string {
  const digits = String(position);
  const text = digits.padStart(digits.length + ((3 - (digits.length % 3)) % 3), " ");
  let out = "";
  for (let i = 0; i < text.length; i += 3) out += TRIPLES[(charIndex(text, i) * 11 + charIndex(text, i + 1)) * 11 + charIndex(text, i + 2)];
  return out;
}

/** 0 for a space, 1 to 10 for the digits 0 to 9. */
const charIndex = (text: string, i: number): number => (text.charCodeAt(i) === 0x20 ? 0 : text.charCodeAt(i) - 0x2f);

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}
