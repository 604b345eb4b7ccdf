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
    /** Delay before retry number `attempt` (1-based), in ms. Default: the SDK's exponential backoff with jitter. */
    backoffMs?: (attempt: number) => number;
    /** Waits between attempts; tests pass a no-op. */
    sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 10;

function classify(error: SdkError): RetryErrorType {
    if (isThrottlingError(error)) return "THROTTLING";
    if (isTransientError(error)) return "TRANSIENT";
    if (isServerError(error)) return "SERVER_ERROR";
    return "CLIENT_ERROR";
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one AWS call and retries it on throttling, transient and server errors with the SDK's own retry
 * strategy (backoff, jitter and retry quota from @smithy/core). We retry around `send` rather than only
 * inside the client so that the same policy applies whether the client is real or mocked in tests.
 */
export async function withAwsRetry<T>(
    scope: string,
    call: () => Promise<T>,
    options: AwsRetryOptions = {},
): Promise<T> {
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const strategy =
        options.backoffMs === undefined
            ? new ConfiguredRetryStrategy(maxAttempts)
            : new ConfiguredRetryStrategy(maxAttempts, options.backoffMs);
    const sleep = options.sleep ?? realSleep;
    let token = await strategy.acquireInitialRetryToken(scope);
    for (;;) {
        try {
            const result = await call();
            strategy.recordSuccess(token);
            return result;
        } catch (error) {
            const sdkError = error as SdkError;
            try {
                token = await strategy.refreshRetryTokenForRetry(token, {
                    error: sdkError,
                    errorType: classify(sdkError),
                });
            } catch {
                // Not retryable, attempts exhausted or retry quota spent: the caller sees the AWS error itself.
                throw error;
            }
            await sleep(token.getRetryDelay());
        }
    }
}
