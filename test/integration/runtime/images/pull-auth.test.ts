// Authentication and transport: TLS with a per-registry CA and htpasswd basic auth, the bearer-token flow, plain
// HTTP only where configured, and mirrors tried before the registry.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isAuraeError } from "../../../../src/errors.js";
import { pullImage } from "../../../../src/runtime/images/pull.js";
import { parseReference } from "../../../../src/runtime/images/reference.js";
import { buildImage, buildLayer } from "../../../helpers/images/image-builder.js";
import { freePort, startRegistry } from "../../../helpers/images/registry.js";
import { pullEnv } from "./pull-env.js";

const signal = AbortSignal.timeout(60_000);
const platform = { os: "linux", architecture: "amd64" };
const smallImage = () => buildImage([buildLayer([{ path: "hello", type: "file", content: `hello ${Math.random()}` }])]);

test("TLS with the registry's own CA and basic auth from a Docker config.json", async (t) => {
  const reg = await startRegistry(t, "tls-basic");
  const image = smallImage();
  await reg.pushImage("secure/app", image, "v1");
  const ref = parseReference(`${reg.host}/secure/app:v1`);
  const auth = Buffer.from(`${reg.username}:${reg.password}`).toString("base64");
  const env = await pullEnv(t, { hosts: { [reg.host]: { caPem: reg.caPem as string } }, dockerConfig: { auths: { [reg.host]: { auth } } } });

  const pulled = await pullImage(ref, env, { signal, platform });
  assert.equal(pulled.manifest.digest, image.manifest.digest);
  assert.deepEqual(await env.content.verify(), []);
});

test("TLS basic auth: credentials passed in the call work; none is UNAUTHENTICATED; a wrong one too and never quoted", async (t) => {
  const reg = await startRegistry(t, "tls-basic");
  await reg.pushImage("secure/app", smallImage(), "v1");
  const ref = parseReference(`${reg.host}/secure/app:v1`);
  const env = await pullEnv(t, { hosts: { [reg.host]: { caPem: reg.caPem as string } } });

  await assert.rejects(pullImage(ref, env, { signal, platform }), (err) => isAuraeError(err, "unauthenticated") && err.message.includes(reg.host));
  const wrong = "not-the-password-42";
  await assert.rejects(pullImage(ref, env, { signal, platform, credentials: { username: reg.username, password: wrong } }),
    (err) => isAuraeError(err, "unauthenticated") && !err.message.includes(wrong));
  await pullImage(ref, env, { signal, platform, credentials: { username: reg.username, password: reg.password } });
});

test("TLS without the registry's CA is refused as UNAVAILABLE: only the system CAs are trusted by default", async (t) => {
  const reg = await startRegistry(t, "tls-basic");
  const env = await pullEnv(t, {});
  await assert.rejects(pullImage(parseReference(`${reg.host}/x:v1`), env, { signal, platform }),
    (err) => isAuraeError(err, "unavailable") && /SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY/.test(err.message));
});

test("the bearer flow: a 401 challenge sends the client to the token server with basic auth and the pull scope", async (t) => {
  const reg = await startRegistry(t, "token");
  const image = smallImage();
  await reg.pushImage("team/app", image, "v1");
  const env = await pullEnv(t, { hosts: { [reg.host]: { insecureHttp: true, credentials: { username: reg.username, password: reg.password } } } });

  const pulled = await pullImage(parseReference(`${reg.host}/team/app:v1`), env, { signal, platform });
  assert.equal(pulled.manifest.digest, image.manifest.digest);
  assert.deepEqual(reg.tokenServer?.issued, ["repository:team/app:pull"], "one token for the whole pull");
});

test("plain HTTP is spoken only to a registry configured for it", async (t) => {
  const reg = await startRegistry(t, "plain");
  await reg.pushImage("app", smallImage(), "v1");
  const env = await pullEnv(t, {});
  await assert.rejects(pullImage(parseReference(`${reg.host}/app:v1`), env, { signal, platform }), (err) => isAuraeError(err, "unavailable"));
  assert.deepEqual(await env.content.list(), []);
});

test("mirrors are tried first: one lacking the image and one down are passed over, one holding it serves it", async (t) => {
  const mirror = await startRegistry(t, "plain");
  const empty = await startRegistry(t, "plain");
  const image = smallImage();
  await mirror.pushImage("library/app", image, "v1");
  const down = `127.0.0.1:${await freePort()}`;
  const upstream = `127.0.0.1:${await freePort()}`; // nobody listens: only the mirror can answer
  const env = await pullEnv(t, {
    hosts: {
      [upstream]: { insecureHttp: true, mirrors: [down, empty.host, mirror.host] },
      [down]: { insecureHttp: true }, [empty.host]: { insecureHttp: true }, [mirror.host]: { insecureHttp: true },
    },
  });
  const pulled = await pullImage(parseReference(`${upstream}/library/app:v1`), env, { signal, platform });
  assert.equal(pulled.manifest.digest, image.manifest.digest);
});
