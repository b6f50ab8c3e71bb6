// aer's own version: the version of the package it was built from.
import { readFileSync } from "node:fs";

// src/cli and dist/cli are both two levels below the package root.
export const CLIENT_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
