// The bare baseline server: grpc-js serving grpc.health.v1 (grpc-health-check) on a Unix socket with the same
// mutual-TLS credentials as auraed, and nothing else: no interceptor, no logging. Run as its own process:
//   node bench/harness/echo-server.mjs PKI_DIR SOCKET
// It prints "ready" once bound, and exits on SIGTERM. Plain JavaScript so that it runs without the tsx loader,
// which would add tens of MiB to the memory it stands as a baseline for (footprint.ts).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";

const [pkiDir, socket] = process.argv.slice(2);
if (!pkiDir || !socket) {
  process.stderr.write("usage: echo-server.mjs PKI_DIR SOCKET\n");
  process.exit(2);
}
const [ca, cert, key] = await Promise.all(["ca.crt", "server.crt", "server.key"].map((f) => readFile(join(pkiDir, f))));
const server = new grpc.Server();
new HealthImplementation({ "": "SERVING" }).addToServer(server);
const credentials = grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
await new Promise((resolve, reject) => server.bindAsync(`unix:${socket}`, credentials, (err) => (err ? reject(err) : resolve())));
process.stdout.write("ready\n");
process.once("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
