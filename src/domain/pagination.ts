import { invalid } from "../errors.js";

export interface PageRequest {
  readonly pageSize: number;
  readonly pageToken: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function validatePageSize(pageSize: number, field = "page_size"): number {
  if (pageSize === 0) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw invalid(field, `must be 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
  return pageSize;
}

/** Page tokens are the opaque, base64url-encoded key of the last item of the previous page. */
export const encodePageToken = (key: readonly string[]): string => Buffer.from(JSON.stringify(key)).toString("base64url");

export function decodePageToken(token: string, parts: number, field = "page_token"): string[] {
  if (token === "") return Array<string>(parts).fill("");
  try {
    const key: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(key) && key.length === parts && key.every((k) => typeof k === "string")) return key as string[];
  } catch {
    // reported below
  }
  throw invalid(field, "is not a token this API returned");
}
