/**
 * What the simulated benchmarks share (tools/bench-functions.ts, tools/bench-coverage.ts, tools/bench-responder.ts):
 * a virtual clock that the code under test waits on through its Run (functions/shared/run.ts takes `now` and
 * `sleep`) and through the global timers, token buckets on that clock for the services' request rates, and a
 * seeded random source so a workload is the same each run.
 */

interface Timer {
    at: number;
    seq: number;
    resolve: () => void;
    /** Set by clearTimeout: the timer is dropped when its turn comes. */
    cancelled?: boolean;
}

/** What a virtual setTimeout returns: enough of Node's Timeout for the code that holds one. */
class VirtualTimeout {
    constructor(readonly timer: Timer) {}
    ref(): this {
        return this;
    }
    unref(): this {
        return this;
    }
    hasRef(): boolean {
        return true;
    }
    [Symbol.toPrimitive](): number {
        return this.timer.seq;
    }
}

/** Earlier first; at the same time, in the order the waits began. */
const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * Virtual time for concurrent work: every wait is a timer on a virtual clock, and `drive` moves the clock to
 * the next timer whenever all work is waiting, so work running side by side overlaps as it would for real.
 * The timers are a binary heap: a burst keeps a thousand waits pending at once, too many to sort every step.
 */
export class VirtualTime {
    now = 0;
    /** The largest heap seen while driving, sampled between steps. */
    peakHeapBytes = 0;
    private readonly timers: Timer[] = [];
    private seq = 0;
    private steps = 0;

    /** `heapSampleEvery`: steps between heap samples (each a full collection under --expose-gc); 0: never. */
    constructor(private readonly options: { heapSampleEvery?: number } = {}) {}

    /**
     * Live heap, not garbage: with node --expose-gc (npm run bench does) a collection runs first, so the
     * number is what the run holds, the simulated services included.
     */
    sampleHeap(): void {
        (globalThis as { gc?: () => void }).gc?.();
        this.peakHeapBytes = Math.max(this.peakHeapBytes, process.memoryUsage().heapUsed);
    }

    sleep(ms: number): Promise<void> {
        return new Promise((resolve) =>
            this.push({ at: this.now + Math.max(0, ms), seq: this.seq++, resolve }),
        );
    }

    /**
     * Runs `work` to its end on the virtual clock. While it runs, the global setTimeout and clearTimeout are the
     * clock's too: code under test waits on timers it does not take from its Run, and the clock must see them.
     * The one that made `npm run bench -- --functions` fail with "work waits on nothing": every retry of
     * functions/shared/run.ts goes through the SDK's retry strategy (@smithy/core ConfiguredRetryStrategy), whose
     * refreshRetryTokenForRetry waits `await new Promise((r) => setTimeout(r, retryDelay))` before it returns
     * the token, even when the delay is 0. A real 0 ms timer fires after 1 ms at the earliest, in a later turn
     * of the event loop; when every region's work was waiting on such a timer, the loop below saw no virtual
     * timer for 1,000 turns (under 1 ms on a quiet machine) and gave up. And when other work had timers, the
     * clock moved on while the retry waited, so its retry came late by however far the clock had run.
     * Pass `work` as a function when its first synchronous steps may set a timer.
     */
    async drive<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
        const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
        const virtualSetTimeout = (
            callback: (...args: unknown[]) => void,
            ms?: number,
            ...args: unknown[]
        ) => {
            const timer: Timer = {
                at: this.now + Math.max(0, ms ?? 0),
                seq: this.seq++,
                resolve: () => undefined,
            };
            timer.resolve = () => callback(...args);
            this.push(timer);
            return new VirtualTimeout(timer);
        };
        const virtualClearTimeout = (handle: unknown) => {
            if (handle instanceof VirtualTimeout) handle.timer.cancelled = true;
            else real.clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
        };
        globalThis.setTimeout = virtualSetTimeout as unknown as typeof setTimeout;
        globalThis.clearTimeout = virtualClearTimeout as typeof clearTimeout;
        try {
            // Work given as a function starts under the virtual timers; a promise has started already, and
            // only its timers set from now on are the clock's.
            return await this.run(typeof work === "function" ? work() : work);
        } finally {
            globalThis.setTimeout = real.setTimeout;
            globalThis.clearTimeout = real.clearTimeout;
        }
    }

    private async run<T>(work: Promise<T>): Promise<T> {
        let settled = false;
        const result = work.finally(() => {
            settled = true;
        });
        result.catch(() => undefined);
        let idle = 0;
        while (!settled) {
            // Everything the last timer set going runs (microtasks included) before the clock moves on.
            await new Promise<void>((resolve) => setImmediate(resolve));
            if (settled) break;
            const next = this.pop();
            if (next === undefined) {
                if (++idle > 1000) throw new Error("simulation deadlock: work waits on nothing");
                continue;
            }
            idle = 0;
            if (next.cancelled === true) continue;
            const every = this.options.heapSampleEvery ?? 2048;
            if (every > 0 && ++this.steps % every === 0) this.sampleHeap();
            this.now = Math.max(this.now, next.at);
            next.resolve();
        }
        return result;
    }

    private push(timer: Timer): void {
        const heap = this.timers;
        heap.push(timer);
        let i = heap.length - 1;
        while (i > 0) {
            const parent = (i - 1) >> 1;
            if (!before(heap[i], heap[parent])) break;
            [heap[i], heap[parent]] = [heap[parent], heap[i]];
            i = parent;
        }
    }

    private pop(): Timer | undefined {
        const heap = this.timers;
        const top = heap[0];
        const last = heap.pop();
        if (heap.length === 0 || last === undefined) return top;
        heap[0] = last;
        let i = 0;
        for (;;) {
            const left = 2 * i + 1;
            const right = left + 1;
            let least = i;
            if (left < heap.length && before(heap[left], heap[least])) least = left;
            if (right < heap.length && before(heap[right], heap[least])) least = right;
            if (least === i) return top;
            [heap[i], heap[least]] = [heap[least], heap[i]];
            i = least;
        }
    }
}

/** A request rate: tokens added per second up to `burst`; `documented` says whether AWS publishes it. */
export interface Rate {
    perSecond: number;
    burst: number;
    documented: boolean;
}

/**
 * Token buckets on the virtual clock, the algorithm AWS documents for EC2's throttling (EC2 API reference,
 * "Request throttling for the Amazon EC2 API"): each call takes a token; an empty bucket throttles the call;
 * tokens come back at the refill rate up to the bucket's size. One bucket per key (an API in an account and
 * region, a prefix of a bucket, ...), created full.
 */
export class TokenBuckets {
    private readonly buckets = new Map<string, { tokens: number; at: number }>();
    constructor(private readonly time: VirtualTime) {}

    /** Takes a token from bucket `key`, filled at `rate`; false when it is empty: the call is throttled. */
    take(key: string, rate: Rate): boolean {
        const now = this.time.now;
        const bucket = this.buckets.get(key) ?? { tokens: rate.burst, at: now };
        bucket.tokens = Math.min(rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * rate.perSecond);
        bucket.at = now;
        this.buckets.set(key, bucket);
        if (bucket.tokens < 1) return false;
        bucket.tokens -= 1;
        return true;
    }
}

/** A seeded source of numbers in [0, 1) (mulberry32): the same workload every run. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** The value below which `p` of the sorted values fall (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
