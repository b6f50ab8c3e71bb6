import assert from "node:assert/strict";
import { test } from "node:test";
import { RegistryHosts } from "../../../../src/runtime/images/registry-hosts.js";

test("mirrors come first, in order, then the registry; each over HTTPS unless its own entry says insecureHttp", () => {
  const hosts = new RegistryHosts({ hosts: { "reg.example": { mirrors: ["m1.local:5000", "m2.local"] }, "m1.local:5000": { insecureHttp: true } } });
  assert.deepEqual(hosts.endpoints("reg.example").map((e) => [e.base.href, e.isMirror]), [
    ["http://m1.local:5000/v2/", true],
    ["https://m2.local/v2/", true],
    ["https://reg.example/v2/", false],
  ]);
  hosts.close();
});

test("Docker Hub's API is registry-1.docker.io", () => {
  const hosts = new RegistryHosts({});
  assert.deepEqual(hosts.endpoints("docker.io").map((e) => e.base.href), ["https://registry-1.docker.io/v2/"]);
  hosts.close();
});

test("credentials: the call's for the registry itself, else the host entry's, else config.json's; mirrors never get the call's", () => {
  const call = { username: "call", password: "c" };
  const hosts = new RegistryHosts({
    hosts: { "a.example": { mirrors: ["m.example"], credentials: { username: "entry", password: "e" } } },
    dockerConfig: { auths: { "m.example": { username: "mirror", password: "m" }, "b.example": { username: "file", password: "f" } } },
  });
  assert.deepEqual(hosts.endpoints("a.example", call).map((e) => e.credentials?.username), ["mirror", "call"]);
  assert.deepEqual(hosts.endpoints("a.example").map((e) => e.credentials?.username), ["mirror", "entry"]);
  assert.deepEqual(hosts.endpoints("b.example").map((e) => e.credentials?.username), ["file"]);
  assert.deepEqual(hosts.endpoints("c.example").map((e) => e.credentials), [undefined]);
  hosts.close();
});
