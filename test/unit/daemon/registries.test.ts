// auraed's registry settings: `[registries."host:port"]` tables (mirrors, ca_file relative to the file, insecure_http),
// a Docker config.json for credentials, the system CAs; a missing file means no settings, a wrong one is refused
// naming the file and the key.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadRegistryHosts } from "../../../src/daemon/registries.js";
import { tempDir } from "../helpers/temp-dir.js";

test("reads mirrors, a CA file relative to the registries file, insecure_http, the docker config and the system CAs", async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, "ca.pem"), "CA PEM");
  await writeFile(join(dir, "system.pem"), "SYSTEM PEM");
  await writeFile(join(dir, "docker.json"), JSON.stringify({ auths: { "r.io": { auth: "dTpw" } } }));
  await writeFile(join(dir, "registries.toml"), [
    '[registries."docker.io"]', 'mirrors = ["mirror.local:5000"]',
    '[registries."mirror.local:5000"]', "insecure_http = true",
    '[registries."r.io"]', 'ca_file = "ca.pem"', "",
  ].join("\n"));
  const hosts = await loadRegistryHosts({
    registriesPath: join(dir, "registries.toml"), dockerConfigPath: join(dir, "docker.json"), systemCaFile: join(dir, "system.pem"),
  });
  assert.deepEqual(hosts, {
    hosts: {
      "docker.io": { mirrors: ["mirror.local:5000"], insecureHttp: false },
      "mirror.local:5000": { mirrors: [], insecureHttp: true },
      "r.io": { mirrors: [], insecureHttp: false, caPem: "CA PEM" },
    },
    dockerConfig: { auths: { "r.io": { auth: "dTpw" } } },
    systemCaPem: ["SYSTEM PEM"],
  });
});

test("no registries file and no docker config: no settings", async (t) => {
  const dir = await tempDir(t);
  assert.deepEqual(await loadRegistryHosts({ registriesPath: join(dir, "none.toml"), dockerConfigPath: undefined, systemCaFile: join(dir, "none.pem") }), { hosts: {} });
});

test("a wrong key, a wrong type or bad TOML is refused naming the file and the key", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "registries.toml");
  const load = () => loadRegistryHosts({ registriesPath: path, dockerConfigPath: undefined, systemCaFile: join(dir, "none.pem") });
  await writeFile(path, '[registries."r.io"]\ninsecure = true\n');
  await assert.rejects(load(), (err: Error) => err.message.includes(`${path}: registries."r.io".insecure`) && err.message.includes("unknown key"));
  await writeFile(path, '[registries."r.io"]\ninsecure_http = "yes"\n');
  await assert.rejects(load(), (err: Error) => err.message.includes("insecure_http"));
  await writeFile(path, '[registries."r.io"]\nmirrors = "m.io"\n');
  await assert.rejects(load(), (err: Error) => err.message.includes("mirrors"));
  await writeFile(path, "[registries\n");
  await assert.rejects(load(), (err: Error) => err.message.includes(path) && err.message.includes("TOML"));
});
