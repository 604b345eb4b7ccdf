import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { withAwsRetry, type AwsRetryOptions } from "../../stacks/aws-retry";

/** Raised when a run must stop to stay within its time limit; the next run resumes from the live state. */
export class DeadlineReached extends Error {
    override name = "DeadlineReached";
}

export interface RunOptions {
    /** When the run must have stopped, in epoch milliseconds. */
    deadlineMs: number;
    /** Time left for the last call and the report after the deadline check (default 30 s). */
    marginMs?: number;
    /** The clock; tests move it by hand. */
    now?: () => number;
    /** Total attempts per call, the first included (default 10, as stacks/aws-retry.ts). */
    maxAttempts?: number;
    /** Waits between attempts; tests pass one that advances their clock. */
    sleep?: (ms: number) => Promise<void>;
    /** Delay before retry number `attempt`; default: the exponential backoff of stacks/aws-retry.ts. */
    backoffMs?: AwsRetryOptions["backoffMs"];
}

/**
 * One run of an in-account function: every AWS call goes through `call`, which retries throttling and
 * transient errors with ONE retry strategy for the whole run, so its retry quota (the SDK's token bucket:
 * retries spend tokens, successes return them) is the run's shared budget, and which refuses to start a call
 * or a wait that would end past the deadline. A run stopped by the deadline leaves nothing half done that the
 * next run cannot see: every decision is made again from the services' own lists.
 */
export class Run {
    private readonly strategy: ConfiguredRetryStrategy;
    private readonly now: () => number;
    private readonly marginMs: number;
    calls = 0;
    retries = 0;
    /** Time held back from the run's calls, for work that must still fit after them (see `reserve`). */
    private reservedMs = 0;

    constructor(private readonly options: RunOptions) {
        this.now = options.now ?? Date.now;
        this.marginMs = options.marginMs ?? 30_000;
        this.strategy = new ConfiguredRetryStrategy(options.maxAttempts ?? 10, 0);
    }

    /** Milliseconds left before the run must stop. */
    remainingMs(): number {
        return this.options.deadlineMs - this.marginMs - this.reservedMs - this.now();
    }

    /**
     * Holds `ms` back from every later call until `reserve(0)`: a run that must still write what it read
     * stops reading that much earlier, and then has the time to write.
     */
    reserve(ms: number): void {
        this.reservedMs = ms;
    }

    /** Throws DeadlineReached when no time is left for another call; `next` names the call it would make. */
    checkDeadline(next?: string): void {
        if (this.remainingMs() <= 0)
            throw new DeadlineReached(
                `stopped before the time limit${next === undefined ? "" : `, before ${next}`}; the next run resumes`,
            );
    }

    async call<T>(scope: string, call: () => Promise<T>): Promise<T> {
        this.checkDeadline(scope);
        const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
        return withAwsRetry(
            scope,
            () => {
                this.calls++;
                return call();
            },
            {
                strategy: this.strategy,
                backoffMs: this.options.backoffMs,
                sleep: async (ms) => {
                    if (ms >= this.remainingMs()) {
                        throw new DeadlineReached(
                            `stopped before the time limit while ${scope} was throttled`,
                        );
                    }
                    this.retries++;
                    await sleep(ms);
                },
            },
        );
    }
}

/**
 * Lets a deadline through a catch that records other failures: stopping for time is the run's, never one
 * account's or resource's failure. By name, so it also holds across bundles that each carry their own class.
 */
export function rethrowDeadline(error: unknown): void {
    if (error instanceof Error && error.name === "DeadlineReached") throw error;
}

/** `Error.name: message`, as a failure is recorded in the run's report. */
export function reasonOf(error: unknown): string {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return String(error);
}

/** Follows a NextToken loop; a token seen twice would loop forever, so it fails the caller instead. */
export async function paged<T>(
    scope: string,
    page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
    const items: T[] = [];
    const seen = new Set<string>();
    let token: string | undefined;
    do {
        const result = await page(token);
        items.push(...result.items);
        token = result.next === "" ? undefined : result.next;
        if (token !== undefined && seen.has(token))
            throw new Error(`${scope} returned NextToken ${token} twice`);
        if (token !== undefined) seen.add(token);
    } while (token !== undefined);
    return items;
}
