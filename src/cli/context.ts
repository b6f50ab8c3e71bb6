// What every aer command shares: the global options and a connected client.
import type { Command } from "commander";
import { connect, type AuraeClient } from "../client/connect.js";
import type { OutputFormat } from "./output.js";

export interface GlobalOptions {
  readonly config?: string;
  readonly socket?: string;
  readonly node?: string;
  readonly output: OutputFormat;
}

export const globalOptions = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

/** Runs `fn` with a client connected as the global options say, and closes it after. */
export async function withClient<T>(command: Command, fn: (client: AuraeClient, opts: GlobalOptions) => Promise<T>): Promise<T> {
  const opts = globalOptions(command);
  const client = await connect({ config: opts.config, socket: opts.socket, address: opts.node });
  try {
    return await fn(client, opts);
  } finally {
    client.close();
  }
}
