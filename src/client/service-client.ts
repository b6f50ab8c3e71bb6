// Typed, promise-based clients derived from the generated service definitions: unary methods return promises,
// server-streaming methods return async iterables, and every call takes an AbortSignal and a deadline.
import * as grpc from "@grpc/grpc-js";
import { clientErrorFrom } from "./errors.js";

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds from now, or an absolute Date. */
  readonly deadline?: number | Date;
}

interface MethodDefinition {
  readonly path: string;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: never) => Buffer;
  readonly responseDeserialize: (value: Buffer) => unknown;
}

type RequestOf<M> = M extends { requestSerialize: (value: infer R) => Buffer } ? R : never;
type ResponseOf<M> = M extends { responseDeserialize: (value: Buffer) => infer R } ? R : never;

/** Builds a full request from a partial one (the generated `fromPartial`). */
interface RequestBuilder<R> {
  fromPartial(partial: never): R;
}

/** What a caller passes for a request: any field may be left out (it takes the protobuf default). */
export type DeepPartial<T> = T extends bigint
  ? bigint | number | string
  : T extends Date | Buffer | Uint8Array | string | number | boolean | undefined
    ? T
    : T extends readonly (infer U)[]
      ? DeepPartial<U>[]
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : T;

export type ServiceClient<D> = {
  readonly [K in keyof D]: D[K] extends { responseStream: true }
    ? (request: DeepPartial<RequestOf<D[K]>>, options?: CallOptions) => AsyncIterable<ResponseOf<D[K]>>
    : (request: DeepPartial<RequestOf<D[K]>>, options?: CallOptions) => Promise<ResponseOf<D[K]>>;
};

export function serviceClient<
  D extends { readonly [K in keyof D]: MethodDefinition },
  B extends { [K in keyof D]: RequestBuilder<RequestOf<D[K]>> },
>(channel: grpc.Client, target: string, definition: D, builders: B): ServiceClient<D> {
  const client: Record<string, unknown> = {};
  for (const key of Object.keys(definition) as (keyof D & string)[]) {
    const method = definition[key];
    const build = (partial: unknown): never => builders[key].fromPartial(partial as never) as never;
    client[key] = method.responseStream
      ? (request: unknown, options?: CallOptions) => streamCall(channel, target, method, build(request), options)
      : (request: unknown, options?: CallOptions) => unaryCall(channel, target, method, build(request), options);
  }
  return client as ServiceClient<D>;
}

function unaryCall(
  channel: grpc.Client,
  target: string,
  method: MethodDefinition,
  request: never,
  options: CallOptions = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const call = channel.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new grpc.Metadata(),
      grpcCallOptions(options),
      (err, response) => (err ? reject(clientErrorFrom(err, target)) : resolve(response)),
    );
    options.signal?.addEventListener("abort", () => call.cancel(), { once: true });
  });
}

async function* streamCall(
  channel: grpc.Client,
  target: string,
  method: MethodDefinition,
  request: never,
  options: CallOptions = {},
): AsyncGenerator<unknown> {
  options.signal?.throwIfAborted();
  const call = channel.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request,
    new grpc.Metadata(),
    grpcCallOptions(options),
  );
  const cancel = (): void => call.cancel();
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    for await (const message of call) yield message;
  } catch (err) {
    throw clientErrorFrom(err, target);
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    call.cancel(); // a consumer that stops early ends the call; after the end this is a no-op
  }
}

function grpcCallOptions(options: CallOptions): Partial<grpc.CallOptions> {
  if (options.deadline === undefined) return {};
  return { deadline: options.deadline instanceof Date ? options.deadline : Date.now() + options.deadline };
}
