// `aer pki`: a CA, the daemon's server certificate and SPIFFE client certificates, written where auraed and the
// client config expect them. Existing files are never overwritten.
import { access, readFile, writeFile } from "node:fs/promises";
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { DEFAULT_SOCKET } from "../../client/client-config.js";
import { createCa, issueClientCert, issueServerCert, writePkiFiles, parseSpiffeId, isValidTrustDomain } from "../../pki/index.js";
import { InvalidArgumentError } from "commander";
import { exists as alreadyExists } from "../../errors.js";
import { parseInteger } from "../units.js";

interface InitOptions {
  configDir: string;
  clientDir: string;
  trustDomain: string;
  spiffeId?: string;
  socket: string;
  ifMissing?: boolean;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

const trustDomain = (text: string): string => {
  if (!isValidTrustDomain(text)) throw new InvalidArgumentError(`"${text}" is not a SPIFFE trust domain name`);
  return text;
};

export function registerPki(program: Command): void {
  const pki = program.command("pki").description("create and issue mutual-TLS certificates");
  pki
    .command("init")
    .description("create a CA, auraed's server certificate, an admin client certificate and the client config")
    .option("--config-dir <dir>", "auraed's config directory; the CA and server certificate go to <dir>/pki", "/etc/aurae")
    .option("--client-dir <dir>", "the client's directory; its certificate goes to <dir>/pki, its config to <dir>/config", join(homedir(), ".aurae"))
    .option("--trust-domain <name>", "SPIFFE trust domain", trustDomain, "aurae.local")
    .option("--spiffe-id <id>", "the admin's SPIFFE ID (default spiffe://<trust domain>/admin)")
    .option("--socket <path>", "socket written into the client config", DEFAULT_SOCKET)
    .option("--if-missing", "do nothing, successfully, if a CA and client config already exist")
    .action(async (opts: InitOptions) => {
      const serverPki = join(opts.configDir, "pki");
      const clientPki = join(opts.clientDir, "pki");
      const configPath = join(opts.clientDir, "config");
      if (opts.ifMissing && (await exists(join(serverPki, "ca.crt"))) && (await exists(configPath))) {
        process.stdout.write(`PKI already exists in ${serverPki} and ${configPath}: left as is\n`);
        return;
      }
      const spiffeId = parseSpiffeId(opts.spiffeId ?? `spiffe://${opts.trustDomain}/admin`, "--spiffe-id").id;
      const ca = await createCa({ commonName: `Aurae CA (${opts.trustDomain})` });
      const server = await issueServerCert(ca, {
        commonName: "auraed",
        dnsNames: [...new Set(["localhost", "auraed", hostname().toLowerCase()])],
        ipAddresses: ["127.0.0.1", "::1"],
      });
      const admin = await issueClientCert(ca, { spiffeId });
      if (await exists(configPath)) throw alreadyExists(`${configPath} already exists; refusing to overwrite it`);
      await writePkiFiles(serverPki, { ca, server });
      await writePkiFiles(clientPki, { admin });
      await writeFile(configPath, clientConfig(join(serverPki, "ca.crt"), join(clientPki, "admin"), opts.socket), { flag: "wx", mode: 0o600 });
      process.stdout.write(
        `created a CA and server certificate in ${serverPki}\ncreated ${spiffeId} in ${clientPki} and the client config ${configPath}\n`,
      );
    });
  pki
    .command("issue")
    .description("issue a client certificate for a SPIFFE ID, signed by the CA of auraed's config directory")
    .requiredOption("--spiffe-id <id>", "e.g. spiffe://aurae.local/ci")
    .requiredOption("--out <dir>", "directory for <name>.crt and <name>.key")
    .option("--name <name>", "file name stem", "client")
    .option("--days <n>", "validity in days", parseInteger, 365)
    .option("--config-dir <dir>", "auraed's config directory holding pki/ca.crt and pki/ca.key", "/etc/aurae")
    .action(async (opts: { spiffeId: string; out: string; name: string; days: number; configDir: string }) => {
      const caDir = join(opts.configDir, "pki");
      const ca = { certPem: await readFile(join(caDir, "ca.crt"), "utf8"), keyPem: await readFile(join(caDir, "ca.key"), "utf8") };
      const issued = await issueClientCert(ca, { spiffeId: opts.spiffeId, validDays: opts.days });
      const paths = await writePkiFiles(opts.out, { [opts.name]: issued });
      process.stdout.write(`issued ${opts.spiffeId} (serial ${issued.serial}): ${paths.join(", ")}\n`);
    });
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
