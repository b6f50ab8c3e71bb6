import assert from "node:assert/strict";
import { access, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { DEFAULT_SOCKET, resolveClientConfig, type ClientOptions } from "../../../src/client/client-config.js";
import { tempDir } from "../helpers/temp-dir.js";

const CREDENTIALS = { caCrt: "/pki/ca.crt", clientCrt: "/pki/client.crt", clientKey: "/pki/client.key" } as const;

/** Writes `text` as a client config file in a fresh temp dir and returns its path. */
async function configFile(t: TestContext, text: string): Promise<string> {
  const path = join(await tempDir(t, "aurae-client-config-"), "config");
  await writeFile(path, text);
  return path;
}

const FULL = `
[auth]
ca_crt = "/etc/aurae/pki/ca.crt"
client_crt = "pki/client.crt"
client_key = "./pki/../keys/client.key"

[system]
socket = "run/aurae.sock"
server_name = "node-1"
`;

/** Resolves with an empty environment unless the test gives one: never the real process.env. */
const resolve = (opts: ClientOptions) => resolveClientConfig({ env: {}, ...opts });

test("reads the file given by config, resolving its relative paths against the file's directory", async (t) => {
  const path = await configFile(t, FULL);
  const dir = join(path, "..");
  assert.deepEqual(await resolve({ config: path }), {
    target: `unix:${join(dir, "run/aurae.sock")}`,
    serverName: "node-1",
    caCrt: "/etc/aurae/pki/ca.crt",
    clientCrt: join(dir, "pki/client.crt"),
    clientKey: join(dir, "keys/client.key"),
    configPath: path,
  });
});

test("reads the file named by AURAE_CONFIG", async (t) => {
  const path = await configFile(t, FULL);
  assert.equal((await resolve({ env: { AURAE_CONFIG: path } })).configPath, path);
});

test("finds ~/.aurae/config under the environment's HOME", async (t) => {
  const home = await tempDir(t, "aurae-home-");
  await mkdir(join(home, ".aurae"));
  await writeFile(join(home, ".aurae", "config"), FULL);
  const config = await resolve({ env: { HOME: home } });
  assert.equal(config.configPath, join(home, ".aurae", "config"));
  assert.equal(config.clientCrt, join(home, ".aurae", "pki/client.crt"));
});

test("takes options over the file", async (t) => {
  const path = await configFile(t, FULL);
  const config = await resolve({ config: path, socket: "/opt/a.sock", serverName: "other", ...CREDENTIALS });
  assert.deepEqual(config, { target: "unix:/opt/a.sock", serverName: "other", ...CREDENTIALS, configPath: path });
});

test("takes AURAE_* environment over the file, and options over the environment", async (t) => {
  const path = await configFile(t, FULL);
  const env = {
    AURAE_SOCKET: "/env/aurae.sock",
    AURAE_CA_CRT: "/env/ca.crt",
    AURAE_CLIENT_CRT: "/env/client.crt",
    AURAE_CLIENT_KEY: "/env/client.key",
  };
  const fromEnv = await resolve({ config: path, env });
  assert.deepEqual(
    [fromEnv.target, fromEnv.caCrt, fromEnv.clientCrt, fromEnv.clientKey],
    ["unix:/env/aurae.sock", "/env/ca.crt", "/env/client.crt", "/env/client.key"],
  );
  const fromOptions = await resolve({ config: path, env, socket: "/opt/a.sock", clientKey: "/opt/k" });
  assert.equal(fromOptions.target, "unix:/opt/a.sock");
  assert.equal(fromOptions.clientKey, "/opt/k");
  assert.equal(fromOptions.caCrt, "/env/ca.crt");
});

test("defaults to the daemon's socket and the server name localhost", async (t) => {
  const path = await configFile(t, FULL.slice(0, FULL.indexOf("[system]")));
  const config = await resolve({ config: path });
  assert.equal(config.target, `unix:${DEFAULT_SOCKET}`);
  assert.equal(DEFAULT_SOCKET, "/run/aurae/aurae.sock");
  assert.equal(config.serverName, "localhost");
});

test("connects to a TCP address with no server name (the address names the server)", async (t) => {
  const path = await configFile(t, FULL);
  const config = await resolve({ config: path, address: "node-3:8080" });
  assert.equal(config.target, "node-3:8080");
  assert.equal(config.serverName, undefined);
  assert.equal((await resolve({ config: path, env: { AURAE_ADDRESS: "[::1]:8080" } })).target, "[::1]:8080");
});

test("keeps server_name as written: it is a name, not a path", async (t) => {
  const path = await configFile(t, '[system]\nserver_name = "node/1"\n');
  assert.equal((await resolve({ config: path, ...CREDENTIALS })).serverName, "node/1");
});

for (const [missing, what] of [
  ["ca_crt", "CA certificate (ca_crt)"],
  ["client_crt", "client certificate (client_crt)"],
  ["client_key", "client key (client_key)"],
] as const) {
  test(`without ${missing} tells to run "aer pki init", naming what is missing and where it looked`, async (t) => {
    const path = await configFile(t, FULL.replace(new RegExp(`^${missing} = .*$`, "m"), ""));
    await assert.rejects(resolve({ config: path }), {
      name: "InvalidArgumentError",
      code: "invalid",
      message: `no ${what} configured: run "aer pki init" to create a client config, or pass --config (looked in ${path})`,
    });
  });
}

test('with no config file anywhere tells to run "aer pki init", listing the default paths', async (t) => {
  if (await access("/etc/aurae/config").then(() => true, () => false)) return t.skip("this host has /etc/aurae/config");
  const home = await tempDir(t, "aurae-home-");
  await assert.rejects(resolve({ env: { HOME: home } }), {
    code: "invalid",
    message: new RegExp(`run "aer pki init".*looked in ${join(home, ".aurae", "config")}, /etc/aurae/config\\)$`),
  });
});

test("refuses an explicit config file that does not exist in one plain line naming it, with no errno code", async (t) => {
  const path = join(await tempDir(t, "aurae-client-config-"), "missing.toml");
  const message = `client config ${path} does not exist (check the path given by --config or AURAE_CONFIG; "aer pki init" creates a config)`;
  await assert.rejects(resolve({ config: path, ...CREDENTIALS }), { code: "invalid", message });
  await assert.rejects(resolve({ env: { AURAE_CONFIG: path }, ...CREDENTIALS }), { message });
});

test("refuses a file that is not TOML, naming it", async (t) => {
  const path = await configFile(t, "[auth\nca_crt = ");
  await assert.rejects(resolve({ config: path, ...CREDENTIALS }), (err: Error & { code?: string }) => {
    assert.equal(err.code, "invalid");
    assert.ok(err.message.startsWith(`client config ${path} is not valid TOML: `), err.message);
    return true;
  });
});

test("refuses a setting that is not a string, naming the file and the key", async (t) => {
  const path = await configFile(t, "[auth]\nca_crt = 42\n");
  await assert.rejects(resolve({ config: path }), { code: "invalid", message: `${path}: ca_crt must be a string` });
});
