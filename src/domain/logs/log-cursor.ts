// The resume token of a log read: each executable's global byte position, opaque to clients.
import { invalid } from "../../errors.js";

export type LogPositions = Record<string, number>;

/** A log's name as a JSON string, made once per log: a follower makes a cursor for every record it sends. */
export interface CursorPart {
  readonly jsonName: string;
  readonly position: number;
}

export const cursorPartName = (name: string): string => JSON.stringify(name);

export const encodeLogCursor = (positions: LogPositions): string =>
  encodeCursorParts(Object.entries(positions).map(([name, position]) => ({ jsonName: cursorPartName(name), position })));

/** The same text JSON.stringify({ v: 1, p: positions }) makes, written without building the object. */
export function encodeCursorParts(parts: Iterable<CursorPart>): string {
  let json = '{"v":1,"p":{';
  let first = true;
  for (const { jsonName, position } of parts) {
    json += `${first ? "" : ","}${jsonName}:${position}`;
    first = false;
  }
  return Buffer.from(`${json}}}`).toString("base64url");
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
