// The offline plan builds SDK clients only as mocks; the SDK's notice about future Node versions is
// tracked in docs/operations.md ("Known limits") rather than printed into every plan.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { runPlanCommand, settleRejections } from "./plan-cli";

// When the program stops with a RunError (config or discovery refused), the SDK's Stack resource rejects more
// promises with that same error than the one runInPulumiStack returns, and nothing awaits them
// (@pulumi/pulumi runtime/stack.js: `this.outputs = output(this.getData())`). Under `pulumi up` the language
// host's own handler prints a RunError's message alone; here the command reports it once, and these copies must
// not end the process with Node's stack trace and exit 1.
const rejections: unknown[] = [];
process.on("unhandledRejection", (reason) => {
    rejections.push(reason);
});

const output = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
};
runPlanCommand(process.argv.slice(2), output).then(
    async (code) => {
        // Let rejections of the same turn be reported before deciding.
        await new Promise((resolve) => setImmediate(resolve));
        process.exitCode = settleRejections(code, rejections, output);
        // Anything rejected from now on is news: said, and the plan fails.
        process.removeAllListeners("unhandledRejection");
        process.on("unhandledRejection", (reason) => {
            process.exitCode = settleRejections(1, [reason], output);
        });
    },
    (error: unknown) => {
        process.stderr.write(
            `plan failed unexpectedly: ${error instanceof Error ? error.stack : String(error)}\n`,
        );
        process.exitCode = 1;
    },
);
