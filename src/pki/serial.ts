// Certificate serial numbers in one form everywhere (lowercase hex, no colons, no leading zeros), so a serial from
// a policy file, from `aer pki` and from a peer's certificate compare equal.

/** The canonical form of a hex serial, or undefined when `text` is not one. */
export function canonicalSerial(text: string): string | undefined {
  const hex = text.toLowerCase().replaceAll(":", "");
  if (!/^[0-9a-f]{1,64}$/.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, "");
}
