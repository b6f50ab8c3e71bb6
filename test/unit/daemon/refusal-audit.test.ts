import assert from "node:assert/strict";
import { test } from "node:test";
import type { AuditEntry } from "../../../src/domain/audit/audit-entry.js";
import { RefusalAudit } from "../../../src/daemon/refusal-audit.js";

const refusal = (identity: string, details = "permission denied"): AuditEntry => ({ identity, method: "/m", code: "PERMISSION_DENIED", details, peer: "socket:unix" });

test("records the first refusals of each caller per window one by one, the rest as one summary", () => {
  let now = 0;
  const recorded: AuditEntry[] = [];
  const audit = new RefusalAudit((e) => recorded.push(e), { perWindow: 3, windowMs: 1000, now: () => now });
  for (let i = 0; i < 10; i++) audit.refused(refusal("spiffe://td/a", `try ${i}`));
  audit.refused(refusal("spiffe://td/b"));
  assert.equal(recorded.length, 4, "three of a, one of b");
  now = 1000;
  audit.flush();
  assert.equal(recorded.length, 5);
  assert.match(recorded[4]!.details, /^and 7 more refusals of this caller within 1 s, not recorded one by one; the last: try 9$/);
  audit.refused(refusal("spiffe://td/a"));
  assert.equal(recorded.length, 6, "a new window records again");
  audit.close();
});
