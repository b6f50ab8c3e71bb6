import assert from "node:assert/strict";
import { test } from "node:test";
import { validateExecutableSpec, validateGracePeriodMs, type ExecutableSpec } from "../../../../src/domain/executables/executable-spec.js";

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

const NOT_A_NAME = 'is not a variable name: use letters, digits, "_", "." and "-", not a digit first';

for (const key of ["A=B", "", "A B", "1A", "A\0", "ÜML", "A\nB", "$A"]) {
  test(`refuses the environment variable name ${JSON.stringify(key)}, naming it in the field`, () => {
    assertInvalid(withSpec({ env: { [key]: "c" } }), `spec.env[${JSON.stringify(key)}]`, NOT_A_NAME);
  });
}

test("accepts names of letters, digits, _, . and - (not a digit first)", () => {
  const spec = withSpec({ env: { _: "", a: "", "my.var-1": "", LD_LIBRARY_PATH: "/lib", Z9: "" } });
  assert.equal(validateExecutableSpec(spec), spec);
});

test("refuses a NUL byte in an environment variable's value, naming the variable", () => {
  assertInvalid(withSpec({ env: { HOME: "/root\0" } }), 'spec.env["HOME"]', "must not contain a NUL byte");
});

test("refuses an argument or a KEY=VALUE past the kernel's 128 KiB per string (MAX_ARG_STRLEN), NUL included", () => {
  const max = 32 * 4096;
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ argv: ["/bin/x", "a".repeat(max - 1)], env: { A: "v".repeat(max - 3) } })));
  assertInvalid(withSpec({ argv: ["/bin/x", "a".repeat(max)] }), "spec.argv[1]", `takes ${max + 1} bytes, at most ${max}`);
  assertInvalid(withSpec({ env: { A: "v".repeat(max - 2) } }), 'spec.env["A"]', `takes ${max + 1} bytes, at most ${max}`);
});

test("refuses more than 4096 environment variables", () => {
  const env = Object.fromEntries(Array.from({ length: 4097 }, (_, i) => [`V${i}`, ""]));
  assertInvalid(withSpec({ env }), "spec.env", "has 4097 variables, at most 4096");
});

test("refuses argv and env that together pass 1 MiB, counting each string with its NUL terminator", () => {
  // "/bin/x" is 7 bytes with its NUL; eight variables "Vn=" + 131000 bytes + NUL take 8 * 131004; B takes the rest.
  const limit = 1 << 20;
  const big = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`V${i}`, "v".repeat(131_000)]));
  const rest = limit - 7 - 8 * 131_004 - 3; // "B=" and its NUL
  const fits = withSpec({ argv: ["/bin/x"], env: { ...big, B: "b".repeat(rest) } });
  assert.equal(validateExecutableSpec(fits), fits);
  assertInvalid(
    withSpec({ argv: ["/bin/x"], env: { ...big, B: "b".repeat(rest + 1) } }),
    "spec.argv",
    `argv and env take ${limit + 1} bytes, at most ${limit}`,
  );
});

test("counts argv size in bytes, not characters", () => {
  const limit = 1 << 20;
  // Nine arguments of 40000 "€", three bytes each in UTF-8: over the limit, though a third as long.
  const euros = Array<string>(9).fill("€".repeat(40_000));
  assert.ok(euros.join("").length < limit);
  assert.throws(() => validateExecutableSpec(withSpec({ argv: ["/bin/x", ...euros] })), { field: "spec.argv", message: /argv and env take/ });
});

for (const cwd of ["", "tmp", "./tmp", "../etc"]) {
  test(`refuses the relative cwd "${cwd}", quoting it`, () => {
    assertInvalid(withSpec({ cwd }), "spec.cwd", `must be an absolute path, got "${cwd}"`);
  });
}

test("refuses a NUL byte in cwd", () => {
  assertInvalid(withSpec({ cwd: "/tmp\0/x" }), "spec.cwd", "must not contain a NUL byte");
});

test("refuses a cwd of PATH_MAX bytes or more", () => {
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ cwd: `/${"d".repeat(4094)}` })));
  assertInvalid(withSpec({ cwd: `/${"d".repeat(4095)}` }), "spec.cwd", "is longer than PATH_MAX (4096 bytes)");
});

for (const program of ["../x", "a/../b", "bin/true", "./run"]) {
  test(`refuses the relative program path "${program}": absolute, or a bare name looked up in PATH`, () => {
    assertInvalid(withSpec({ argv: [program] }), "spec.argv[0]", `must be an absolute path, got "${program}"`);
  });
}

test("accepts a bare program name, looked up in PATH, and a shell line holding slashes", () => {
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ argv: ["env"] })));
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ shell: true, argv: ["./run && ../x"] })));
});

test("refuses a program path of PATH_MAX bytes or more", () => {
  assertInvalid(withSpec({ argv: [`/${"p".repeat(4095)}`] }), "spec.argv[0]", "is longer than PATH_MAX (4096 bytes)");
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

test("numeric user and group ids fit in 32 bits, (uid_t)-1 excluded", () => {
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ user: "4294967294", group: "0" })));
  assertInvalid(withSpec({ user: "4294967295" }), "spec.user", "4294967295 is past the largest id, 4294967294");
  assertInvalid(withSpec({ supplementaryGroups: ["9999999999"] }), "spec.supplementary_groups[0]", "9999999999 is past the largest id, 4294967294");
});

test("umask is 0 to 0777", () => {
  assertInvalid(withSpec({ umask: 0o1000 }), "spec.umask", "must be 0 to 0777, got 1000");
});

test("rlimits name a known resource and keep soft at or below hard", () => {
  assertInvalid(withSpec({ rlimits: [{ resource: "files", soft: 1, hard: 2 }] }), "spec.rlimits[0].resource", `"files" is not one of as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack`);
  assertInvalid(withSpec({ rlimits: [{ resource: "nofile", soft: 10, hard: 5 }] }), "spec.rlimits[0].soft", "10 is above the hard limit 5");
  assert.doesNotThrow(() => validateExecutableSpec(withSpec({ rlimits: [{ resource: "core" }, { resource: "nofile", soft: 64, hard: 128 }] })));
});

test("refuses a resource limited twice, naming the second", () => {
  assertInvalid(
    withSpec({ rlimits: [{ resource: "nofile", soft: 1, hard: 1 }, { resource: "core" }, { resource: "nofile" }] }),
    "spec.rlimits[2].resource",
    '"nofile" is set more than once',
  );
});

test("a grace period is 0 to an hour", () => {
  assert.equal(validateGracePeriodMs(0, "grace_period_ms"), 0);
  assert.equal(validateGracePeriodMs(3_600_000, "grace_period_ms"), 3_600_000);
  assert.throws(() => validateGracePeriodMs(3_600_001, "grace_period_ms"), {
    kind: "invalid",
    field: "grace_period_ms",
    message: "grace_period_ms: must be 0 to 3600000, got 3600001",
  });
});

test("restart limits are bounded", () => {
  assertInvalid(withSpec({ restart: { mode: "always", maxRestarts: -1, maxDelayMs: 1000 } }), "spec.restart.max_restarts", "must be 0 or more, got -1");
  assertInvalid(withSpec({ restart: { mode: "always", maxRestarts: 0, maxDelayMs: 5 } }), "spec.restart.max_delay_ms", "must be 100 to 3600000, got 5");
});
