import { Run } from "../shared/run";
import { awsEnrollmentDependencies } from "./aws";
import { runEnrollment, type EnrollmentReport, type EnrollmentSettings } from "./run-enrollment";

/** The Lambda context fields this handler reads. */
interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

/** The deploy-time invocation asks for a shorter run; the schedule's runs use the whole time limit. */
interface EnrollmentEvent {
    maxSeconds?: number;
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv): EnrollmentSettings {
    const text = environment.ENROLLMENT_SETTINGS;
    if (text === undefined) throw new Error("ENROLLMENT_SETTINGS is not set");
    return JSON.parse(text) as EnrollmentSettings;
}

/**
 * The enrollment function: Macie and Detective members of every existing organization account, in every
 * governed region, run on a schedule and once on deploy. Clients use the SDK's standard credential and endpoint
 * resolution (the function's role); retries are the run's, so the clients themselves try once.
 */
export async function handler(
    event: EnrollmentEvent | undefined,
    context: LambdaContext,
): Promise<EnrollmentReport> {
    const settings = settingsFromEnvironment(process.env);
    const limitMs = Math.min(
        context.getRemainingTimeInMillis(),
        event?.maxSeconds === undefined ? Infinity : event.maxSeconds * 1000,
    );
    const run = new Run({ deadlineMs: Date.now() + limitMs });
    // No credentials and no region: the function's role and its own region (AWS_REGION).
    const report = await runEnrollment(settings, awsEnrollmentDependencies(), run);
    console.log(JSON.stringify(report));
    return report;
}
