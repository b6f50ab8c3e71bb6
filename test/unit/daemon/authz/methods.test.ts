// Which calls the audit log records before they act (pending) and which only once answered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { changesState, isMutating, methodAccess } from "../../../../src/daemon/authz/methods.js";

test("every call that changes state is recorded pending first; admin reads of the audit log and certificates are not", () => {
  const pending = (path: string): boolean => changesState(methodAccess(path));
  for (const path of ["/aurae.executables.v1.ExecutableService/Stop", "/aurae.cells.v1.CellService/Free", "/aurae.pki.v1.PkiService/RevokeCertificate", "/aurae.x.v1.New/Unclassified"])
    assert.equal(pending(path), true, path);
  for (const path of ["/aurae.audit.v1.AuditService/List", "/aurae.audit.v1.AuditService/Watch", "/aurae.pki.v1.PkiService/ListCertificates"]) {
    assert.equal(pending(path), false, path);
    assert.equal(isMutating(methodAccess(path)), true, `${path} is still audited once answered`);
  }
  assert.equal(pending("/aurae.cells.v1.CellService/Get"), false);
});
