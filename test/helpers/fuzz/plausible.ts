// Plausible values, so random requests also get past the first check and reach deep into handlers: names of cells
// and executables that exist, cursors, tokens and sequences the daemon handed out (harvested from every answer by
// field name), and values a field of that name usually takes. Field names, not methods, select them, so services
// added to the API get plausible values too.
import protobuf from "protobufjs";
import { validateCellName, validateExecutableName } from "../../../src/domain/names.js";
import type { Random } from "./random.js";

/** Values a field of this name (or map key, as "env.key") takes: good ones, then near misses. */
const KNOWN_STRINGS: Readonly<Record<string, readonly [good: readonly string[], nearMisses: readonly string[]]>> = {
  level: [["trace", "debug", "info", "warn", "error", "fatal", ""], ["WARN", "verbose"]],
  kinds: [["cell.allocated", "cell.", "executable.", "executable.exited", "daemon.", "node.leftover_removed"], ["nope", "Cell.Freed", ""]],
  cwd: [["/", "/tmp"], ["/proc/self", "/nonexistent", "relative", "../x", "a/../b", "/tmp/../..", `/${"d/".repeat(2100)}`]],
  user: [["root", "nobody", "0", "65534"], ["nosuchuser", "4294967295", "99999999999", "-1", "root:root"]],
  group: [["root", "nogroup", "0", "65534"], ["nosuchgroup", "4294967296", "wheel"]],
  supplementary_groups: [["root", "0", "65534"], ["nosuchgroup", "4294967295"]],
  resource: [["nofile", "nproc", "core", "cpu", "as", "stack"], ["NOFILE", "nosuch", ""]],
  device: [["8:0", "1:3", "/dev/null"], ["/dev/sda", "/dev/vda", "4095:1048575", "4096:0", "/dev/../etc/passwd", "/dev/null/x", "/dev/nosuch"]],
  cpus: [["0", "0-1", "1", "0,1"], ["0-999", "1-0", "99999999999999999999", "a", ","]],
  mems: [["0", ""], ["1", "0-1", "7"]],
  argv: [["hello", "-n", "", "a b", "ünï", "$HOME"], ["\0"]],
  "env.key": [["PATH", "HOME", "LANG", "_", "a-b.c", "LD_PRELOAD"], ["A B", "A=B", "1A", "ÜNÏ", ""]],
  "labels.key": [["app", "tier", "example.com/app", "a.b_c-D9"], ["", "-app", "a/b/c", "/app", "Example.com/app", "a b", "x".repeat(64)]],
  label_selector: [["", "app=web", "app==web,tier!=db", "!app", "tier", "env in (a,b)", "env notin (a,)"], ["app in (", "a,,b", "app=web,", "a b", "env in ()", "-a=b", "a>1"]],
};
/** Ranges an integer field of this name usually takes: [pattern, min, max]. */
const KNOWN_INTEGERS: readonly (readonly [RegExp, number, number])[] = [
  [/signal$/, 1, 64],
  [/grace_period_ms$/, 0, 300],
  [/max_delay_ms$/, 100, 5000],
  [/page_size$/, 0, 5],
  [/^tail$/, 0, 20],
  [/umask$/, 0, 0o777],
  [/weight$/, 1, 10_000],
  [/_bytes$/, 1 << 20, 1 << 30],
  [/_us$/, 1000, 1_000_000],
  [/max_restarts$/, 0, 5],
  [/(^|_)max$/, 1, 1000],
  [/(iops|per_second)$/, 1, 1e9],
  [/^soft$/, 0, 1024],
  [/^hard$/, 1024, 65_536],
  [/^seconds$/, Math.floor(Date.now() / 1000) - 86_400, Math.floor(Date.now() / 1000) + 60],
  [/^nanos$/, 0, 999_999_999],
];

const HARVEST_CAP = 64;

export class Plausible {
  readonly #pools = new Map<string, string[]>();
  #fresh = 0;

  /** `prefix` starts every cell name the run makes up, so what the run creates is recognisably its own. */
  constructor(readonly prefix: string) {}

  /** A value for a string field, a near miss with that chance; undefined when nothing plausible is known. */
  string(type: protobuf.Type, field: protobuf.Field, rng: Random, nearMiss: number, key = poolKey(type, field.name)): string | undefined {
    const [good, nearMisses] = KNOWN_STRINGS[key] ?? [[], []];
    const pool = [...(nearMisses.length > 0 && rng.chance(nearMiss) ? nearMisses : good), ...this.values(this.#scoped(type, key))];
    // A name nobody used yet, often enough for creating calls to create.
    if (key.endsWith("_name") && (pool.length === 0 || rng.chance(0.3)))
      return key.endsWith("cell_name") ? this.freshCellName(rng) : `x${this.#fresh++}`;
    if (/(cursor|token)$/.test(key) && pool.length > 0) pool.push(mutate(rng.pick(pool), rng));
    return pool.length > 0 ? rng.pick(pool) : undefined;
  }

  /** A value for an integer field; undefined when nothing plausible is known. */
  integer(type: protobuf.Type, field: protobuf.Field, rng: Random): bigint | undefined {
    const harvested = this.values(poolKey(type, field.name)).filter((v) => /^-?\d+$/.test(v));
    if (harvested.length > 0 && rng.chance(0.7)) return BigInt(rng.pick(harvested));
    const range = KNOWN_INTEGERS.find(([pattern]) => pattern.test(field.name));
    return range && BigInt(rng.int(range[1], range[2]));
  }

  /** A cell name nobody has used yet: top-level under the prefix, or below a cell this run knows. */
  freshCellName(rng: Random): string {
    const cells = this.values("cell_name").filter((c) => c.startsWith(this.prefix) && c.split("/").length < 4);
    const name = `${this.prefix}-${this.#fresh++}`;
    return cells.length > 0 && rng.chance(0.4) ? `${rng.pick(cells)}/c${this.#fresh++}` : name;
  }

  add(key: string, value: string): void {
    // Answers also echo what callers asked for (the audit log does): only valid names are plausible ones.
    if (key.endsWith("cell_name") ? !isValid(validateCellName, value) : key.endsWith("_name") && !isValid(validateExecutableName, value)) return;
    const pool = this.#pools.get(key) ?? [];
    if (pool.includes(value)) return;
    if (pool.length >= HARVEST_CAP) pool.shift();
    pool.push(value);
    this.#pools.set(key, pool);
  }

  /** What the daemon handed out for a field of this name: "after_sequence" also finds "sequence". */
  values(key: string): string[] {
    return [...(this.#pools.get(key) ?? []), ...(this.#pools.get(key.replace(/^(after|before)_/, "")) ?? [])];
  }

  /** Tokens and cursors of one service are not another's: they are kept apart by the message's package. */
  #scoped(type: protobuf.Type, key: string): string {
    return /(cursor|token)$/.test(key) ? `${packageOf(type)}:${key}` : key;
  }

  /** Remembers every string and integer of an answer under its field's pool key ("next_page_token" as "page_token"). */
  harvest(type: protobuf.Type, message: Record<string, unknown>): void {
    for (const field of type.fieldsArray) {
      const value = message[field.name];
      if (value === undefined || value === null || field.map) continue;
      for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
        if (field.resolvedType instanceof protobuf.Type) this.harvest(field.resolvedType, item as Record<string, unknown>);
        else if (typeof item === "string" && item !== "" && !(field.resolvedType instanceof protobuf.Enum))
          this.add(this.#scoped(type, poolKey(type, field.name).replace(/^next_/, "")), item);
      }
    }
  }
}

/**
 * The pool a field draws from. A bare "name" says whose name by its message: CellSpec.name and FreeRequest.name of
 * package aurae.cells.v1 are both "cell_name"; every other field is its own name.
 */
export function poolKey(type: protobuf.Type, fieldName: string): string {
  if (fieldName !== "name") return fieldName;
  const entity = /(Request|Response)$/.test(type.name)
    ? (type.parent?.parent?.name ?? "").replace(/s$/, "")
    : type.name.replace(/(Spec|Status)$/, "");
  return `${entity.replace(/(?<=[a-z0-9])([A-Z])/g, "_$1").toLowerCase()}_name`;
}

const packageOf = (type: protobuf.Type): string => type.fullName.slice(1, type.fullName.lastIndexOf("."));

export function isValid(validate: (value: string, field: string) => string, value: string): boolean {
  try {
    validate(value, "name");
    return true;
  } catch {
    return false;
  }
}

/** A token that is nearly one the daemon gave: cut short, one character changed, or with more after it. */
function mutate(token: string, rng: Random): string {
  const at = rng.int(0, Math.max(0, token.length - 1));
  switch (rng.int(0, 2)) {
    case 0:
      return token.slice(0, at);
    case 1:
      return `${token.slice(0, at)}${String.fromCharCode(rng.int(33, 126))}${token.slice(at + 1)}`;
    default:
      return `${token}${rng.pick(["A", "==", "\0", "%", "eyJ2IjoxfQ"])}`;
  }
}
