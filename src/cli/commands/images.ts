// `aer image`: pull images from registries (progress per layer on a terminal), list, get, tag, remove, prune and
// disk usage of the node's image store. A registry password is read from stdin, never from the command line.
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { DiskUsageResponse, Image, PruneResponse } from "../../gen/aurae/images/v1/images.js";
import { outputOptions, withClient } from "../context.js";
import { startLayerProgress } from "../layer-progress.js";
import { encode, type OutputOptions, printRows, protoJson, type Printer } from "../output.js";
import { formatAge, formatUsage } from "../units.js";

const IMAGE: Printer<Image> = {
  columns: [
    ["NAME", (i) => i.name],
    ["DIGEST", (i) => i.digest.replace(/^sha256:/, "").slice(0, 12)],
    ["PLATFORM", (i) => i.platform],
    ["SIZE", (i) => formatUsage(i.size)],
    ["PULLED", (i) => `${formatAge(i.updatedAt)} ago`],
  ],
  toJson: (i) => protoJson(Image, i),
  name: (i) => i.name,
};

const platform = (text: string): { os: string; architecture: string; variant: string } => {
  const [os = "", architecture = "", variant = "", ...rest] = text.split("/");
  if (os === "" || architecture === "" || rest.length > 0) throw new InvalidArgumentError(`"${text}" is not os/architecture[/variant]`);
  return { os, architecture, variant };
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

interface PullOptions {
  platform?: { os: string; architecture: string; variant: string };
  username?: string;
  passwordStdin?: boolean;
}

/** A summary (prune, du): the message in JSON or YAML, with -q the one number a script wants, else `text()`. */
function printSummary(out: OutputOptions, json: unknown, quiet: bigint, text: () => string): void {
  if (out.format !== "table") process.stdout.write(encode(json, out.format));
  else process.stdout.write(out.quiet ? `${quiet}\n` : text());
}

export function registerImages(program: Command): void {
  const image = program.command("image").alias("images").description("pull OCI and Docker images and manage the node's image store");
  image
    .command("pull <reference>")
    .description("pull an image (busybox, host:5000/app:1.0, repo@sha256:...) with progress per layer")
    .option("--platform <os/arch[/variant]>", "the platform to choose from an index (default: the node's)", platform)
    .option("--username <name>", "registry user name (default: auraed's configured credentials)")
    .option("--password-stdin", "read the registry password from stdin")
    .action((reference: string, opts: PullOptions, command: Command) =>
      withClient(command, async (client) => {
        if (opts.passwordStdin && !opts.username) throw new InvalidArgumentError("--password-stdin needs --username");
        const credentials = opts.username ? { username: opts.username, password: opts.passwordStdin ? await readStdin() : "" } : undefined;
        const out = outputOptions(command);
        const view = startLayerProgress(out);
        let pulled: Image | undefined;
        try {
          for await (const msg of client.images.pull({ reference, ...(opts.platform && { platform: opts.platform }), ...(credentials && { credentials }) })) {
            if (msg.progress) view.update(msg.progress);
            if (msg.image) pulled = msg.image;
          }
        } finally {
          view.done();
        }
        if (pulled) printRows([{ item: pulled }], IMAGE, out, true);
      }),
    );
  image
    .command("list")
    .alias("ls")
    .description("the images on the node, by name")
    .action((_opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        const { images } = await client.images.list({});
        printRows(images.map((item) => ({ item })), IMAGE, outputOptions(command));
      }),
    );
  image
    .command("get <reference>")
    .description("one image: digests, platform, layers and its config (entrypoint, cmd, env, ...)")
    .action((reference: string, _opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        const { image: found } = await client.images.get({ reference });
        const out = outputOptions(command);
        if (out.quiet || out.format !== "table") return printRows([{ item: found! }], IMAGE, out, true);
        // A person gets the whole record too: YAML reads well.
        process.stdout.write(encode(protoJson(Image, found!), "yaml"));
      }),
    );
  image
    .command("tag <source> <target>")
    .description("give an image a second name (a repository and a tag)")
    .action((source: string, target: string, _opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        const { image: tagged } = await client.images.tag({ source, target });
        printRows([{ item: tagged! }], IMAGE, outputOptions(command), true);
      }),
    );
  image
    .command("rm <reference...>")
    .alias("remove")
    .description("remove image names; their content stays until `aer image prune`")
    .option("--force", "even while a container uses the image")
    .action((references: string[], opts: { force?: boolean }, command: Command) =>
      withClient(command, async (client) => {
        for (const reference of references) {
          const { image: removed } = await client.images.remove({ reference, force: opts.force ?? false });
          process.stdout.write(`${removed!.name}\n`);
        }
      }),
    );
  image
    .command("import <path>")
    .description("load an OCI image layout (directory or tar) or a docker save tar on the node (not implemented yet)")
    .action((path: string, _opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        const { images } = await client.images.import({ path });
        printRows(images.map((item) => ({ item })), IMAGE, outputOptions(command));
      }),
    );
  image
    .command("export <reference> <path>")
    .description("write an image as an OCI layout tar on the node (not implemented yet)")
    .action((reference: string, path: string, _opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        await client.images.export({ reference, path });
      }),
    );
  image
    .command("prune")
    .description("remove every blob and layer no image holds, and partial downloads")
    .action((_opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        const pruned = await client.images.prune({});
        printSummary(outputOptions(command), protoJson(PruneResponse, pruned), pruned.bytesFreed, () =>
          `removed ${pruned.blobsRemoved} blobs and ${pruned.layersRemoved} layers, freed ${formatUsage(pruned.bytesFreed)} (${pruned.bytesFreed} bytes)\n`);
      }),
    );
  image
    .command("du")
    .description("what the image store holds on disk, and what prune would free")
    .action((_opts: unknown, command: Command) =>
      withClient(command, async (client) => {
        const usage = await client.images.diskUsage({});
        printSummary(outputOptions(command), protoJson(DiskUsageResponse, usage), usage.reclaimableBytes, () => [
          `images        ${usage.images}`,
          `blobs         ${usage.blobs} (${formatUsage(usage.blobBytes)})`,
          `layers        ${usage.layers} unpacked (${formatUsage(usage.layerBytes)})`,
          `partial       ${formatUsage(usage.ingestBytes)}`,
          `reclaimable   ${formatUsage(usage.reclaimableBytes)} (${usage.reclaimableBytes} bytes)`,
        ].join("\n") + "\n");
      }),
    );
}
