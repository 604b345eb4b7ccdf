import {
    ConfiguredRetryStrategy,
    isServerError,
    isThrottlingError,
    isTransientError,
} from "@smithy/core/retry";
import type { RetryErrorType, SdkError } from "@smithy/types";

/** How calls to AWS APIs are retried. */
export interface AwsRetryOptions {
    /** Total attempts, the first included. Default 10: Organizations and Detective throttle hard. */
    maxAttempts?: number;
    /** Delay before retry number `attempt` (1-based), in ms. Default: exponential backoff with full jitter. */
    backoffMs?: (attempt: number) => number;
    /** Waits between attempts; tests pass a no-op. */
    sleep?: (ms: number) => Promise<void>;
    /**
     * A strategy shared by many calls, whose retry quota is then their common budget (functions/shared/run.ts).
     * Default: one per call, with `maxAttempts`.
     */
    strategy?: ConfiguredRetryStrategy;
}

const DEFAULT_MAX_ATTEMPTS = 10;
const MAX_BACKOFF_MS = 20_000;

function classify(error: SdkError): RetryErrorType {
    if (isThrottlingError(error)) return "THROTTLING";
    if (isTransientError(error)) return "TRANSIENT";
    if (isServerError(error)) return "SERVER_ERROR";
    return "CLIENT_ERROR";
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter, slower for throttling, as the SDK's standard mode does. */
function defaultBackoffMs(attempt: number, errorType: RetryErrorType): number {
    const base = errorType === "THROTTLING" ? 500 : 100;
    return Math.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** attempt);
}

/**
 * Runs one AWS call and retries it on throttling, transient and server errors. The SDK's retry strategy
 * (@smithy/core) decides whether an error is retryable and keeps the retry quota; we compute and wait
 * the delay ourselves because the strategy of this SDK version sleeps inside itself, where tests could
 * not replace the clock. We retry around `send` rather than inside the client so that the same policy
 * applies whether the client is real or mocked.
 */
export async function withAwsRetry<T>(
    scope: string,
    call: () => Promise<T>,
    options: AwsRetryOptions = {},
): Promise<T> {
    const strategy =
        options.strategy ?? new ConfiguredRetryStrategy(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 0);
    const sleep = options.sleep ?? realSleep;
    let token = await strategy.acquireInitialRetryToken(scope);
    for (let attempt = 1; ; attempt++) {
        try {
            const result = await call();
            strategy.recordSuccess(token);
            return result;
        } catch (error) {
            const sdkError = error as SdkError;
            const errorType = classify(sdkError);
            try {
                token = await strategy.refreshRetryTokenForRetry(token, { error: sdkError, errorType });
            } catch {
                // Not retryable, attempts exhausted or retry quota spent: the caller sees the AWS error itself.
                throw error;
            }
            await sleep(
                options.backoffMs ? options.backoffMs(attempt) : defaultBackoffMs(attempt, errorType),
            );
        }
    }
}
