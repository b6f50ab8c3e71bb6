// gRPC server reflection, as grpcurl uses it: list the services, then describe one by asking for the file that
// declares a symbol, which comes with every file it imports; over v1 and the older v1alpha alike.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import {
  ServerReflectionClient,
  ServerReflectionService,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../../src/gen/grpc/reflection/v1/reflection.js";
import { useDaemon } from "../../helpers/daemon.js";

const aurae = useDaemon();
const V1ALPHA_PATH = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

/** A reflection stream as the admin: `ask` sends one request and resolves with its answer. */
async function openReflection(path: string = ServerReflectionService.serverReflectionInfo.path) {
  const credentials = grpc.credentials.createSsl(
    Buffer.from(aurae.pki.ca.certPem),
    await readFile(`${aurae.pki.clientDir}/admin.key`),
    await readFile(`${aurae.pki.clientDir}/admin.crt`),
  );
  const client = new ServerReflectionClient(`unix:${aurae.socketPath}`, credentials, { "grpc.ssl_target_name_override": "localhost" });
  const { requestSerialize, responseDeserialize } = ServerReflectionService.serverReflectionInfo;
  const call = client.makeBidiStreamRequest(path, requestSerialize, responseDeserialize);
  const answers = call[Symbol.asyncIterator]() as AsyncIterator<ServerReflectionResponse>;
  return {
    async ask(request: Partial<ServerReflectionRequest>): Promise<ServerReflectionResponse> {
      call.write({ host: "", ...request });
      const { value, done } = await answers.next();
      assert.ok(!done, "the stream ended without an answer");
      return value;
    },
    close() {
      call.end();
      client.close();
    },
  };
}

const decode = (res: ServerReflectionResponse): FileDescriptorProto[] =>
  (res.fileDescriptorResponse?.fileDescriptorProto ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));

for (const [version, path] of [["v1", undefined], ["v1alpha", V1ALPHA_PATH]] as const) {
  test(`${version}: a service is described by the file declaring it and every file that one imports`, async (t) => {
    const reflection = await openReflection(path);
    t.after(() => reflection.close());
    const files = decode(await reflection.ask({ fileContainingSymbol: "aurae.executables.v1.ExecutableService" }));
    assert.equal(files[0]?.name, "aurae/executables/v1/executables.proto");
    const service = files[0]!.service.find((s) => s.name === "ExecutableService");
    assert.ok(service?.method.some((m) => m.name === "Start" && m.inputType === ".aurae.executables.v1.StartRequest"));
    const names = files.map((f) => f.name);
    for (const file of files) for (const dependency of file.dependency) assert.ok(names.includes(dependency), `${dependency} imported by ${file.name} is in ${names}`);
    assert.ok(names.includes("google/protobuf/timestamp.proto"), names.join(", "));
  });
}

test("a method, a message and a file name are found too; what is not there is NOT_FOUND and the stream goes on", async (t) => {
  const reflection = await openReflection();
  t.after(() => reflection.close());
  assert.equal(decode(await reflection.ask({ fileContainingSymbol: "aurae.cells.v1.CellService.Allocate" }))[0]?.name, "aurae/cells/v1/cells.proto");
  assert.equal(decode(await reflection.ask({ fileContainingSymbol: "grpc.health.v1.HealthCheckResponse" }))[0]?.name, "grpc/health/v1/health.proto");
  assert.equal(decode(await reflection.ask({ fileByFilename: "aurae/cells/v1/cells.proto" }))[0]?.package, "aurae.cells.v1");
  const missing = await reflection.ask({ fileContainingSymbol: "aurae.cells.v1.NoSuchService" });
  assert.equal(missing.errorResponse?.errorCode, grpc.status.NOT_FOUND);
  const listed = await reflection.ask({ listServices: "*" });
  assert.ok(listed.listServicesResponse?.service.some((s) => s.name === "aurae.cells.v1.CellService"));
});
