import { randomBytes } from "node:crypto";

/** A name no other test run uses: `prefix-7c1e9a`. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString("hex")}`;
