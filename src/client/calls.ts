// One gRPC call, unary or server-streaming, the way every client method makes it: encoded with the generated message
// type, cancelled by an AbortSignal, bounded by a deadline, and failing with an AuraeClientError.
import * as grpc from "@grpc/grpc-js";
import { CancelledError, cancelled, clientErrorFrom, UnavailableError, type AuraeClientError } from "./errors.js";

/** The wire half of a generated message type (ts-proto's MessageFns). */
export interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}
export interface Decoder<T> {
  decode(input: Uint8Array): T;
}

export interface Call<Req, Res> {
  readonly path: string;
  readonly requestType: Encoder<Req>;
  readonly responseType: Decoder<Res>;
  readonly signal: AbortSignal | undefined;
  /** Absolute; undefined: none. */
  readonly deadline: Date | undefined;
}

/** The channel and where it leads, for error messages. */
export interface Channel {
  readonly client: grpc.Client;
  readonly target: string;
}

export function unaryCall<Req, Res>(channel: Channel, call: Call<Req, Res>, request: Req): Promise<Res> {
  // grpc-js fails a call from its own callbacks, so the error's stack would hold none of the caller's code: take the
  // stack of the call instead, so that a script's uncaught error names the script's line.
  const callerFrames = new Error().stack!.split("\n").slice(2).join("\n");
  return new Promise((resolve, reject) => {
    if (call.signal?.aborted) return reject(cancelled(call.signal));
    const pending = channel.client.makeUnaryRequest<Req, Res>(
      call.path,
      serializer(call.requestType),
      (bytes) => call.responseType.decode(bytes),
      request,
      new grpc.Metadata(),
      { deadline: call.deadline ?? Infinity },
      (err, response) => {
        call.signal?.removeEventListener("abort", cancel);
        if (!err) return resolve(response!);
        const error = callError(err, channel, call);
        error.stack = `${error.name}: ${error.message}\n${callerFrames}`;
        reject(error);
      },
    );
    const cancel = (): void => pending.cancel();
    call.signal?.addEventListener("abort", cancel, { once: true });
  });
}

/**
 * The responses of a server stream. `onEstablished` is called once the call is known to have reached the daemon (a
 * response arrived, or the channel was connected while it ran): a reconnect is only worth trying after that.
 */
export async function* streamCall<Req, Res>(
  channel: Channel,
  call: Call<Req, Res>,
  request: Req,
  onEstablished: () => void = () => undefined,
): AsyncGenerator<Res> {
  if (call.signal?.aborted) throw cancelled(call.signal);
  const stream = channel.client.makeServerStreamRequest<Req, Res>(
    call.path,
    serializer(call.requestType),
    (bytes) => call.responseType.decode(bytes),
    request,
    new grpc.Metadata(),
    { deadline: call.deadline ?? Infinity },
  );
  const cancel = (): void => stream.cancel();
  call.signal?.addEventListener("abort", cancel, { once: true });
  const connected = watchConnected(channel.client.getChannel(), onEstablished);
  try {
    for await (const message of stream) {
      onEstablished();
      yield message as Res;
    }
  } catch (err) {
    throw callError(err, channel, call);
  } finally {
    connected.stop();
    call.signal?.removeEventListener("abort", cancel);
    stream.cancel(); // a consumer that stops early ends the call; after the end this is a no-op
  }
}

/**
 * What a failed call throws. A CANCELLED the caller did not ask for comes from the server: auraed cancels the calls
 * still open when its shutdown grace period ends, so it means the daemon is going away.
 */
function callError(err: unknown, channel: Channel, call: Call<unknown, unknown>): AuraeClientError {
  if (call.signal?.aborted) return cancelled(call.signal);
  const error = clientErrorFrom(err, channel.target);
  if (!(error instanceof CancelledError)) return error;
  return new UnavailableError(`daemon at ${channel.target} ended the call (${error.message}): it is shutting down`, {
    grpcCode: error.grpcCode,
    cause: err,
  });
}

const serializer =
  <T>(type: Encoder<T>) =>
  (value: T): Buffer =>
    Buffer.from(type.encode(value).finish());

/**
 * Calls `onReady` if the channel is or becomes READY before `stop()`. A following stream that has received nothing
 * yet is still established once its channel connected: the daemon holds it open, and a drop is then a reconnect.
 */
function watchConnected(channel: ReturnType<grpc.Client["getChannel"]>, onReady: () => void): { stop(): void } {
  let stopped = false;
  const watch = (state: grpc.connectivityState): void => {
    if (stopped) return;
    if (state === grpc.connectivityState.READY) return onReady();
    if (state === grpc.connectivityState.SHUTDOWN) return;
    channel.watchConnectivityState(state, Infinity, () => watch(channel.getConnectivityState(false)));
  };
  watch(channel.getConnectivityState(false));
  return { stop: () => (stopped = true) };
}
