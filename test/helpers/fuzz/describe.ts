// A failing case in a form a person can read and replay: long strings and byte runs are shortened, their length kept.
import type { FuzzMessage } from "./wire.js";

const SHOWN = 120;

export function describeMessage(message: FuzzMessage): string {
  return JSON.stringify(message, (_key, value: unknown) => {
    if (typeof value === "bigint") return `${value}n`;
    if (value instanceof Uint8Array) return `bytes(${value.length}) ${describeBytes(value)}`;
    if (typeof value === "string" && value.length > SHOWN) return `${value.slice(0, SHOWN)}… (${value.length} chars)`;
    if (Array.isArray(value) && value.length > 20) return [...value.slice(0, 20), `… (${value.length} items)`];
    return value;
  });
}

export function describeBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.subarray(0, SHOWN / 2)).toString("hex");
  return bytes.length > SHOWN / 2 ? `${hex}… (${bytes.length} bytes)` : hex;
}
