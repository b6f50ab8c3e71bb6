import assert from "node:assert/strict";
import { test } from "node:test";
import { status } from "@grpc/grpc-js";
import { answer } from "../../../../src/daemon/services/reflection.js";
import type { ServerReflectionRequest } from "../../../../src/gen/grpc/reflection/v1/reflection.js";

// a.proto imports b and c, both import d (a diamond); e extends a message of d.
const file = (name: string, dependencies: string[]) => ({ name, dependencies, descriptor: Buffer.from(name).toString("base64") });
const SET = {
  FILES: [file("a.proto", ["b.proto", "c.proto"]), file("b.proto", ["d.proto"]), file("c.proto", ["d.proto"]), file("d.proto", []), file("e.proto", ["d.proto"])],
  SERVICES: ["p.A"],
  SYMBOLS: { "p.A": "a.proto", "p.A.Call": "a.proto", "p.D": "d.proto", "p.ext": "e.proto" },
  EXTENSIONS: { "p.D": { 100: "e.proto" } },
};
const request = (fields: Partial<ServerReflectionRequest>): ServerReflectionRequest => ({ host: "h", ...fields });
const names = (files: Buffer[] | undefined) => files?.map((b) => b.toString());

test("a symbol's file comes first, then every file it imports, directly or not, each once", () => {
  const res = answer(SET, request({ fileContainingSymbol: "p.A.Call" }));
  assert.deepEqual(names(res.fileDescriptorResponse?.fileDescriptorProto), ["a.proto", "b.proto", "d.proto", "c.proto"]);
  assert.equal(res.validHost, "h");
  assert.deepEqual(res.originalRequest, request({ fileContainingSymbol: "p.A.Call" }));
});

test("files by name, by extension, and the extension numbers of a type", () => {
  assert.deepEqual(names(answer(SET, request({ fileByFilename: "c.proto" })).fileDescriptorResponse?.fileDescriptorProto), ["c.proto", "d.proto"]);
  const ext = answer(SET, request({ fileContainingExtension: { containingType: "p.D", extensionNumber: 100 } }));
  assert.deepEqual(names(ext.fileDescriptorResponse?.fileDescriptorProto), ["e.proto", "d.proto"]);
  assert.deepEqual(answer(SET, request({ allExtensionNumbersOfType: "p.D" })).allExtensionNumbersResponse, { baseTypeName: "p.D", extensionNumber: [100] });
  assert.deepEqual(answer(SET, request({ allExtensionNumbersOfType: "p.A" })).allExtensionNumbersResponse, { baseTypeName: "p.A", extensionNumber: [] });
  assert.deepEqual(answer(SET, request({ listServices: "*" })).listServicesResponse, { service: [{ name: "p.A" }] });
});

test("what is not there is NOT_FOUND in the answer, names inherited from Object included", () => {
  const asks: Partial<ServerReflectionRequest>[] = [
    { fileContainingSymbol: "p.Missing" },
    { fileContainingSymbol: "constructor" },
    { fileByFilename: "z.proto" },
    { fileContainingExtension: { containingType: "p.D", extensionNumber: 7 } },
    { fileContainingExtension: { containingType: "toString", extensionNumber: 1 } },
    { allExtensionNumbersOfType: "__proto__" },
  ];
  for (const ask of asks) {
    const res = answer(SET, request(ask));
    assert.equal(res.errorResponse?.errorCode, status.NOT_FOUND, JSON.stringify(ask));
    assert.equal(res.fileDescriptorResponse, undefined);
  }
});

test("a request that asks nothing is INVALID_ARGUMENT in the answer", () => {
  assert.equal(answer(SET, request({})).errorResponse?.errorCode, status.INVALID_ARGUMENT);
});
