// gRPC server reflection (https://github.com/grpc/grpc/blob/master/doc/server-reflection.md), answered from the
// descriptors `npm run gen` writes (src/gen/descriptor-set.ts), in place of @grpc/reflection, which parses every
// .proto with proto-loader and indexes it with protobufjs at start (~15 MiB of the idle daemon). The descriptors are
// imported on the first reflection call, so a daemon nobody inspects never loads them.
import { status } from "@grpc/grpc-js";
import type { Logger } from "pino";
import {
  ServerReflectionService,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
  type ServerReflectionServer,
} from "../../gen/grpc/reflection/v1/reflection.js";
import { bidiStream } from "../rpc.js";

export { ServerReflectionService };

type DescriptorSet = typeof import("../../gen/descriptor-set.js");

/**
 * v1alpha, which older clients ask for (grpcurl before 1.8.8, grpc_cli): the same messages on the wire as v1 (v1 is
 * v1alpha renamed), under the old package.
 */
export const ServerReflectionV1alphaService = {
  serverReflectionInfo: {
    ...ServerReflectionService.serverReflectionInfo,
    path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
  },
} as const;

export interface ReflectionServiceDeps {
  readonly log: Logger;
}

export const reflectionService = ({ log }: ReflectionServiceDeps): ServerReflectionServer => ({
  serverReflectionInfo: bidiStream(log, async function* (requests: AsyncIterable<ServerReflectionRequest>) {
    const set = await import("../../gen/descriptor-set.js");
    for await (const request of requests) yield answer(set, request);
  }),
});

/** The answer to one request of the stream; a failure is an error_response in it, and the stream goes on. */
export function answer(set: DescriptorSet, request: ServerReflectionRequest): ServerReflectionResponse {
  const response: ServerReflectionResponse = { validHost: request.host, originalRequest: request };
  const notFound = (errorMessage: string): ServerReflectionResponse => ({
    ...response,
    errorResponse: { errorCode: status.NOT_FOUND, errorMessage },
  });
  const files = (name: string): ServerReflectionResponse => ({
    ...response,
    fileDescriptorResponse: { fileDescriptorProto: withImports(set, name) },
  });

  if (request.listServices !== undefined)
    return { ...response, listServicesResponse: { service: set.SERVICES.map((name) => ({ name })) } };
  if (request.fileByFilename !== undefined) {
    const name = request.fileByFilename;
    return set.FILES.some((f) => f.name === name) ? files(name) : notFound(`file not found: ${name}`);
  }
  if (request.fileContainingSymbol !== undefined) {
    const symbol = request.fileContainingSymbol;
    return Object.hasOwn(set.SYMBOLS, symbol) ? files(set.SYMBOLS[symbol]!) : notFound(`symbol not found: ${symbol}`);
  }
  if (request.fileContainingExtension !== undefined) {
    const { containingType, extensionNumber } = request.fileContainingExtension;
    const file = Object.hasOwn(set.EXTENSIONS, containingType) ? set.EXTENSIONS[containingType]![extensionNumber] : undefined;
    return file ? files(file) : notFound(`extension not found: ${containingType} field ${extensionNumber}`);
  }
  if (request.allExtensionNumbersOfType !== undefined) {
    const type = request.allExtensionNumbersOfType;
    if (!Object.hasOwn(set.SYMBOLS, type)) return notFound(`type not found: ${type}`);
    const numbers = Object.keys(set.EXTENSIONS[type] ?? {}).map(Number);
    return { ...response, allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: numbers } };
  }
  return {
    ...response,
    errorResponse: { errorCode: status.INVALID_ARGUMENT, errorMessage: "message_request: none of its fields is set" },
  };
}

/** The file's descriptor first, then those of every file it imports, directly or not, each once. */
function withImports(set: DescriptorSet, name: string): Buffer[] {
  const byName = new Map(set.FILES.map((f) => [f.name, f]));
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const dependency of byName.get(file)?.dependencies ?? []) visit(dependency);
  };
  visit(name);
  return [...seen].map((file) => Buffer.from(byName.get(file)!.descriptor, "base64"));
}
