import { invalid } from "../../errors.js";

/**
 * The domain value of a proto enum value the table maps. The wire carries any int32, and a decoder keeps numbers
 * its enum lacks, so an unknown number (or a known one the request may not use) is refused naming the field.
 */
export function enumFromProto<K extends number, T>(
  table: Readonly<Record<K, T>>,
  value: number,
  field: string,
  names: Readonly<Record<number, string>>,
): T {
  if (Object.hasOwn(table, value)) return table[value as K];
  const known = Object.keys(table).map((k) => names[Number(k)]).join(", ");
  throw invalid(field, `${names[value] ?? value} is not one of ${known}`);
}
