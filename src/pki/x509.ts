// The one place @peculiar/x509 is loaded. Its dependency injection container (tsyringe) needs the Reflect metadata
// polyfill installed before it is evaluated, and ES modules evaluate imports in order, so this import comes first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";

export * as x509 from "@peculiar/x509";

// Passed to every @peculiar/x509 call that takes one rather than set with `cryptoProvider.set()`: importing this
// module changes no global state.
export const crypto = webcrypto;
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
