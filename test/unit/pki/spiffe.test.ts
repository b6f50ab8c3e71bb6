import assert from "node:assert/strict";
import { test } from "node:test";
import { AuraeError } from "../../../src/errors.js";
import { isValidTrustDomain, lastPathSegment, parseSpiffeId } from "../../../src/pki/spiffe.js";

test("parses an ID into its trust domain and path", () => {
  const id = parseSpiffeId("spiffe://aurae.local/users/nova");
  assert.deepEqual(
    { ...id },
    { id: "spiffe://aurae.local/users/nova", trustDomain: "aurae.local", path: "/users/nova" },
  );
  assert.ok(Object.isFrozen(id));
  assert.equal(lastPathSegment(id), "nova");
});

test("parses the ID of a trust domain itself, with an empty path", () => {
  const id = parseSpiffeId("spiffe://example.org");
  assert.equal(id.trustDomain, "example.org");
  assert.equal(id.path, "");
  assert.equal(lastPathSegment(id), undefined);
});

test("accepts every character the spec allows, and the longest trust domain and ID", () => {
  const good = [
    "spiffe://my_td-1.example/ns/Default/sa/WEB.v2_x-y",
    "spiffe://0.1-2_3/...x/a..b/.hidden",
    `spiffe://${"a".repeat(255)}/x`,
    `spiffe://td/${"p".repeat(2048 - "spiffe://td/".length)}`,
  ];
  for (const uri of good) assert.equal(parseSpiffeId(uri).id, uri);
});

test("rejects each malformed ID with a message naming the problem", () => {
  const bad: [uri: string, problem: RegExp][] = [
    ["", /must not be empty/],
    ["https://example.org/x", /scheme must be "spiffe", got "https"/],
    ["SPIFFE://example.org/x", /scheme must be "spiffe" in lowercase/],
    ["Spiffe://example.org/x", /scheme must be "spiffe" in lowercase/],
    ["example.org/x", /must start with "spiffe:\/\/"/],
    ["spiffe:example.org", /must start with "spiffe:\/\/"/],
    ["spiffe://", /trust domain is missing/],
    ["spiffe:///workload", /trust domain is missing/],
    ["spiffe://user@example.org/x", /trust domain must not contain userinfo/],
    ["spiffe://example.org:8443/x", /trust domain must not contain a port/],
    ["spiffe://example.org/x?y=1", /must not have a query/],
    ["spiffe://example.org/x#top", /must not have a fragment/],
    ["spiffe://example.org/a%20b", /must not contain percent-encoded characters/],
    ["spiffe://Example.org/x", /trust domain "Example.org" may contain only lowercase letters/],
    ["spiffe://exa mple.org/x", /trust domain "exa mple.org" may contain only lowercase letters/],
    ["spiffe://example.org/", /path must not be "\/" alone/],
    ["spiffe://example.org/a/", /path must not end with "\/"/],
    ["spiffe://example.org//a", /path must not contain empty segments/],
    ["spiffe://example.org/a//b", /path must not contain empty segments/],
    ["spiffe://example.org/a/./b", /path must not contain "\." or "\.\." segments/],
    ["spiffe://example.org/a/../b", /path must not contain "\." or "\.\." segments/],
    ["spiffe://example.org/..", /path must not contain "\." or "\.\." segments/],
    ["spiffe://example.org/a b", /path segment "a b" may contain only letters/],
    ["spiffe://example.org/café", /path segment "café" may contain only letters/],
    ["spiffe://example.org/a:b", /path segment "a:b" may contain only letters/],
    [`spiffe://${"a".repeat(256)}/x`, /trust domain must be at most 255 characters long, got 256/],
    [`spiffe://td/${"p".repeat(2049 - "spiffe://td/".length)}`, /must be at most 2048 bytes long, got 2049/],
  ];
  for (const [uri, problem] of bad) {
    assert.throws(
      () => parseSpiffeId(uri),
      (err: unknown) => {
        assert.ok(err instanceof AuraeError, `${uri}: not an AuraeError`);
        assert.equal(err.kind, "invalid");
        assert.equal(err.field, "spiffe_id");
        assert.match(err.message, /^spiffe_id: /);
        assert.match(err.message, problem, `${JSON.stringify(uri)}: ${err.message}`);
        return true;
      },
    );
  }
});

test("names the field it is given in the error", () => {
  assert.throws(() => parseSpiffeId("http://x", "identity.subject"), {
    name: "AuraeError",
    field: "identity.subject",
    message: /^identity\.subject: scheme must be "spiffe"/,
  });
});

test("isValidTrustDomain accepts lowercase names and refuses anything else", () => {
  for (const name of ["example.org", "aurae.local", "a_b-c.d", "localhost", "a".repeat(255)])
    assert.equal(isValidTrustDomain(name), true, name);
  for (const name of ["", "Example.org", "example.org:443", "a/b", "user@td", "a b", "a".repeat(256)])
    assert.equal(isValidTrustDomain(name), false, name);
});
