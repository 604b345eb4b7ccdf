import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { Run } from "../shared/run";
import { awsCoverageDependencies } from "./aws";
import {
    runScheduledCoverage,
    type CoverageSettings,
    type ScheduledDependencies,
    type ScheduledResult,
} from "./scheduled";

/** The Lambda context fields this handler reads. */
interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv): CoverageSettings {
    const text = environment.COVERAGE_SETTINGS;
    if (text === undefined) throw new Error("COVERAGE_SETTINGS is not set");
    return JSON.parse(text) as CoverageSettings;
}

/**
 * What the scheduled function reads and writes through: the real readers and the publishing clients, every
 * client using the function's role and trying once (retries are the run's). Apart from the handler so that the
 * benchmark (tools/bench-coverage.ts) runs the function as it is wired, on its own clock.
 */
export function scheduledCoverageDependencies(
    settings: CoverageSettings,
    now: () => Date = () => new Date(),
): ScheduledDependencies {
    const client = { maxAttempts: 1 };
    return {
        ...awsCoverageDependencies({
            securityHubPolicyRegion: settings.expectation.securityHubPolicy?.region,
        }),
        clients: {
            s3: new S3Client(client),
            cloudwatch: new CloudWatchClient(client),
            sns: new SNSClient(client),
        },
        now,
    };
}

/**
 * The coverage function: reads, never writes, every governed service's view of every account, refreshing the
 * stalest rows first, and leaves the matrix in the findings bucket, metrics in CloudWatch and an alert on the
 * topic when coverage falls.
 */
export async function handler(_event: unknown, context: LambdaContext): Promise<ScheduledResult> {
    const settings = settingsFromEnvironment(process.env);
    const run = new Run({ deadlineMs: Date.now() + context.getRemainingTimeInMillis() });
    const result = await runScheduledCoverage(settings, scheduledCoverageDependencies(settings), run);
    console.log(JSON.stringify(result));
    return result;
}
