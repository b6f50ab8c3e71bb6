// Per-identity limits, so one runaway or hostile client cannot starve the others: a request rate (token bucket:
// a sustained rate and a burst) and a number of streams open at once; and a cap on the streams of every identity
// together, since identities are cheap to come by (each cell's workload has one). Past any, calls get
// RESOURCE_EXHAUSTED.

export interface CallLimitsConfig {
  /** Calls per second each identity may sustain; 0: unlimited. */
  readonly ratePerSecond: number;
  /** Calls an identity may make at once after being idle. */
  readonly burst: number;
  /** Server streams (follows, watches) an identity may hold open at once. */
  readonly maxStreams: number;
  /** Server streams every identity together may hold open at once. */
  readonly maxStreamsTotal: number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
  streams: number;
}

/** Buckets of identities idle long enough to be full again are dropped once this many exist. */
const MAX_BUCKETS = 10_000;

export class CallLimits {
  readonly #buckets = new Map<string, Bucket>();
  #streams = 0;

  constructor(
    private readonly config: CallLimitsConfig,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** Takes one call from the identity's budget; answers why not when it is spent. */
  takeCall(identity: string): string | undefined {
    const { ratePerSecond, burst } = this.config;
    if (ratePerSecond === 0) return undefined;
    const bucket = this.#bucket(identity);
    const now = this.now();
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * ratePerSecond);
    bucket.refilledAt = now;
    if (bucket.tokens < 1) return `${identity} is over its rate of ${ratePerSecond} calls per second (burst ${burst}): slow down`;
    bucket.tokens -= 1;
    return undefined;
  }

  /** Opens a stream for the identity: a function that closes it (call it once), or why it may not open one. */
  openStream(identity: string): (() => void) | string {
    const bucket = this.#bucket(identity);
    if (bucket.streams >= this.config.maxStreams)
      return `${identity} already has ${bucket.streams} streams open (at most ${this.config.maxStreams}): close one first`;
    if (this.#streams >= this.config.maxStreamsTotal)
      return `auraed already serves ${this.#streams} streams (at most ${this.config.maxStreamsTotal} for all callers): try again later`;
    bucket.streams += 1;
    this.#streams += 1;
    let open = true;
    return () => {
      if (open) {
        bucket.streams -= 1;
        this.#streams -= 1;
      }
      open = false;
    };
  }

  #bucket(identity: string): Bucket {
    let bucket = this.#buckets.get(identity);
    if (!bucket) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#forgetIdle();
      bucket = { tokens: this.config.burst, refilledAt: this.now(), streams: 0 };
      this.#buckets.set(identity, bucket);
    }
    return bucket;
  }

  #forgetIdle(): void {
    const now = this.now();
    const { ratePerSecond, burst } = this.config;
    for (const [identity, bucket] of this.#buckets) {
      const full = ratePerSecond === 0 || bucket.tokens + ((now - bucket.refilledAt) / 1000) * ratePerSecond >= burst;
      if (full && bucket.streams === 0) this.#buckets.delete(identity);
    }
  }
}
