// What every pull test needs: a temp content store and a registry client configured for the test's registries,
// both cleaned up when the test ends.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { ContentStore } from "../../../../src/runtime/images/content-store.js";
import { RegistryClient } from "../../../../src/runtime/images/registry-client.js";
import { RegistryHosts, type RegistryHostsOptions } from "../../../../src/runtime/images/registry-hosts.js";

export interface PullEnv {
  readonly content: ContentStore;
  readonly registry: RegistryClient;
  /** Entries left under ingest/ (partial downloads). */
  ingestEntries(): Promise<string[]>;
}

export async function pullEnv(t: TestContext, hosts: RegistryHostsOptions): Promise<PullEnv> {
  const root = await mkdtemp(join(tmpdir(), "aurae-content-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const registry = new RegistryClient(new RegistryHosts(hosts));
  t.after(() => registry.close());
  return {
    content: new ContentStore(root),
    registry,
    ingestEntries: () => readdir(join(root, "ingest")).catch(() => []),
  };
}
