// The TypeScript client library: `import { connect } from "aurae"`.
export { connect, DEFAULT_DEADLINE_MS, type AuraeClient, type ClientOf } from "./connect.js";
export { resolveClientConfig, defaultConfigPaths, DEFAULT_SOCKET, type ClientOptions } from "./client-config.js";
export {
  AuraeClientError,
  InvalidArgumentError,
  NotFoundError,
  AlreadyExistsError,
  FailedPreconditionError,
  PermissionDeniedError,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
  CancelledError,
  DeadlineExceededError,
  InternalError,
  type ClientErrorCode,
} from "./errors.js";
export type { CallOptions, DeepPartial } from "./service-client.js";
export type { ResumeOptions } from "./resume.js";
export * as cellsV1 from "../gen/aurae/cells/v1/cells.js";
export * as executablesV1 from "../gen/aurae/executables/v1/executables.js";
export * as observeV1 from "../gen/aurae/observe/v1/observe.js";
export * as eventsV1 from "../gen/aurae/events/v1/events.js";
export * as nodeV1 from "../gen/aurae/node/v1/node.js";
export { ExecutableState, RestartMode, StdinMode } from "../gen/aurae/executables/v1/executables.js";
export { LogStream } from "../gen/aurae/observe/v1/observe.js";
export { packedLogRecords, packedLogTimeUnixNano, type PackedLogRecord } from "./packed-log.js";

/** Bytes in n mebibytes, as the bigint that int64 fields take. */
export const mib = (n: number): bigint => BigInt(n) * 1024n * 1024n;
