// Certificate serial numbers in two forms. Compared in one canonical form (lowercase hex, no colons, no leading
// zeros), so a serial from a policy file, from `aer pki` and from a peer's certificate compare equal; shown to people
// as issued, in whole octets (`openssl x509 -serial` and `-text` keep a leading zero: 0123..., 01:23:...).

/** The canonical form of a hex serial, or undefined when `text` is not one. */
export function canonicalSerial(text: string): string | undefined {
  const hex = text.toLowerCase().replaceAll(":", "");
  // RFC 5280 caps serials at 20 octets, but OpenSSL accepts longer ones, so a peer may present one: accept any a
  // certificate can carry, or it could be neither denied nor revoked.
  if (!/^[0-9a-f]{1,2048}$/.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, "");
}

/** A serial as issued and as openssl prints it: lowercase hex in whole octets ("123" is "0123"). */
export function displaySerial(text: string): string {
  const canonical = canonicalSerial(text) ?? text;
  return canonical.length % 2 === 0 ? canonical : `0${canonical}`;
}
