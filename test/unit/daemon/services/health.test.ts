import assert from "node:assert/strict";
import { test } from "node:test";
import { HealthStatuses, ServingStatus } from "../../../../src/daemon/services/health.js";

/** The first `count` statuses a watch of `service` yields, then it is aborted. */
async function firstStatuses(health: HealthStatuses, service: string, count: number, changes: () => void): Promise<ServingStatus[]> {
  const ac = new AbortController();
  const seen: ServingStatus[] = [];
  const watching = (async () => {
    for await (const status of health.watch(service, ac.signal)) {
      seen.push(status);
      if (seen.length === 1) changes();
      if (seen.length === count) ac.abort();
    }
  })();
  await assert.rejects(watching, { name: "AbortError" });
  return seen;
}

test("a watch answers the status now, then each change, and not a status set again unchanged", async () => {
  const health = new HealthStatuses({ "": ServingStatus.SERVING });
  const seen = await firstStatuses(health, "", 3, () => {
    health.set("", ServingStatus.SERVING);
    health.set("", ServingStatus.NOT_SERVING);
    health.set("other", ServingStatus.NOT_SERVING);
    health.set("", ServingStatus.SERVING);
  });
  assert.deepEqual(seen, [ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING]);
});

test("a watch of a service not known answers SERVICE_UNKNOWN and stays open until it is known", async () => {
  const health = new HealthStatuses({});
  const seen = await firstStatuses(health, "later", 2, () => health.set("later", ServingStatus.SERVING));
  assert.deepEqual(seen, [ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
});
