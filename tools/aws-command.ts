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
