// What every aer command shares: the global options, and clients connected as they say: one node (the socket, or
// --node), or with --nodes each of several, asked at once.
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ClientOptions } from "../client/client-config.js";
import { connect, type AuraeClient } from "../client/connect.js";
import { EXIT } from "./exit-codes.js";
import { diagnose, reportFailure } from "./failure.js";
import { OUTPUT_FORMATS, type OutputOptions, type OutputFormat, type Row } from "./output.js";

export interface GlobalOptions {
  readonly config?: string;
  readonly socket?: string;
  readonly node?: string;
  readonly nodes?: readonly string[];
  readonly output: OutputFormat;
  readonly quiet?: boolean;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option("--config <path>", "client config (default ~/.aurae/config, then /etc/aurae/config)")
    .option("--socket <path>", "auraed's Unix socket (overrides the config)")
    .option("--node <address>", "reach auraed over TCP instead, e.g. [::1]:8080 or node-2:8080")
    .option("--nodes <addresses>", "read from several nodes at once, e.g. node-1:8080,node-2:8080", parseNodes)
    .addOption(new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default("table"))
    .option("-q, --quiet", "names only, one a line (events, audit: sequences; health: nothing, only the exit code)");
}

export const globalOptions = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

export const outputOptions = (command: Command): OutputOptions => {
  const { output, quiet } = globalOptions(command);
  return { format: output, quiet: quiet ?? false };
};

/** A client of one node; `node` is its --nodes address, undefined when one node was asked. */
export interface NodeClient {
  readonly node: string | undefined;
  readonly client: AuraeClient;
  readonly options: ClientOptions;
}

/** Runs `fn` with a client of the one node the options name; --nodes is refused (it changes or follows one node). */
export async function withClient<T>(command: Command, fn: (client: AuraeClient, opts: GlobalOptions) => Promise<T>): Promise<T> {
  const opts = globalOptions(command);
  if (opts.nodes) command.error(`--nodes fans out reads only; "aer ${commandPath(command)}" acts on one node: use --node`, { exitCode: EXIT.usage });
  const [only] = await openClients(command);
  try {
    return await fn(only!.client, opts);
  } catch (err) {
    throw await diagnose(err, only!.options);
  } finally {
    only!.client.close();
  }
}

/**
 * Asks every node at once and returns the rows of those that answered, each labelled with its node when --nodes
 * was given. A node that fails is reported on stderr, the others are still shown, and the exit code says so.
 * With one node, its failure is thrown as usual.
 */
export async function fanOut<T>(command: Command, fn: (client: AuraeClient, node: string | undefined) => Promise<T[]>): Promise<Row<T>[]> {
  const clients = await openClients(command);
  try {
    return await readEach(clients, fn);
  } finally {
    for (const { client } of clients) client.close();
  }
}

/** fanOut over clients kept open by the caller (watch, top). */
export async function readEach<T>(clients: readonly NodeClient[], fn: (client: AuraeClient, node: string | undefined) => Promise<T[]>): Promise<Row<T>[]> {
  const results = await Promise.all(
    clients.map(async ({ node, client, options }) => {
      try {
        return (await fn(client, node)).map((item) => ({ node, item }));
      } catch (err) {
        if (node === undefined) throw await diagnose(err, options);
        const code = reportFailure(await diagnose(err, options), `node ${node}: `);
        process.exitCode ||= code;
        return [];
      }
    }),
  );
  return results.flat();
}

export async function openClients(command: Command): Promise<NodeClient[]> {
  const opts = globalOptions(command);
  const base = { config: opts.config, socket: opts.socket };
  const targets: (string | undefined)[] = opts.nodes ? [...opts.nodes] : [undefined];
  return Promise.all(
    targets.map(async (node) => {
      const options: ClientOptions = { ...base, address: node ?? opts.node };
      return { node, client: await connect(options), options };
    }),
  );
}

/** "cell allocate" for the command of `aer cell allocate`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function parseNodes(text: string): string[] {
  const nodes = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (nodes.length === 0) throw new InvalidArgumentError(`"${text}" names no node: give addresses such as node-1:8080,node-2:8080`);
  return nodes;
}
