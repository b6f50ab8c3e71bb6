// Certificate serial numbers in one form everywhere (lowercase hex, no colons, no leading zeros), so a serial from
// a policy file, from `aer pki` and from a peer's certificate compare equal.

/** The canonical form of a hex serial, or undefined when `text` is not one. */
export function canonicalSerial(text: string): string | undefined {
  const hex = text.toLowerCase().replaceAll(":", "");
  // RFC 5280 caps serials at 20 octets, but OpenSSL accepts longer ones, so a peer may present one: accept any a
  // certificate can carry, or it could be neither denied nor revoked.
  if (!/^[0-9a-f]{1,2048}$/.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, "");
}
