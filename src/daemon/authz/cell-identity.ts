// A cell's workload identity, spiffe://<trust domain>/cells/<cell>, has these rules and no other, whatever the policy
// file says: it runs and reads executables of its cell and the cells below, and manages the cells below it, never
// its own cell's limits (an admin set them); and only as nobody (uid and gid 65534), within auraed's rlimits.
import { validateCellName } from "../../domain/names.js";
import type { SpiffeId } from "../../pki/spiffe.js";
import { NOBODY, type Rule } from "./policy.js";

const PREFIX = "/cells/";

const OWN_CELL_METHODS = [
  "aurae.executables.v1.ExecutableService/*",
  "aurae.observe.v1.ObserveService/GetLogs",
  "aurae.events.v1.EventService/*",
  "aurae.cells.v1.CellService/Get",
  "aurae.cells.v1.CellService/List",
  "aurae.cells.v1.CellService/Stats",
];

export const cellSpiffeId = (trustDomain: string, cell: string): string => `spiffe://${trustDomain}${PREFIX}${cell}`;

/** The rule of a cell's own identity, or none for any other ID. */
export function cellIdentityRules(trustDomain: string): (id: SpiffeId) => readonly Rule[] {
  return (id) => {
    if (id.trustDomain !== trustDomain || !id.path.startsWith(PREFIX)) return [];
    const cell = id.path.slice(PREFIX.length);
    try {
      validateCellName(cell, "cell");
    } catch {
      return [];
    }
    const name = `identity of cell ${cell}`;
    return [
      { name, identities: [id.id], role: undefined, methods: OWN_CELL_METHODS, cells: [cell], runAsRoot: false, uids: NOBODY, gids: NOBODY },
      { name, identities: [id.id], role: "operator", methods: [], cells: [`${cell}/*`], runAsRoot: false, uids: NOBODY, gids: NOBODY },
    ];
  };
}
