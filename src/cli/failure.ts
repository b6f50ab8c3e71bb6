// Every failure becomes one plain line on stderr, saying what to do about it, and an exit code (exit-codes.ts).
import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { CommanderError } from "commander";
import { fileFault, resolveClientConfig, type ClientOptions } from "../client/client-config.js";
import { AuraeClientError, clientError } from "../client/errors.js";
import { AuraeError } from "../errors.js";
import { EXIT, exitCodeFor, exitCodeForKind } from "./exit-codes.js";

export interface Failure {
  readonly message: string;
  readonly exitCode: number;
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof CommanderError) return { message: "", exitCode: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  if (err instanceof AuraeClientError) return { message: clientMessage(err), exitCode: exitCodeFor(err.code) };
  if (err instanceof AuraeError) return { message: err.message, exitCode: exitCodeForKind(err.kind) };
  // Node's own file errors read "ENOENT: no such file or directory, open '/etc/aurae/pki/ca.crt'".
  if (isFileError(err)) return { message: `${err.path} ${fileFault(err)}`, exitCode: EXIT.failure };
  return { message: err instanceof Error ? err.message : String(err), exitCode: EXIT.failure };
}

const isFileError = (err: unknown): err is NodeJS.ErrnoException & { path: string } =>
  err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).path === "string";

/** Writes the failure's line (commander already wrote its own) and returns its exit code. */
export function reportFailure(err: unknown, prefix = ""): number {
  const { message, exitCode } = describeFailure(err);
  if (message) process.stderr.write(`aer: ${prefix}${message}\n`);
  return exitCode;
}

function clientMessage(err: AuraeClientError): string {
  const message = err.message.replace(/^(unauthenticated|permission denied): /i, "");
  if (err.code === "denied") return `permission denied: ${message}`;
  if (err.code === "unauthenticated" && !/^authentication failed/.test(message)) return `authentication failed: ${message}`;
  return message;
}

/**
 * grpc-js reports every failure to connect as UNAVAILABLE, often as "Failed to connect" and nothing more: a
 * certificate the daemon refused looks like a daemon that is not there. Look at what the client can see for
 * itself (its certificate's dates, the socket) and say which it is.
 */
export async function diagnose(err: unknown, options: ClientOptions): Promise<unknown> {
  if (!(err instanceof AuraeClientError) || err.code !== "unavailable") return err;
  const config = await resolveClientConfig(options).catch(() => undefined);
  if (!config) return err;
  const again = (code: Parameters<typeof clientError>[0], message: string) => clientError(code, message, { grpcCode: err.grpcCode, cause: err });
  const expiry = await certificateProblem(config.clientCrt);
  if (expiry) return again("unauthenticated", `authentication failed: ${expiry}`);
  // The client library words a failed TLS handshake so; its code is still UNAVAILABLE's.
  if (/^authentication failed/.test(err.message)) return again("unauthenticated", err.message);
  if (!config.target.startsWith("unix:")) return err;
  const socket = config.target.slice("unix:".length);
  const found = await stat(socket).then(() => "exists", (e: NodeJS.ErrnoException) => e.code);
  if (found === "ENOENT")
    return again("unavailable", `daemon not running at ${socket}: no socket there (start auraed, or pass --socket)`);
  if (found === "EACCES")
    return again("denied", `permission denied: cannot reach ${socket} (run as root, or as the socket's owner)`);
  return err;
}

async function certificateProblem(path: string): Promise<string | undefined> {
  const cert = await readFile(path).then((pem) => new X509Certificate(pem), () => undefined);
  if (!cert) return undefined;
  const now = Date.now();
  const hint = `(issue a new one with "aer pki issue")`;
  if (Date.parse(cert.validTo) < now) return `certificate expired: ${path} expired ${new Date(cert.validTo).toISOString()} ${hint}`;
  if (Date.parse(cert.validFrom) > now) return `certificate not yet valid: ${path} is valid from ${new Date(cert.validFrom).toISOString()} ${hint}`;
  return undefined;
}
