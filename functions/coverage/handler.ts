import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { Run } from "../shared/run";
import { awsCoverageDependencies } from "./aws";
import { runScheduledCoverage, type CoverageSettings, type ScheduledResult } from "./scheduled";

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
 * The coverage function: reads, never writes, every governed service's view of every account, refreshing the
 * stalest rows first, and leaves the matrix in the findings bucket, metrics in CloudWatch and an alert on the
 * topic when coverage falls. Clients use the function's role and try once: retries are the run's.
 */
export async function handler(_event: unknown, context: LambdaContext): Promise<ScheduledResult> {
    const settings = settingsFromEnvironment(process.env);
    const run = new Run({ deadlineMs: Date.now() + context.getRemainingTimeInMillis() });
    const client = { maxAttempts: 1 };
    const result = await runScheduledCoverage(
        settings,
        {
            ...awsCoverageDependencies({
                securityHubPolicyRegion: settings.expectation.securityHubPolicy?.region,
            }),
            clients: {
                s3: new S3Client(client),
                cloudwatch: new CloudWatchClient(client),
                sns: new SNSClient(client),
            },
            now: () => new Date(),
        },
        run,
    );
    console.log(JSON.stringify(result));
    return result;
}
