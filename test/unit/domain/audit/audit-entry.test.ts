import assert from "node:assert/strict";
import { test } from "node:test";
import { validateAuditFilter } from "../../../../src/domain/audit/audit-entry.js";

test("an empty filter selects everything", () => {
  assert.deepEqual(validateAuditFilter({}), {});
  assert.deepEqual(validateAuditFilter({ identity: "", method: "", cell: "", deniedOnly: false }), {});
});

test("keeps SPIFFE IDs and prefixes ending in a slash, a cell, and times; denied_only becomes the refusal codes", () => {
  assert.deepEqual(
    validateAuditFilter({ identity: "spiffe://aurae.test/team-a/", cell: "web/api", deniedOnly: true, sinceMs: 1, untilMs: 2 }),
    { identity: "spiffe://aurae.test/team-a/", cell: "web/api", codes: ["PERMISSION_DENIED", "UNAUTHENTICATED", "RESOURCE_EXHAUSTED"], sinceMs: 1, untilMs: 2 },
  );
  assert.equal(validateAuditFilter({ identity: "spiffe://aurae.test/admin" }).identity, "spiffe://aurae.test/admin");
  assert.equal(validateAuditFilter({ identity: "spiffe://aurae.test/" }).identity, "spiffe://aurae.test/", "a whole trust domain");
});

test("takes a method or a service with or without its leading slash, and answers it with one", () => {
  assert.equal(validateAuditFilter({ method: "/aurae.cells.v1.CellService/Free" }).method, "/aurae.cells.v1.CellService/Free");
  assert.equal(validateAuditFilter({ method: "aurae.cells.v1.CellService/Free" }).method, "/aurae.cells.v1.CellService/Free");
  assert.equal(validateAuditFilter({ method: "aurae.cells.v1.CellService/" }).method, "/aurae.cells.v1.CellService/");
  assert.equal(validateAuditFilter({ method: "grpc.health.v1.Health/Check" }).method, "/grpc.health.v1.Health/Check");
});

for (const [filter, field] of [
  [{ identity: "admin" }, "identity"],
  [{ identity: "SPIFFE://aurae.test/admin" }, "identity"],
  [{ identity: "spiffe://aurae.test/a//" }, "identity"],
  [{ identity: "spiffe://aurae.test/../x" }, "identity"],
  [{ identity: `spiffe://aurae.test/${"a".repeat(2100)}` }, "identity"],
  [{ method: "Free" }, "method"],
  [{ method: "aurae.cells.v1.CellService" }, "method"],
  [{ method: "aurae.cells.v1.CellService/Free/" }, "method"],
  [{ method: "aurae.cells.v1./Free" }, "method"],
  [{ method: "aurae cells/Free" }, "method"],
  [{ method: `a.${"b".repeat(300)}/` }, "method"],
  [{ cell: "Web" }, "cell_name"],
  [{ cell: "a/../b" }, "cell_name"],
  [{ sinceMs: 2000, untilMs: 2000 }, "until"],
] as const) {
  test(`refuses ${JSON.stringify(filter).slice(0, 80)} as invalid, naming ${field}`, () => {
    assert.throws(() => validateAuditFilter(filter), (err: { kind: string; field: string; message: string }) => {
      assert.equal(err.kind, "invalid");
      assert.equal(err.field, field);
      assert.ok(err.message.startsWith(`${field}: `), err.message);
      return true;
    });
  });
}
