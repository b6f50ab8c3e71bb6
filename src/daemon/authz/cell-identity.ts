// A cell's workload identity, spiffe://<trust domain>/cells/<cell>, is an operator of its own cell tree and of
// nothing else: a rule every policy has, whatever its file says.
import { validateCellName } from "../../domain/names.js";
import type { SpiffeId } from "../../pki/spiffe.js";
import type { Rule } from "./policy.js";

const PREFIX = "/cells/";

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
    return [{ name: `identity of cell ${cell}`, identities: [id.id], role: "operator", methods: [], cells: [cell] }];
  };
}
