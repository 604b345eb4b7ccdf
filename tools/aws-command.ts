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
