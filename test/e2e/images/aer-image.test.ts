// `aer image` against a real auraed and docker-registry: pull, list -q, get -o yaml/json, tag, du, rm, prune, and
// import/export answering that they are not implemented yet, each with its exit code.
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { useDaemon } from "../../helpers/daemon.js";
import { buildImage, buildLayer, busyboxEntries } from "../../helpers/images/image-builder.js";
import { startRegistry } from "../../helpers/images/registry.js";
import { uniqueName } from "../../helpers/names.js";
import { AER_MAIN, aerOf } from "../cli/run-aer.js";
import { openTerminal } from "../cli/tmux.js";

const registriesPath = join(tmpdir(), `${uniqueName("aurae-registries")}.toml`);
const aurae = useDaemon({ args: ["--registries", registriesPath] });
const aer = aerOf(aurae);

test("aer image pull, list, get, tag, du, rm, prune; import and export are not implemented yet", async (t) => {
  const reg = await startRegistry(t, "plain");
  const image = buildImage([buildLayer(busyboxEntries())], { cmd: ["/bin/sh", "-c", "echo hi"], env: ["PATH=/bin", "GREETING=hi"] });
  await reg.pushImage("tools/app", image, "v1");
  t.after(() => rm(registriesPath, { force: true }));
  await writeFile(registriesPath, `[registries."${reg.host}"]\ninsecure_http = true\n`);
  await aurae.stop();
  await aurae.start();
  const name = `${reg.host}/tools/app:v1`;

  const pulled = await aer("-o", "json", "image", "pull", name);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal((JSON.parse(pulled.stdout) as { manifestDigest: string }).manifestDigest, image.manifest.digest);
  assert.equal(pulled.stderr, "", "no progress bars when stderr is not a terminal");

  assert.deepEqual(await aer("-q", "image", "list"), { code: 0, stdout: `${name}\n`, stderr: "" });
  const yaml = await aer("image", "get", name);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /GREETING=hi/);
  assert.match(yaml.stdout, /echo hi/);
  const json = JSON.parse((await aer("-o", "json", "image", "get", name)).stdout) as { config: { cmd: string[] } };
  assert.deepEqual(json.config.cmd, ["/bin/sh", "-c", "echo hi"]);

  assert.equal((await aer("image", "tag", name, `${reg.host}/tools/app:stable`)).code, 0);
  assert.deepEqual(await aer("-q", "image", "list"), { code: 0, stdout: `${reg.host}/tools/app:stable\n${name}\n`, stderr: "" }, "by name");

  assert.deepEqual(await aer("image", "rm", name, `${reg.host}/tools/app:stable`), { code: 0, stdout: `${name}\n${reg.host}/tools/app:stable\n`, stderr: "" });
  const du = JSON.parse((await aer("-o", "json", "image", "du")).stdout) as { reclaimableBytes: string };
  assert.ok(Number(du.reclaimableBytes) > 0);
  const pruned = await aer("-q", "image", "prune");
  assert.deepEqual(pruned, { code: 0, stdout: `${du.reclaimableBytes}\n`, stderr: "" });

  const missing = await aer("image", "get", "busybox");
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /docker\.io\/library\/busybox:latest/);
  const imported = await aer("image", "import", "/nonexistent.tar");
  assert.notEqual(imported.code, 0);
  assert.match(imported.stderr, /not implemented/);

  await t.test("on a terminal, pull draws a line per layer and a total, then the image", async (t) => {
    const second = buildImage([buildLayer(busyboxEntries()), buildLayer([{ path: "two", type: "file", content: "2" }])]);
    await reg.pushImage("tools/two", second, "v1");
    const term = await openTerminal(t, `${process.execPath} ${AER_MAIN} image pull ${reg.host}/tools/two:v1`, { AURAE_CONFIG: aurae.pki.clientConfig });
    const screen = await term.waitFor(/EXIT=\d+/);
    assert.match(screen, /EXIT=0/);
    for (const layer of second.layers) assert.match(screen, new RegExp(`^${layer.digest.slice(7, 19)}: (pull complete|already stored)`, "m"));
    assert.match(screen, /^total: \[=+\] \S+\/\S+$/m);
    assert.match(screen, new RegExp(`^${reg.host}/tools/two:v1 `, "m"), "then the image's row");
  });
});
