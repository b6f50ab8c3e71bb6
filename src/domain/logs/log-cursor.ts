// The resume token of a log read: each executable's global byte position, opaque to clients.
import { invalid } from "../../errors.js";

export type LogPositions = Record<string, number>;

export const encodeLogCursor = (positions: LogPositions): string =>
  Buffer.from(JSON.stringify({ v: 1, p: positions })).toString("base64url");

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
