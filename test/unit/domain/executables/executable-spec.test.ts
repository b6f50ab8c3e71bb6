import assert from "node:assert/strict";
import { test } from "node:test";
import { validateExecutableSpec, type ExecutableSpec } from "../../../../src/domain/executables/executable-spec.js";

const good: ExecutableSpec = {
  cell: "web/api",
  name: "server",
  argv: ["/bin/server", "--port", "80"],
  env: { PATH: "/bin" },
  cwd: "/",
  shell: false,
  umask: 0o022,
  rlimits: [],
  stdin: "null",
  restart: { mode: "no", maxRestarts: 0, maxDelayMs: 300_000 },
};
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

test("a shell command line is one string", () => {
  assertInvalid(withSpec({ shell: true }), "spec.argv", "with shell, holds exactly one command line, got 3 strings");
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ shell: true, argv: ["echo hi | wc -c"] })));
});

test("users and groups are names or numeric ids", () => {
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ user: "nobody", group: "1000", supplementaryGroups: ["adm", "27"] })));
  assertInvalid(withSpec({ user: "no body" }), "spec.user", '"no body" is neither a user/group name nor a numeric id');
  assertInvalid(withSpec({ supplementaryGroups: ["ok", "b:ad"] }), "spec.supplementary_groups[1]", '"b:ad" is neither a user/group name nor a numeric id');
});

test("umask is 0 to 0777", () => {
  assertInvalid(withSpec({ umask: 0o1000 }), "spec.umask", "must be 0 to 0777, got 1000");
});

test("rlimits name a known resource and keep soft at or below hard", () => {
  assertInvalid(withSpec({ rlimits: [{ resource: "files", soft: 1, hard: 2 }] }), "spec.rlimits[0].resource", `"files" is not one of as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack`);
  assertInvalid(withSpec({ rlimits: [{ resource: "nofile", soft: 10, hard: 5 }] }), "spec.rlimits[0].soft", "10 is above the hard limit 5");
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ rlimits: [{ resource: "core" }, { resource: "nofile", soft: 64, hard: 128 }] })));
});

test("restart limits are bounded", () => {
  assertInvalid(withSpec({ restart: { mode: "always", maxRestarts: -1, maxDelayMs: 1000 } }), "spec.restart.max_restarts", "must be 0 or more, got -1");
  assertInvalid(withSpec({ restart: { mode: "always", maxRestarts: 0, maxDelayMs: 5 } }), "spec.restart.max_delay_ms", "must be 100 to 3600000, got 5");
});
