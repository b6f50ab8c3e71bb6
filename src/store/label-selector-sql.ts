// Label selectors evaluated inside a query, so the LIMIT of a page counts matches only and a filtered List pages
// like an unfiltered one. The selector is one JSON parameter: an array of { key, operator, values }.

/** A requirement as the domain's label selector holds it (see ../domain/labels/label-selector.ts). */
export interface SelectorRequirement {
  readonly key: string;
  readonly operator: "in" | "notin" | "exists" | "!exists";
  readonly values: readonly string[];
}

/**
 * A condition true when the labels that `json_each(${labels})` reads (a JSON object of strings, or nothing) meet
 * every requirement of the named parameter, or when the parameter is NULL.
 */
export function selectorCondition(labels: string, param: string): string {
  const hasKey = `SELECT 1 FROM json_each(${labels}) AS l WHERE l.key = r.value ->> 'key'`;
  const hasValue = `SELECT 1 FROM json_each(${labels}) AS l, json_each(r.value -> 'values') AS v
                    WHERE l.key = r.value ->> 'key' AND l.value = v.value`;
  return `(${param} IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(${param}) AS r WHERE CASE r.value ->> 'operator'
    WHEN 'in' THEN NOT EXISTS (${hasValue})
    WHEN 'notin' THEN EXISTS (${hasValue})
    WHEN 'exists' THEN NOT EXISTS (${hasKey})
    ELSE EXISTS (${hasKey}) END))`;
}

/** The parameter for selectorCondition: NULL selects everything. */
export const selectorParam = (selector: readonly SelectorRequirement[] | undefined): string | null =>
  selector && selector.length > 0 ? JSON.stringify(selector) : null;
