import type { Logger } from "pino";
import type { BlobProgress, ImageRecord, Images } from "../../domain/images/images.js";
import { unsupported } from "../../errors.js";
import type { ImageServiceServer, PullRequest, PullResponse } from "../../gen/aurae/images/v1/images.js";
import {
  credentialsFromProto, diskUsageToProto, imageToProto, platformFromProto, progressToProto, pruneToProto,
} from "../convert/images.js";
import { serverStream, unary } from "../rpc.js";

export const imageService = ({ images, log }: { images: Images; log: Logger }): ImageServiceServer => ({
  pull: serverStream(log, (req: PullRequest, signal) => pullStream(images, req, signal)),
  list: unary(log, async () => ({ images: images.list().map(imageToProto) })),
  get: unary(log, async (req) => ({ image: imageToProto(images.get(req.reference)) })),
  tag: unary(log, async (req) => ({ image: imageToProto(images.tag(req.source, req.target)) })),
  remove: unary(log, async (req) => ({ image: imageToProto(images.remove(req.reference, req.force)) })),
  prune: unary(log, async () => pruneToProto(await images.prune())),
  diskUsage: unary(log, async () => diskUsageToProto(await images.diskUsage())),
  import: unary(log, () => Promise.reject(unsupported("Import of OCI layouts and docker save tars is not implemented yet"))),
  export: unary(log, () => Promise.reject(unsupported("Export as an OCI layout tar is not implemented yet"))),
});

/**
 * The progress of every blob as it comes, then the image. A reader slower than the download gets each blob's latest
 * progress only: updates waiting to be sent are replaced, never queued without bound.
 */
async function* pullStream(images: Images, req: PullRequest, signal: AbortSignal): AsyncGenerator<PullResponse> {
  const pending = new Map<string, BlobProgress>();
  let wake: (() => void) | undefined;
  let outcome: { image: ImageRecord } | { err: unknown } | undefined;
  const onProgress = (p: BlobProgress): void => {
    pending.delete(p.digest); // re-inserted last: the map's order is the order of the latest updates
    pending.set(p.digest, p);
    wake?.();
  };
  const platform = platformFromProto(req.platform);
  const credentials = credentialsFromProto(req.credentials);
  const request = { reference: req.reference, ...(platform && { platform }), ...(credentials && { credentials }), onProgress };
  void images.pull(request, signal).then((image) => { outcome = { image }; }, (err: unknown) => { outcome = { err }; }).finally(() => wake?.());
  for (;;) {
    if (pending.size === 0 && outcome === undefined) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    const batch = [...pending.values()];
    pending.clear();
    for (const p of batch) yield { progress: progressToProto(p) };
    if (outcome !== undefined && pending.size === 0) break;
  }
  if ("err" in outcome) throw outcome.err;
  yield { image: imageToProto(outcome.image) };
}
