// YAML for -o yaml: the same values -o json prints (plain data: objects, arrays, strings, numbers, booleans, null),
// in block style. A string that YAML would read as something else (a number, true, null, a date, a key) is
// double-quoted; JSON's string escapes are valid in YAML's double-quoted style, so JSON.stringify quotes it.
export function toYaml(value: unknown): string {
  return `${block(value, 0).replace(/^[\n ]/, "")}\n`;
}

const PLAIN = /^[A-Za-z_/][\w./@+-]*(?: [\w./@+-]+)*$/;
const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(String(value));
}

const isCollection = (value: unknown): value is object => typeof value === "object" && value !== null;

/** `value` as it follows "key:" or "-": inline for a scalar or an empty collection, else on indented lines. */
function block(value: unknown, indent: number): string {
  const pad = "  ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return " []";
    return value.map((item) => `\n${pad}-${isCollection(item) ? inlineFirst(item, indent + 1) : ` ${scalar(item)}`}`).join("");
  }
  if (isCollection(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return " {}";
    return entries.map(([key, v]) => `\n${pad}${scalar(key)}:${isCollection(v) ? block(v, indent + 1) : ` ${scalar(v)}`}`).join("");
  }
  return ` ${scalar(value)}`;
}

/** A collection inside a sequence starts on the "-" line: "- name: web". */
function inlineFirst(item: object, indent: number): string {
  return ` ${block(item, indent).replace(/^\s+/, "")}`;
}
