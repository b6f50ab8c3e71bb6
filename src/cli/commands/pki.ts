// `aer pki`: bootstrap a node's PKI and policy (init, local), then manage certificates through the daemon, which
// records each one in the node database: issue (the private key is made here and never sent), list, revoke, and
// rotate the server certificate. `issue --offline` signs with a local CA key, for a daemon that is not up yet.
import { generateKeyPairSync } from "node:crypto";
import { access, readFile, writeFile } from "node:fs/promises";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { DEFAULT_SOCKET } from "../../client/client-config.js";
import { Certificate } from "../../gen/aurae/pki/v1/pki.js";
import { AuraeError, errnoCode, exists as alreadyExists, osError } from "../../errors.js";
import { ISSUED_DIR } from "../../pki/files.js";
import { createCa, issueClientCert, issueServerCert, writePkiFiles, parseSpiffeId, isValidTrustDomain, type IssuedCertificate, type Pem } from "../../pki/index.js";
import { displaySerial } from "../../pki/serial.js";
import { outputOptions, withClient } from "../context.js";
import { printRows, protoJson, type Printer } from "../output.js";
import { durationOption, formatAge, parseDurationMs } from "../units.js";
import { allPages, PAGE_SIZE } from "../pages.js";

interface InitOptions {
  configDir: string;
  clientDir: string;
  trustDomain: string;
  spiffeId?: string;
  ifMissing?: boolean;
}

interface IssueOptions {
  spiffeId: string;
  out: string;
  name: string;
  /** Milliseconds. */
  ttl: number;
  offline?: boolean;
  configDir: string;
}

const fileExists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

const trustDomain = (text: string): string => {
  if (!isValidTrustDomain(text)) throw new InvalidArgumentError(`"${text}" is not a SPIFFE trust domain name`);
  return text;
};

const ttlSeconds = (ms: number): bigint => BigInt(Math.round(ms / 1000));
const collect = (value: string, all: string[]): string[] => [...all, value];

const CERTIFICATE: Printer<Certificate> = {
  columns: [
    ["SERIAL", (c) => displaySerial(c.serial)],
    ["KIND", (c) => c.kind],
    ["IDENTITY", (c) => c.spiffeId || c.serverNames.join(",")],
    ["EXPIRES", (c) => c.notAfter?.toISOString() ?? ""],
    ["ISSUED BY", (c) => c.issuedBy],
    ["REVOKED", (c) => (c.revokedAt ? `${formatAge(c.revokedAt)} ago by ${c.revokedBy}${c.revokeReason ? `: ${c.revokeReason}` : ""}` : "-")],
  ],
  toJson: (c) => protoJson(Certificate, { ...c, serial: displaySerial(c.serial) }),
  name: (c) => displaySerial(c.serial),
};

export function registerPki(program: Command): void {
  const pki = program.command("pki").description("create and issue mutual-TLS certificates, revoke them, rotate the server's");
  pki
    .command("init")
    .description("create a CA, auraed's server certificate, an admin client certificate, the policy and the client config")
    .option("--config-dir <dir>", "auraed's config directory; the CA and server certificate go to <dir>/pki, the policy to <dir>/policy.toml", "/etc/aurae")
    .option("--client-dir <dir>", "the client's directory; its certificate goes to <dir>/pki, its config to <dir>/config", join(homedir(), ".aurae"))
    .option("--trust-domain <name>", "SPIFFE trust domain", trustDomain, "aurae.local")
    .option("--spiffe-id <id>", "the admin's SPIFFE ID (default spiffe://<trust domain>/admin)")
    .option("--if-missing", "if a CA exists, keep it (and the policy); only give this user a client config from it if they have none")
    .action(async (opts: InitOptions, command: Command) => {
      // The global --socket names the socket the client config is to hold.
      const socket = command.optsWithGlobals<{ socket?: string }>().socket ?? DEFAULT_SOCKET;
      const paths = initPaths(opts);
      const spiffeId = parseSpiffeId(opts.spiffeId ?? `spiffe://${opts.trustDomain}/admin`, "--spiffe-id").id;
      if (opts.ifMissing && (await fileExists(join(paths.serverPki, "ca.crt")))) {
        if (await fileExists(paths.config)) process.stdout.write(`PKI already exists in ${paths.serverPki} and ${paths.config}: left as is\n`);
        else await addClient(paths, spiffeId, socket);
        return;
      }
      await createNodePki(paths, opts.trustDomain, spiffeId, socket);
    });
  pki
    .command("issue")
    .description("issue a client certificate (an X.509-SVID) for a SPIFFE ID; the key is made here and never sent")
    .requiredOption("--spiffe-id <id>", "e.g. spiffe://aurae.local/ci")
    .requiredOption("--out <dir>", "directory for <name>.crt, <name>.key and <name>.ca.crt")
    .option("--name <name>", "file name stem", "client")
    .addOption(durationOption("--ttl <duration>", "lifetime: 1h, 30d, ...", 24 * 3_600_000))
    .option("--offline", "sign with the CA key in --config-dir instead of asking auraed (bootstrap)")
    .option("--config-dir <dir>", "with --offline: auraed's config directory holding pki/ca.crt and pki/ca.key", "/etc/aurae")
    .action(async (opts: IssueOptions, command: Command) => {
      const { certPem, keyPem, caPem, serial } = opts.offline ? await issueOffline(opts) : await issueOnline(opts, command);
      const paths = await writePkiFiles(opts.out, { [opts.name]: { certPem, keyPem }, [`${opts.name}.ca`]: { certPem: caPem } });
      process.stdout.write(`issued ${opts.spiffeId} (serial ${serial}): ${paths.join(", ")}\n`);
    });
  pki
    .command("list")
    .description("the certificates this node issued, newest first")
    .option("--spiffe-id <id>", 'only this SPIFFE ID, or every ID below a prefix ending in "/"', "")
    .action((opts: { spiffeId: string }, command: Command) =>
      withClient(command, async (client) => {
        const certificates = await allPages(
          (pageToken) => client.pki.listCertificates({ spiffeId: opts.spiffeId, pageSize: PAGE_SIZE, pageToken }),
          (page) => page.certificates,
        );
        printRows(certificates.map((item) => ({ item })), CERTIFICATE, outputOptions(command));
      }),
    );
  pki
    .command("revoke <serial>")
    .description("refuse a certificate from now on, also on connections already open")
    .option("--reason <text>", "why, for the record", "")
    .action((serial: string, opts: { reason: string }, command: Command) =>
      withClient(command, async (client) => {
        const { certificate } = await client.pki.revokeCertificate({ serial, reason: opts.reason });
        printRows([{ item: certificate! }], CERTIFICATE, outputOptions(command), true);
      }),
    );
  pki
    .command("rotate-server")
    .description("issue auraed a new server certificate and serve it to new connections; open ones keep theirs")
    .option("--ttl <duration>", "lifetime: 90d, 825d, ... (default 825d)", parseDurationMs)
    .option("--dns-name <name>", "a DNS name for it (repeatable; default: the current certificate's names)", collect, [])
    .option("--ip <address>", "an IP address for it (repeatable)", collect, [])
    .action((opts: { ttl?: number; dnsName: string[]; ip: string[] }, command: Command) =>
      withClient(command, async (client) => {
        const { certificate } = await client.pki.rotateServerCertificate({ ttlSeconds: ttlSeconds(opts.ttl ?? 0), dnsNames: opts.dnsName, ipAddresses: opts.ip });
        printRows([{ item: certificate! }], CERTIFICATE, outputOptions(command), true);
      }),
    );
}

interface Issued {
  certPem: string;
  keyPem: string;
  caPem: string;
  serial: string;
}

async function issueOnline(opts: IssueOptions, command: Command): Promise<Issued> {
  const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return withClient(command, async (client) => {
    const issued = await client.pki.issueCertificate({
      spiffeId: opts.spiffeId,
      publicKeyPem: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
      ttlSeconds: ttlSeconds(opts.ttl),
    });
    return {
      certPem: issued.certificatePem,
      keyPem: keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      caPem: issued.caPem,
      serial: displaySerial(issued.certificate!.serial),
    };
  });
}

async function issueOffline(opts: IssueOptions): Promise<Issued> {
  const caDir = join(opts.configDir, "pki");
  const ca = await readCa(caDir);
  const issued = await issueClientCert(ca, { spiffeId: opts.spiffeId, validDays: Math.max(1, Math.ceil(opts.ttl / 86_400_000)) });
  await recordOffline(caDir, issued);
  return { ...issued, serial: displaySerial(issued.serial), caPem: ca.certPem };
}

interface InitPaths {
  readonly serverPki: string;
  readonly clientPki: string;
  readonly config: string;
  readonly policy: string;
}

const initPaths = (opts: InitOptions): InitPaths => ({
  serverPki: join(opts.configDir, "pki"),
  clientPki: join(opts.clientDir, "pki"),
  config: join(opts.clientDir, "config"),
  policy: join(opts.configDir, "policy.toml"),
});

async function createNodePki(paths: InitPaths, domain: string, spiffeId: string, socket: string): Promise<void> {
  const ca = await createCa({ commonName: `Aurae CA (${domain})` });
  const server = await issueServerCert(ca, {
    commonName: "auraed",
    dnsNames: [...new Set(["localhost", "auraed", hostname().toLowerCase()])],
    ipAddresses: ["127.0.0.1", "::1"],
  });
  const admin = await issueClientCert(ca, { spiffeId });
  for (const path of [paths.config, paths.policy])
    if (await fileExists(path)) throw alreadyExists(`${path} already exists; refusing to overwrite it`);
  await writePkiFiles(paths.serverPki, { ca, server });
  await writePkiFiles(join(paths.serverPki, ISSUED_DIR), { admin: { certPem: admin.certPem } });
  await writeFile(paths.policy, adminPolicy(spiffeId), { flag: "wx", mode: 0o600 });
  await writeClient(paths, admin, socket);
  process.stdout.write(
    `created a CA and server certificate in ${paths.serverPki} and the policy ${paths.policy}\n` +
      `created ${spiffeId} in ${paths.clientPki} and the client config ${paths.config}\n`,
  );
}

// The node's CA and policy exist but this user has no client config (a second user, or a deleted ~/.aurae): sign
// them a certificate with that CA, leaving the CA, the server's certificate and the policy as they are.
async function addClient(paths: InitPaths, spiffeId: string, socket: string): Promise<void> {
  const ca = await readCa(paths.serverPki);
  const client = await issueClientCert(ca, { spiffeId });
  await writeClient(paths, client, socket);
  await recordOffline(paths.serverPki, client);
  process.stdout.write(`PKI already exists in ${paths.serverPki}: created ${spiffeId} in ${paths.clientPki}, signed by its CA, and the client config ${paths.config}\n`);
}

async function writeClient(paths: InitPaths, client: IssuedCertificate, socket: string): Promise<void> {
  await writePkiFiles(paths.clientPki, { admin: client });
  await writeFile(paths.config, clientConfig(join(paths.serverPki, "ca.crt"), join(paths.clientPki, "admin"), socket), { flag: "wx", mode: 0o600 });
}

async function readCa(caDir: string): Promise<Pem> {
  const keyPath = join(caDir, "ca.key");
  const keyPem = await readFile(keyPath, "utf8").catch((err: unknown) => {
    if (errnoCode(err) !== "EACCES") throw osError("read", keyPath, err);
    throw new AuraeError(
      "denied",
      `read ${keyPath}: EACCES; run this as root, or have an admin of the node issue you a certificate ` +
        `(aer pki issue --spiffe-id spiffe://<trust domain>/<you> --out ~/.aurae/pki --name client) and write ~/.aurae/config naming it (docs/getting-started.md)`,
      undefined,
      { cause: err },
    );
  });
  return { certPem: await readFile(join(caDir, "ca.crt"), "utf8"), keyPem };
}

// auraed records what it finds here when it starts, so that it can list and revoke it.
const recordOffline = (caDir: string, issued: IssuedCertificate): Promise<string[]> =>
  writePkiFiles(join(caDir, ISSUED_DIR), { [`offline-${issued.serial}`]: { certPem: issued.certPem } });

function adminPolicy(adminId: string): string {
  return `# Who may call what on this node (format: docs/security.md). auraed reloads this file when it changes.
# A call is allowed when a rule grants its method to the caller and reaches the cell it acts on.

[[rule]]
name = "admin"
identities = ["${adminId}"]
role = "admin"

# [[rule]]
# name = "ci"
# identities = ["spiffe://example.org/ci/*"]
# role = "operator"          # reader | operator | admin
# cells = ["ci/"]            # only cell ci and the cells below it
# uids = ["nobody"]          # users and groups its executables may run as (default for a rule with
# gids = ["nogroup"]         # cells: nobody alone; root needs run_as_root = true)

# [deny]
# identities = []
# serials = []
`;
}

function clientConfig(caCrt: string, clientStem: string, socket: string): string {
  return [
    "# Aurae client config: written by `aer pki init`.",
    "[auth]",
    `ca_crt = ${JSON.stringify(caCrt)}`,
    `client_crt = ${JSON.stringify(`${clientStem}.crt`)}`,
    `client_key = ${JSON.stringify(`${clientStem}.key`)}`,
    "",
    "[system]",
    `socket = ${JSON.stringify(socket)}`,
    "",
  ].join("\n");
}
