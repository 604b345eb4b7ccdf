/**
 * The Lambda runtime every in-account function runs, and AWS's schedule for it kept as data.
 *
 * Source: Lambda developer guide, "Building Lambda functions with Node.js" (lambda-nodejs.html), table of supported
 * Node.js runtimes, read 2026-12-07: Node.js 24 (`nodejs24.x`, Amazon Linux 2023) deprecated Apr 30, 2028, function
 * create blocked Jun 1, 2028, update blocked Jul 1, 2028; Node.js 22 Apr 30, 2027 / Jun 1, 2027 / Jul 1, 2027;
 * Node.js 20 Apr 30, 2026 / Aug 31, 2026 / Sep 30, 2026.
 *
 * Why not `nodejs26.x`: on 2026-12-07 it is a public-preview runtime (announced 2026-07-24 in
 * aws/aws-lambda-nodejs-runtime-interface-client#198: "Public preview - not for production use ... not eligible for
 * the Lambda SLA ... may be modified or discontinued without notice"; aws/aws-lambda-roadmap#56 still open), not in
 * the guide's table of supported runtimes. The pinned provider does not list it either: `@pulumi/aws` 7.48.0's
 * `aws.lambda.Runtime` ends at `NodeJS24dX`, and terraform-provider-aws validates `runtime` with
 * `enum.Validate[awstypes.Runtime]()` (internal/service/lambda/function.go), whose values come from
 * aws-sdk-go-v2 service/lambda/types/enums.go; the stored copy of that file ends at `nodejs24.x` too. Moving on
 * needs nodejs26.x in the guide's supported table (GA), a provider release whose enum holds it, this constant
 * and its row below changed, and the test in test/lambda-runtime.test.ts kept green.
 *
 * Per region: the guide publishes no per-region table of runtimes. Its "Lambda runtimes" page says only that in
 * new regions Lambda does not offer runtimes due for deprecation within six months; `nodejs24.x` is not, until
 * 2027-10-30. Every function of this program runs in the home region (components/*-function.ts).
 */

/** One row of the guide's table of supported Node.js runtimes. Dates are UTC days, `YYYY-MM-DD`. */
export interface NodeRuntimeSchedule {
    /** The runtime identifier Lambda's CreateFunction takes. */
    runtime: string;
    /** The Node.js major version it runs. */
    nodeMajor: number;
    /** The guide's "Deprecation date": no more security patches. */
    deprecation: string;
    /** The guide's "Block function create": CreateFunction refuses the runtime from this day. */
    blockCreate: string;
    /** The guide's "Block function update": UpdateFunctionConfiguration and UpdateFunctionCode refuse it. */
    blockUpdate: string;
}

/** The guide's table of supported Node.js runtimes, as read on 2026-12-07 (source above). */
export const NODE_RUNTIME_SCHEDULE: readonly NodeRuntimeSchedule[] = [
    {
        runtime: "nodejs24.x",
        nodeMajor: 24,
        deprecation: "2028-04-30",
        blockCreate: "2028-06-01",
        blockUpdate: "2028-07-01",
    },
    {
        runtime: "nodejs22.x",
        nodeMajor: 22,
        deprecation: "2027-04-30",
        blockCreate: "2027-06-01",
        blockUpdate: "2027-07-01",
    },
    {
        runtime: "nodejs20.x",
        nodeMajor: 20,
        deprecation: "2026-04-30",
        blockCreate: "2026-08-31",
        blockUpdate: "2026-09-30",
    },
];

/** The runtime of every function the program deploys (components/scheduled-function.ts and the responder). */
export const LAMBDA_RUNTIME = "nodejs24.x";

/** The schedule row of a runtime; throws when the table has none. */
export function runtimeSchedule(runtime: string): NodeRuntimeSchedule {
    const row = NODE_RUNTIME_SCHEDULE.find((entry) => entry.runtime === runtime);
    if (row === undefined) throw new Error(`${runtime}: not in the table of supported Node.js runtimes`);
    return row;
}

/**
 * The Node.js the bundles are compiled for (esbuild's `target`): the runtime's own major, so esbuild lowers no
 * syntax the runtime runs natively. Nothing runs the bundles on the local Node (tests and benches run the sources).
 */
export const BUNDLE_TARGET = `node${runtimeSchedule(LAMBDA_RUNTIME).nodeMajor}`;
