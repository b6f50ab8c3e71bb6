// Names of cells and executables. A cell name is a path ("web/api") whose segments are also valid executable names;
// "." never appears in a name, which is what lets the runtime place an executable's leaf cgroup ("x.exe") and state
// directory ("web.api") beside cells without any chance of a clash.
import { invalid, quote } from "../errors.js";

const SEGMENT = /^[a-z0-9_-]{1,63}$/;
const MAX_CELL_DEPTH = 16;

export function validateCellName(name: string, field: string): string {
  if (name === "") throw invalid(field, "is required");
  const segments = name.split("/");
  if (segments.length > MAX_CELL_DEPTH) throw invalid(field, `nests ${segments.length} deep, at most ${MAX_CELL_DEPTH}`);
  for (const segment of segments)
    if (!SEGMENT.test(segment))
      throw invalid(field, `${quote(name)} is not a cell name: each "/"-separated segment is 1-63 characters of a-z, 0-9, "-" and "_"`);
  return name;
}

export function validateExecutableName(name: string, field: string): string {
  if (name === "") throw invalid(field, "is required");
  if (!SEGMENT.test(name)) throw invalid(field, `${quote(name)} is not an executable name: use 1-63 characters of a-z, 0-9, "-" and "_"`);
  return name;
}

/** The parent cell of "a/b/c" is "a/b"; a top-level cell has none. */
export function parentCell(name: string): string | undefined {
  const slash = name.lastIndexOf("/");
  return slash < 0 ? undefined : name.slice(0, slash);
}
