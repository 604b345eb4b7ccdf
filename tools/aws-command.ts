import { ConfigError } from "../stacks/config";
import { PlanInputError } from "./plan-runtime";

/** Where a command that calls AWS writes: stdout for results, stderr for progress and mistakes. */
export interface CommandOutput {
    stdout(text: string): void;
    stderr(text: string): void;
}

/**
 * Runs an AWS-calling command as `npm run` does: its exit code becomes the process's, and an error that
 * escapes it (an AWS refusal: access denied, expired credentials, no such organization) is one line on
 * stderr and exit 1, never a stack trace.
 */
export function runFromCommandLine(
    command: (argv: string[], output: CommandOutput) => Promise<number>,
): void {
    // The SDK warns on Node 20 that its releases after January 2027 need Node 22; the versions pinned here run on
    // 20, and the README's prerequisites say when to move. Printed into every run it would bury the one line
    // that matters.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    command(process.argv.slice(2), {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    }).then(
        (code) => (process.exitCode = code),
        (error: unknown) => {
            process.stderr.write(
                `${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
            );
            process.exitCode = 1;
        },
    );
}

/**
 * The SDK found no usable credentials, or STS refused the ones it found. `CredentialsProviderError` is what the
 * SDK's default chain throws when every provider came up empty (seen here with an empty HOME); `TokenProviderError`
 * is its SSO counterpart (@smithy/core, submodules/config/property-provider); `ExpiredTokenException` is STS's
 * modelled error (@aws-sdk/client-sts models/errors.js); `InvalidClientTokenId` is in AWS's list of common
 * errors; `ExpiredToken` is the code STS answers for an expired session token (not found in a reference page).
 */
const CREDENTIAL_ERRORS = new Set([
    "CredentialsProviderError",
    "TokenProviderError",
    "ExpiredTokenException",
    "ExpiredToken",
    "InvalidClientTokenId",
]);

/**
 * Checks that the command runs with the security account's credentials: the exit code 2 after one line that
 * says what to do when there are none (the SDK's own message names no profile, no account and no next step)
 * or when they belong to another account; undefined when they are the security account's.
 */
export async function checkCallerAccount(
    whoAmI: () => Promise<string | undefined>,
    output: CommandOutput,
    context: { command: string; runsAs: string; stack: string; securityAdmin: string; profile?: string },
): Promise<number | undefined> {
    let account: string;
    try {
        account = (await whoAmI()) ?? "(unknown)";
    } catch (error) {
        if (!(error instanceof Error) || !CREDENTIAL_ERRORS.has(error.name)) throw error;
        const source =
            context.profile === undefined
                ? "the standard AWS chain (AWS_PROFILE, AWS_* variables, ~/.aws, SSO)"
                : `aws:profile ${context.profile} of Pulumi.${context.stack}.yaml`;
        output.stderr(
            `no usable AWS credentials from ${source}: ${error.name}: ${error.message.split("\n")[0]}; npm run ${context.command} runs as the security account ${context.securityAdmin}: sign in to it (for example aws sso login) and run again\n`,
        );
        return 2;
    }
    if (account === context.securityAdmin) return undefined;
    output.stderr(
        `credentials belong to account ${account}; npm run ${context.command} ${context.runsAs} the security account ${context.securityAdmin} (security-governance:accounts.securityAdmin)\n`,
    );
    return 2;
}

/** A mistake in a command's flags, said to the user as it is. */
export class UsageError extends Error {}

/**
 * A command's input, read by `read` (flags, then the stack's config): `--help` prints `usage` and gives 0; a
 * mistake in the flags, the stack file or its config is its one line on stderr and gives 2, before any AWS call.
 */
export function readCommandInput<T extends object>(
    output: CommandOutput,
    usage: string,
    read: () => T | "help",
): T | number {
    try {
        const input = read();
        if (input !== "help") return input;
        output.stdout(`${usage}\n`);
        return 0;
    } catch (error) {
        if (error instanceof UsageError || error instanceof PlanInputError || error instanceof ConfigError) {
            output.stderr(`${error.message}\n`);
            return 2;
        }
        throw error;
    }
}
