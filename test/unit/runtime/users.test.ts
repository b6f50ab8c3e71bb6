import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { credentialsFrom, describeId, readUserDatabase, readUserDatabaseSync, resolveCredentials } from "../../../src/runtime/users.js";

async function etc(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aurae-etc-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "passwd"), "root:x:0:0:root:/root:/bin/bash\n# a comment\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  await writeFile(join(dir, "group"), "root:x:0:\nalice:x:1000:\nwheel:x:10:alice,bob\ndocker:x:999:bob\n");
  return dir;
}

test("nothing asked: the workload keeps its credentials", async (t) => {
  assert.equal(resolveCredentials({}, await etc(t)), undefined);
});

test("credentials are resolved at once, without a round trip through the thread pool", async (t) => {
  const resolved: unknown = resolveCredentials({ user: "alice" }, await etc(t));
  assert.ok(!(resolved instanceof Promise), "resolveCredentials returned a promise");
  assert.deepEqual(resolved, { uid: 1000, gid: 1000, groups: [10] });
});

test("a user name gives its uid, primary group and the groups it is a member of", async (t) => {
  assert.deepEqual(resolveCredentials({ user: "alice" }, await etc(t)), { uid: 1000, gid: 1000, groups: [10] });
});

test("group and supplementary groups override, by name or id; numeric ids need no entry", async (t) => {
  const dir = await etc(t);
  assert.deepEqual(resolveCredentials({ user: "alice", group: "docker", supplementaryGroups: ["wheel", "4242"] }, dir), {
    uid: 1000,
    gid: 999,
    groups: [10, 4242],
  });
  assert.deepEqual(resolveCredentials({ user: "5000" }, dir), { uid: 5000, gid: 0, groups: [] });
  assert.deepEqual(resolveCredentials({ user: "alice", supplementaryGroups: [] }, dir), { uid: 1000, gid: 1000, groups: [] });
});

test("an unknown name is FAILED_PRECONDITION naming the field and the file", async (t) => {
  const dir = await etc(t);
  assert.throws(() => resolveCredentials({ user: "mallory" }, dir), { kind: "precondition", message: `spec.user: no user "mallory" in ${join(dir, "passwd")}` });
  assert.throws(() => resolveCredentials({ user: "alice", supplementaryGroups: ["nope"] }, dir), {
    kind: "precondition",
    message: `spec.supplementary_groups[0]: no group "nope" in ${join(dir, "group")}`,
  });
});

test("read at once or awaited, the database is the same, and resolves as resolveCredentials does", async (t) => {
  const dir = await etc(t);
  const db = readUserDatabaseSync(dir);
  assert.deepEqual(db, await readUserDatabase(dir));
  assert.deepEqual(credentialsFrom({ user: "alice" }, db), resolveCredentials({ user: "alice" }, dir));
  assert.deepEqual([describeId(db.groups, 999), describeId(db.groups, 4242)], ["999 (docker)", "4242"]);
  assert.deepEqual(readUserDatabaseSync(join(dir, "missing")).users, [], "no passwd file: numeric ids only");
});
