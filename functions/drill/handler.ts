import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Run } from "../shared/run";
import { runDrill, type DrillResult, type DrillSettings } from "./drill";

/** The Lambda context fields this handler reads. */
interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

/**
 * What the schedules send (components/drill-function.ts): `{"drill":"start"}` from the drill's schedule,
 * `{"drill":"check"}` from the check every few minutes. Anything else is a check, which does nothing without a
 * drill in progress.
 */
export interface DrillEvent {
    drill?: string;
}

/**
 * A run stays short even though Lambda allows 15 minutes: the checks come every five minutes, and a run that
 * overlapped the next would be throttled (one run at a time).
 */
export const RUN_LIMIT_MS = 4 * 60_000;

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv): DrillSettings {
    const text = environment.DRILL_SETTINGS;
    if (text === undefined) throw new Error("DRILL_SETTINGS is not set");
    return JSON.parse(text) as DrillSettings;
}

/** The drill function: clients use the function's role and its region (the home region), and try once. */
export async function handler(event: DrillEvent | undefined, context: LambdaContext): Promise<DrillResult> {
    const settings = settingsFromEnvironment(process.env);
    const run = new Run({
        deadlineMs: Date.now() + Math.min(RUN_LIMIT_MS, context.getRemainingTimeInMillis()),
    });
    const client = { maxAttempts: 1 };
    const result = await runDrill(
        event?.drill === "start" ? "start" : "check",
        settings,
        {
            guardduty: new GuardDutyClient(client),
            sqs: new SQSClient(client),
            s3: new S3Client(client),
            sns: new SNSClient(client),
            cloudwatch: new CloudWatchClient(client),
        },
        () => new Date(),
        run,
    );
    console.log(JSON.stringify(result));
    return result;
}
