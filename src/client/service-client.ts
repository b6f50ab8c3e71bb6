// Typed, promise-based clients derived from the generated service definitions (ts-proto's generic definitions):
// unary methods return promises, server-streaming methods async iterables, and every call takes an AbortSignal and
// a deadline. Streams named resumable continue across a reconnect.
import { streamCall, unaryCall, type Channel, type Decoder, type Encoder } from "./calls.js";
import { resumingStream, type ResumeFrom, type ResumeOptions } from "./resume.js";

export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds from now, or an absolute Date. Default: the client's default deadline for calls that do not wait
   * for a workload (see ClientOptions.deadlineMs); none for streams. */
  readonly deadline?: number | Date;
  /** For a resumable stream (logs, daemon logs, events, audit): false to end with UnavailableError when the
   * connection drops instead of picking up again after the last response; or how to reconnect. Default: the
   * client's. A stream that dropped before its first response starts over with its request, so a `fromNow` watch
   * or a `tail` read then starts from the moment it reconnected. */
  readonly resume?: boolean | ResumeOptions;
}

export interface MethodDefinition {
  readonly name: string;
  readonly requestType: Encoder<never> & { fromPartial(partial: never): unknown };
  readonly responseType: Decoder<unknown>;
  readonly responseStream: boolean;
}

export interface ServiceDefinition {
  readonly fullName: string;
  readonly methods: { readonly [method: string]: MethodDefinition };
}

export type RequestOf<M> = M extends { requestType: { decode(input: never): infer R } } ? R : never;
export type ResponseOf<M> = M extends { responseType: { decode(input: never): infer R } } ? R : never;

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

type Methods<S extends ServiceDefinition> = S["methods"];

export type ServiceClient<S extends ServiceDefinition> = {
  readonly [K in keyof Methods<S>]: Methods<S>[K] extends { responseStream: true }
    ? (request?: DeepPartial<RequestOf<Methods<S>[K]>>, options?: CallOptions) => AsyncIterable<ResponseOf<Methods<S>[K]>>
    : (request?: DeepPartial<RequestOf<Methods<S>[K]>>, options?: CallOptions) => Promise<ResponseOf<Methods<S>[K]>>;
};

/** Per method of a service: how a resumable stream continues after a response. */
export type ResumeTable<S extends ServiceDefinition> = {
  readonly [K in keyof Methods<S>]?: ResumeFrom<RequestOf<Methods<S>[K]>, ResponseOf<Methods<S>[K]>>;
};

export interface ServiceClientOptions<S extends ServiceDefinition> {
  /** Deadline of a call given none, in ms; 0: none. */
  readonly defaultDeadlineMs: number;
  /** Methods the default deadline does not apply to: their duration is the point. */
  readonly waiting?: readonly (keyof Methods<S>)[];
  readonly resumable?: ResumeTable<S>;
  /** false: streams do not resume unless a call asks. */
  readonly resume: ResumeOptions | false;
}

export function serviceClient<S extends ServiceDefinition>(
  channel: Channel,
  definition: S,
  options: ServiceClientOptions<S>,
): ServiceClient<S> {
  const client: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const path = `/${definition.fullName}/${method.name}`;
    const build = (partial: unknown = {}): never => method.requestType.fromPartial(partial as never) as never;
    const call = (callOptions: CallOptions, defaultDeadlineMs: number) => ({
      path,
      requestType: method.requestType,
      responseType: method.responseType,
      signal: callOptions.signal,
      deadline: absoluteDeadline(callOptions.deadline ?? (defaultDeadlineMs > 0 ? defaultDeadlineMs : undefined)),
    });
    if (!method.responseStream) {
      const deadlineMs = options.waiting?.includes(key) ? 0 : options.defaultDeadlineMs;
      client[key] = (request?: unknown, callOptions: CallOptions = {}) =>
        unaryCall(channel, call(callOptions, deadlineMs), build(request));
      continue;
    }
    const resumeFrom = options.resumable?.[key] as ResumeFrom<never, unknown> | undefined;
    client[key] = (request?: unknown, callOptions: CallOptions = {}) => {
      const streamOf = call(callOptions, 0);
      const resume = resumeFrom && resumeOptions(callOptions.resume, options.resume);
      if (!resume) return streamCall(channel, streamOf, build(request));
      const open = (req: never, onEstablished: () => void) => streamCall(channel, streamOf, req, onEstablished);
      return resumingStream(open, build(request), resumeFrom, resume, callOptions.signal);
    };
  }
  return client as ServiceClient<S>;
}

/** A call's own resume choice over the client's. */
function resumeOptions(own: CallOptions["resume"], client: ResumeOptions | false): ResumeOptions | undefined {
  if (own === false) return undefined;
  if (own === undefined) return client === false ? undefined : client;
  return own === true ? (client === false ? {} : client) : own;
}

const absoluteDeadline = (deadline: number | Date | undefined): Date | undefined =>
  deadline === undefined || deadline instanceof Date ? deadline : new Date(Date.now() + deadline);
