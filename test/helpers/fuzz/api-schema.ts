// Every RPC the daemon serves, read from proto/ with protobufjs reflection, so a service added to the API is fuzzed
// with no change to the fuzzer.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import protobuf from "protobufjs";
import { REPO } from "../daemon.js";

export interface RpcMethod {
  /** "/aurae.cells.v1.CellService/Allocate" */
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly serverStreaming: boolean;
  readonly clientStreaming: boolean;
}

const PROTO_DIR = join(REPO, "proto");

/** Every method of every service in proto/**\/*.proto, in path order. */
export async function loadRpcMethods(): Promise<RpcMethod[]> {
  const files = (await readdir(PROTO_DIR, { recursive: true })).filter((f) => f.endsWith(".proto")).sort();
  const root = new protobuf.Root();
  // Imports are relative to proto/; google/protobuf/* come with protobufjs.
  root.resolvePath = (_origin, target) => (target.startsWith("google/protobuf/") ? target : join(PROTO_DIR, target));
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return servicesIn(root)
    .flatMap((service) =>
      service.methodsArray.map((m) => ({
        path: `/${service.fullName.slice(1)}/${m.name}`,
        requestType: m.resolvedRequestType!,
        responseType: m.resolvedResponseType!,
        serverStreaming: Boolean(m.responseStream),
        clientStreaming: Boolean(m.requestStream),
      })),
    )
    .sort((a, b) => a.path.localeCompare(b.path));
}

function servicesIn(ns: protobuf.NamespaceBase): protobuf.Service[] {
  return ns.nestedArray.flatMap((n) =>
    n instanceof protobuf.Service ? [n] : n instanceof protobuf.Namespace ? servicesIn(n) : [],
  );
}
