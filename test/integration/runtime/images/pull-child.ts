// Run as a child process by pull-crash.test.ts, to be killed with SIGKILL in the middle of a pull:
// node --import tsx pull-child.ts <content root> <reference>
import { ContentStore } from "../../../../src/runtime/images/content-store.js";
import { pullImage } from "../../../../src/runtime/images/pull.js";
import { parseReference } from "../../../../src/runtime/images/reference.js";
import { RegistryClient } from "../../../../src/runtime/images/registry-client.js";
import { RegistryHosts } from "../../../../src/runtime/images/registry-hosts.js";

const [contentRoot, reference] = process.argv.slice(2) as [string, string];
const ref = parseReference(reference);
const registry = new RegistryClient(new RegistryHosts({ hosts: { [ref.registry]: { insecureHttp: true } } }));
await pullImage(ref, { registry, content: new ContentStore(contentRoot) }, { signal: AbortSignal.timeout(60_000), platform: { os: "linux", architecture: "amd64" } });
registry.close();
