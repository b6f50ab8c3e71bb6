// Labels of cells and executables, with Kubernetes' rules (apimachinery validation IsQualifiedName and
// IsValidLabelValue), so what a CRI client or a kubectl user writes is taken as it is.
import { invalid, quote } from "../../errors.js";

export type Labels = Readonly<Record<string, string>>;

const NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/;
const MAX_NAME_CHARS = 63;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const MAX_PREFIX_CHARS = 253;
// Kubernetes bounds only an object's whole metadata; a node keeps every spec in memory and on each List page, so
// labels get bounds of their own, far above what selectors are used with.
export const MAX_LABELS = 64;
export const MAX_LABELS_CHARS = 16_384;

/** Every key and value checked; an error names the label (`spec.labels["app"]`) and what is wrong with it. */
export function validateLabels(labels: Labels, field: string): Labels {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) throw invalid(field, `has ${entries.length} labels, at most ${MAX_LABELS}`);
  const chars = entries.reduce((n, [key, value]) => n + key.length + value.length, 0);
  if (chars > MAX_LABELS_CHARS) throw invalid(field, `keys and values take ${chars} characters, at most ${MAX_LABELS_CHARS}`);
  for (const [key, value] of entries) {
    const at = `${field}[${quote(key)}]`;
    const keyFault = labelKeyFault(key);
    if (keyFault) throw invalid(at, `is not a label key: ${keyFault}`);
    const valueFault = labelValueFault(value);
    if (valueFault) throw invalid(at, `value ${quote(value)} is not a label value: ${valueFault}`);
  }
  return labels;
}

/** Why `key` is not a label key ("prefix/name" or "name"), or undefined when it is one. */
export function labelKeyFault(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return 'at most one "/", between the prefix and the name';
  if (parts.length === 2) {
    const prefix = parts[0]!;
    if (prefix === "" || prefix.length > MAX_PREFIX_CHARS || !DNS_SUBDOMAIN.test(prefix))
      return `the prefix before "/" must be a DNS subdomain (lowercase a-z, 0-9, "-" and ".", at most ${MAX_PREFIX_CHARS} characters)`;
  }
  return nameFault(parts.at(-1)!);
}

/** Why `value` is not a label value, or undefined when it is one (the empty value is one). */
export const labelValueFault = (value: string): string | undefined => (value === "" ? undefined : nameFault(value));

function nameFault(name: string): string | undefined {
  if (name.length > MAX_NAME_CHARS) return `at most ${MAX_NAME_CHARS} characters, got ${name.length}`;
  if (!NAME.test(name)) return 'use A-Z, a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit';
  return undefined;
}
