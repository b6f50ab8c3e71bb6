// A grpc-js client that sends request bytes as they are and hands back response bytes undecoded: the only way to
// put bytes no encoder would write on the wire, and to see what status the daemon answers them with.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import type { TestDaemon } from "../daemon.js";
import type { RpcMethod } from "./api-schema.js";

export interface CallOutcome {
  readonly code: grpc.status;
  readonly details: string;
  readonly responses: Buffer[];
}

const passThrough = (bytes: Buffer): Buffer => bytes;

export class RawClient {
  readonly #client: grpc.Client;

  private constructor(client: grpc.Client) {
    this.#client = client;
  }

  /** Connects to the daemon's socket as its admin, over mutual TLS. */
  static async connect(aurae: TestDaemon): Promise<RawClient> {
    const [key, cert] = await Promise.all([readFile(join(aurae.pki.clientDir, "admin.key")), readFile(join(aurae.pki.clientDir, "admin.crt"))]);
    const credentials = grpc.credentials.createSsl(Buffer.from(aurae.pki.ca.certPem), key, cert);
    return new RawClient(new grpc.Client(`unix:${aurae.socketPath}`, credentials, { "grpc.ssl_target_name_override": "localhost" }));
  }

  /** One call with one request message, whatever the method's kind; resolves with its final status. */
  call(method: RpcMethod, request: Buffer, deadlineMs: number): Promise<CallOutcome> {
    const options = { deadline: Date.now() + deadlineMs };
    const metadata = new grpc.Metadata();
    return new Promise((resolve) => {
      const responses: Buffer[] = [];
      const done = (err: grpc.ServiceError | null): void =>
        resolve({ code: err?.code ?? grpc.status.OK, details: err?.details ?? "", responses });
      const unaryDone = (err: grpc.ServiceError | null, response?: Buffer): void => {
        if (response) responses.push(response);
        done(err);
      };
      const c = this.#client;
      if (!method.clientStreaming && !method.serverStreaming) {
        c.makeUnaryRequest(method.path, passThrough, passThrough, request, metadata, options, unaryDone);
        return;
      }
      if (method.clientStreaming && !method.serverStreaming) {
        const call = c.makeClientStreamRequest(method.path, passThrough, passThrough, metadata, options, unaryDone);
        call.end(request);
        return;
      }
      const call = method.clientStreaming
        ? c.makeBidiStreamRequest(method.path, passThrough, passThrough, metadata, options)
        : c.makeServerStreamRequest(method.path, passThrough, passThrough, request, metadata, options);
      if (method.clientStreaming) (call as grpc.ClientDuplexStream<Buffer, Buffer>).end(request);
      call.on("data", (chunk: Buffer) => responses.push(chunk));
      call.on("error", () => undefined); // the status below says it
      call.on("status", (status: grpc.StatusObject) =>
        resolve({ code: status.code, details: status.details, responses }),
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}
