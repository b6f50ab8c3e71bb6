import assert from "node:assert/strict";
import { test } from "node:test";
import { isAuraeError } from "../../../../src/errors.js";
import { formatReference, parseReference } from "../../../../src/runtime/images/reference.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

test("a Docker short name means docker.io/library/<name>:latest", () => {
  assert.deepEqual(parseReference("busybox"), { registry: "docker.io", repository: "library/busybox", tag: "latest" });
  assert.equal(formatReference(parseReference("busybox:1.36")), "docker.io/library/busybox:1.36");
  assert.equal(formatReference(parseReference("bitnami/redis")), "docker.io/bitnami/redis:latest");
  assert.equal(formatReference(parseReference("index.docker.io/library/alpine")), "docker.io/library/alpine:latest");
});

test("a first component with a dot, a port or localhost is the registry; a port is not a tag", () => {
  assert.deepEqual(parseReference("127.0.0.1:5000/team/app"), { registry: "127.0.0.1:5000", repository: "team/app", tag: "latest" });
  assert.deepEqual(parseReference("localhost/app:v1.2"), { registry: "localhost", repository: "app", tag: "v1.2" });
  assert.deepEqual(parseReference("ghcr.io/o/r:tag_1"), { registry: "ghcr.io", repository: "o/r", tag: "tag_1" });
});

test("a digest pins the manifest; without a tag none is assumed, with one both are kept", () => {
  assert.deepEqual(parseReference(`repo@${DIGEST}`), { registry: "docker.io", repository: "library/repo", digest: DIGEST });
  assert.deepEqual(parseReference(`host:5000/r:t@${DIGEST}`), { registry: "host:5000", repository: "r", tag: "t", digest: DIGEST });
  assert.equal(formatReference(parseReference(`host:5000/r@${DIGEST}`)), `host:5000/r@${DIGEST}`);
});

for (const [value, mentions] of [
  ["", "empty"],
  ["Busybox", "Busybox"],
  ["busybox:", "tag"],
  ["busybox:-x", "tag"],
  ["a//b", "component"],
  ["host.io/", "component"],
  ["repo@sha256:abc", "64"],
  ["repo@md5:" + "a".repeat(32), "digest"],
  [`repo@sha256:${"AB".repeat(32)}`, "lowercase"],
  ["bad_host.io:x/r", "registry"],
  [`h.io/${"a".repeat(260)}`, "255"],
] as const)
  test(`refuses ${JSON.stringify(value.slice(0, 30))} as invalid, naming the field`, () => {
    assert.throws(() => parseReference(value, "image.ref"), (err: unknown) => {
      assert.ok(isAuraeError(err, "invalid"));
      assert.match(err.message, /^image\.ref: /);
      assert.ok(err.message.includes(mentions), err.message);
      return true;
    });
  });
