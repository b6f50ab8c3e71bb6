// The `WWW-Authenticate` challenge of a registry's 401 (RFC 7235 section 4.1; the distribution token spec,
// docs/spec/auth/token.md): `Bearer realm="https://auth.example/token",service="registry",scope="repository:x:pull"`.

export interface Challenge {
  /** Lowercased: `bearer` or `basic`. */
  readonly scheme: string;
  /** Parameter names lowercased, values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

// auth-param = token "=" ( token / quoted-string ); a quoted-string may escape any character with a backslash.
const PARAM = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;

/** The challenges in one header value; several schemes may be offered, comma-separated. */
export function parseChallenges(header: string): Challenge[] {
  const found: Challenge[] = [];
  let rest = header.trim();
  while (rest !== "") {
    const scheme = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*/.exec(rest);
    if (!scheme?.[1]) break;
    rest = rest.slice(scheme[0].length);
    const params: Record<string, string> = {};
    PARAM.lastIndex = 0;
    let m: RegExpExecArray | null;
    let consumed = 0;
    while ((m = PARAM.exec(rest)) !== null && m[0] !== "") {
      const name = m[1] ?? "";
      params[name.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "");
      consumed = PARAM.lastIndex;
    }
    found.push({ scheme: scheme[1].toLowerCase(), params });
    rest = rest.slice(consumed).replace(/^[\s,]+/, "");
  }
  return found;
}
