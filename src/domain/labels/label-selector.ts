// Label selectors in Kubernetes syntax (apimachinery labels.Parse), parsed once into requirements that the store
// evaluates where it pages, so a filtered List is still one page of matches at a time.
import { invalid, quote } from "../../errors.js";
import { labelKeyFault, labelValueFault } from "./labels.js";

/**
 * One requirement on a label: `in` and `notin` compare its value with `values` ("a=b" is `in` with one value, "a!=b"
 * `notin`); `notin` and `!exists` also match when the label is absent, as in Kubernetes.
 */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: "in" | "notin" | "exists" | "!exists";
  readonly values: readonly string[];
}

/** Every requirement must hold; no requirement selects everything. */
export type LabelSelector = readonly LabelRequirement[];

// A selector travels in every List and Watch request; one far longer than any label set could need is a mistake.
const MAX_SELECTOR_CHARS = 16_384;
const KEY = String.raw`([^\s=!(),]+)`;
const EXISTS = new RegExp(`^${KEY}$`);
const NOT_EXISTS = new RegExp(String.raw`^!\s*${KEY}$`);
const EQUALITY = new RegExp(String.raw`^${KEY}\s*(==|!=|=)\s*([^\s=!(),]*)$`);
const SET = new RegExp(String.raw`^${KEY}\s+(in|notin)\s*\(([^()]*)\)$`);
const SYNTAX = "use key=value, key==value, key!=value, key, !key, key in (v1,v2) or key notin (v1,v2), separated by commas";

/** The requirements of `text` ("app=web,tier!=db"); an empty text selects everything. */
export function parseLabelSelector(text: string, field = "label_selector"): LabelSelector {
  if (text.length > MAX_SELECTOR_CHARS) throw invalid(field, `is ${text.length} characters long, at most ${MAX_SELECTOR_CHARS}`);
  if (text.trim() === "") return [];
  return splitRequirements(text).map((raw) => parseRequirement(raw.trim(), field));
}

/** Splits at the commas outside parentheses: "a in (x,y),b" is two requirements. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")") depth--;
    else if (text[i] === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return [...parts, text.slice(start)];
}

function parseRequirement(raw: string, field: string): LabelRequirement {
  if (raw === "") throw invalid(field, `has an empty requirement (a comma too many): ${SYNTAX}`);
  let match: RegExpExecArray | null;
  if ((match = EXISTS.exec(raw))) return requirement(field, match[1]!, "exists", []);
  if ((match = NOT_EXISTS.exec(raw))) return requirement(field, match[1]!, "!exists", []);
  if ((match = EQUALITY.exec(raw))) return requirement(field, match[1]!, match[2] === "!=" ? "notin" : "in", [match[3]!]);
  if ((match = SET.exec(raw))) {
    if (match[3]!.trim() === "") throw invalid(field, `${quote(raw)} has no values: "${match[2]}" needs at least one`);
    const values = [...new Set(match[3]!.split(",").map((v) => v.trim()))];
    return requirement(field, match[1]!, match[2] as "in" | "notin", values);
  }
  throw invalid(field, `${quote(raw)} is not a requirement: ${SYNTAX}`);
}

function requirement(field: string, key: string, operator: LabelRequirement["operator"], values: string[]): LabelRequirement {
  const keyFault = labelKeyFault(key);
  if (keyFault) throw invalid(field, `${quote(key)} is not a label key: ${keyFault}`);
  for (const value of values) {
    const valueFault = labelValueFault(value);
    if (valueFault) throw invalid(field, `${quote(value)} (of ${quote(key)}) is not a label value: ${valueFault}`);
  }
  return { key, operator, values };
}
