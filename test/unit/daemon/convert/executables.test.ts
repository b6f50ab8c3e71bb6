import assert from "node:assert/strict";
import { test } from "node:test";
import { executableSpecFromProto } from "../../../../src/daemon/convert/executables.js";
import { ExecutableSpec, RestartMode, StdinMode } from "../../../../src/gen/aurae/executables/v1/executables.js";

const spec = (change: Partial<ExecutableSpec>): ExecutableSpec =>
  ExecutableSpec.fromPartial({ cellName: "web", name: "x", argv: ["/bin/true"], ...change });

test("an unset stdin is /dev/null and an unset restart mode is no", () => {
  const converted = executableSpecFromProto(spec({}));
  assert.equal(converted.stdin, "null");
  assert.equal(converted.restart.mode, "no");
});

test("maps every known stdin and restart mode", () => {
  assert.equal(executableSpecFromProto(spec({ stdin: StdinMode.STDIN_MODE_CLOSED })).stdin, "closed");
  assert.equal(executableSpecFromProto(spec({ restart: { mode: RestartMode.RESTART_MODE_ALWAYS, maxRestarts: 0 } })).restart.mode, "always");
});

test("refuses a stdin number the API lacks, naming the field and the known values", () => {
  assert.throws(() => executableSpecFromProto(spec({ stdin: 7 as StdinMode })), {
    kind: "invalid",
    field: "spec.stdin",
    message: "spec.stdin: 7 is not one of STDIN_MODE_UNSPECIFIED, STDIN_MODE_NULL, STDIN_MODE_CLOSED",
  });
});

test("refuses a restart mode number the API lacks (UNRECOGNIZED, -1, included)", () => {
  for (const mode of [4, -1, 2 ** 31 - 1])
    assert.throws(() => executableSpecFromProto(spec({ restart: { mode: mode as RestartMode, maxRestarts: 0 } })), {
      kind: "invalid",
      field: "spec.restart.mode",
    });
});
