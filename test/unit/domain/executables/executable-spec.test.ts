import assert from "node:assert/strict";
import { test } from "node:test";
import { validateExecutableSpec, type ExecutableSpec } from "../../../../src/domain/executables/executable-spec.js";

const good: ExecutableSpec = { cell: "web/api", name: "server", argv: ["/bin/server", "--port", "80"], env: { PATH: "/bin" }, cwd: "/" };
const withSpec = (change: Partial<ExecutableSpec>): ExecutableSpec => ({ ...good, ...change });

function assertInvalid(spec: ExecutableSpec, field: string, message: string): void {
  assert.throws(() => validateExecutableSpec(spec), { name: "AuraeError", kind: "invalid", field, message: `${field}: ${message}` });
}

test("accepts a spec with a program, arguments, environment and an absolute cwd", () => {
  assert.equal(validateExecutableSpec(good), good);
});

test("accepts arguments and values that hold spaces, quotes, '=' and empty strings: argv is not a shell line", () => {
  const spec = withSpec({ argv: ["/bin/sh", "-c", "echo 'a b' \"$X\"", ""], env: { X: "a=b c", EMPTY: "" } });
  assert.equal(validateExecutableSpec(spec), spec);
});

test("refuses an empty argv, asking for the program", () => {
  assertInvalid(withSpec({ argv: [] }), "spec.argv", "needs the program as argv[0]");
});

test("refuses an empty argv[0]", () => {
  assertInvalid(withSpec({ argv: ["", "x"] }), "spec.argv", "needs the program as argv[0]");
});

test("refuses a NUL byte in an argument, naming its index", () => {
  assertInvalid(withSpec({ argv: ["/bin/echo", "ok", "a\0b"] }), "spec.argv[2]", "must not contain a NUL byte");
});

test("refuses more than 4096 arguments", () => {
  assertInvalid(withSpec({ argv: Array<string>(4097).fill("x") }), "spec.argv", "has 4097 arguments, at most 4096");
});

test("accepts exactly 4096 arguments", () => {
  const spec = withSpec({ argv: Array<string>(4096).fill("x") });
  assert.equal(validateExecutableSpec(spec), spec);
});

test('refuses an environment variable name holding "=", quoting it', () => {
  assertInvalid(withSpec({ env: { "A=B": "c" } }), "spec.env", 'variable name "A=B" must be non-empty and hold no "="');
});

test("refuses an empty environment variable name", () => {
  assertInvalid(withSpec({ env: { "": "c" } }), "spec.env", 'variable name "" must be non-empty and hold no "="');
});

test("refuses a NUL byte in an environment variable's name or value, naming the variable", () => {
  assertInvalid(withSpec({ env: { "A\0": "c" } }), "spec.env", "must not contain a NUL byte");
  assertInvalid(withSpec({ env: { HOME: "/root\0" } }), 'spec.env["HOME"]', "must not contain a NUL byte");
});

test("refuses more than 4096 environment variables", () => {
  const env = Object.fromEntries(Array.from({ length: 4097 }, (_, i) => [`V${i}`, ""]));
  assertInvalid(withSpec({ env }), "spec.env", "has 4097 variables, at most 4096");
});

test("refuses argv and env that together pass 1 MiB, counting each string with its NUL terminator", () => {
  // "/bin/x" (7 with NUL) + "A=" + value (3 + value) : 10 + value bytes in all.
  const limit = 1 << 20;
  const fits = withSpec({ argv: ["/bin/x"], env: { A: "v".repeat(limit - 10) } });
  assert.equal(validateExecutableSpec(fits), fits);
  assertInvalid(
    withSpec({ argv: ["/bin/x"], env: { A: "v".repeat(limit - 9) } }),
    "spec.argv",
    `argv and env take ${limit + 1} bytes, at most ${limit}`,
  );
});

test("counts argv size in bytes, not characters", () => {
  const limit = 1 << 20;
  const euro = "€".repeat(Math.ceil(limit / 3)); // three bytes each in UTF-8: over the limit, though a third as long
  assert.throws(() => validateExecutableSpec(withSpec({ argv: ["/bin/x", euro] })), { field: "spec.argv", message: /argv and env take/ });
});

for (const cwd of ["", "tmp", "./tmp", "../etc"]) {
  test(`refuses the relative cwd "${cwd}", quoting it`, () => {
    assertInvalid(withSpec({ cwd }), "spec.cwd", `must be an absolute path, got "${cwd}"`);
  });
}

test("refuses a NUL byte in cwd", () => {
  assertInvalid(withSpec({ cwd: "/tmp\0/x" }), "spec.cwd", "must not contain a NUL byte");
});

test("names spec.cell_name and spec.name for bad names", () => {
  assert.throws(() => validateExecutableSpec(withSpec({ cell: "Web" })), { kind: "invalid", field: "spec.cell_name" });
  assert.throws(() => validateExecutableSpec(withSpec({ name: "a/b" })), { kind: "invalid", field: "spec.name" });
});
