// A cell that lives as long as one test: allocated under a unique name, freed with its executables afterwards.
import type { CellSpec } from "../../src/gen/aurae/cells/v1/cells.js";
import type { DeepPartial } from "../../src/client/service-client.js";
import type { TestDaemon } from "./daemon.js";
import { uniqueName } from "./names.js";

export async function cellForTest(
  aurae: TestDaemon,
  t: { after: (fn: () => Promise<unknown>) => void },
  prefix: string,
  spec: Omit<DeepPartial<CellSpec>, "name"> = {},
): Promise<string> {
  const name = uniqueName(prefix);
  await aurae.client.cells.allocate({ spec: { ...spec, name } });
  t.after(() => aurae.client.cells.free({ name, stop: true, gracePeriodMs: 1000 }));
  return name;
}
