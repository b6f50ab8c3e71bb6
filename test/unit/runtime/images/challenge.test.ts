import assert from "node:assert/strict";
import { test } from "node:test";
import { parseChallenges } from "../../../../src/runtime/images/challenge.js";
import { basicAuthorization, credentialsFromDockerConfig } from "../../../../src/runtime/images/credentials.js";
import { isAuraeError } from "../../../../src/errors.js";

test("parses a bearer challenge with quoted parameters, names lowercased", () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",Scope="repository:library/busybox:pull"'), [
    { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" } },
  ]);
});

test("parses several challenges, unquoted values and escapes", () => {
  assert.deepEqual(parseChallenges('Basic realm="a \\"b\\"", Bearer realm=https://x/t, service=s'), [
    { scheme: "basic", params: { realm: 'a "b"' } },
    { scheme: "bearer", params: { realm: "https://x/t", service: "s" } },
  ]);
  assert.deepEqual(parseChallenges(""), []);
});

test("credentials come from config.json auths by host, Docker Hub under its v1 URL", () => {
  const auth = Buffer.from("alice:s3:cret").toString("base64");
  const config = { auths: { "https://index.docker.io/v1/": { auth }, "reg.example:5000": { username: "bob", password: "pw" } } };
  assert.deepEqual(credentialsFromDockerConfig(config, "docker.io"), { username: "alice", password: "s3:cret" });
  assert.deepEqual(credentialsFromDockerConfig(config, "reg.example:5000"), { username: "bob", password: "pw" });
  assert.equal(credentialsFromDockerConfig(config, "other.example"), undefined);
  assert.equal(credentialsFromDockerConfig({}, "docker.io"), undefined);
  assert.equal(basicAuthorization({ username: "bob", password: "pw" }), `Basic ${Buffer.from("bob:pw").toString("base64")}`);
});

test("a malformed auth entry is refused without quoting the secret", () => {
  const secret = "nocolonhere";
  assert.throws(() => credentialsFromDockerConfig({ auths: { h: { auth: Buffer.from(secret).toString("base64") } } }, "h"),
    (err) => isAuraeError(err, "invalid") && !err.message.includes(secret) && !err.message.includes(Buffer.from(secret).toString("base64")));
});
