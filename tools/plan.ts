// The offline plan builds SDK clients only as mocks; the SDK's notice about future Node versions is
// tracked in docs/operations.md ("Known limits") rather than printed into every plan.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { runPlanCommand } from "./plan-cli";

runPlanCommand(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
}).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(
            `plan failed unexpectedly: ${error instanceof Error ? error.stack : String(error)}\n`,
        );
        process.exitCode = 1;
    },
);
