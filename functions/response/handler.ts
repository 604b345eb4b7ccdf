import { Run } from "../shared/run";
import { awsResponderDependencies } from "./aws";
import {
    respondToFinding,
    type DecisionRecord,
    type FindingEvent,
    type ResponderDependencies,
    type ResponderSettings,
} from "./respond";
import { sweepExpiredBlocks, type SweepResult } from "./sweep";

/** The Lambda context fields this handler reads. */
interface LambdaContext {
    getRemainingTimeInMillis(): number;
}

export interface DeployedResponderSettings extends ResponderSettings {
    homeRegion: string;
    partition: string;
}

export function settingsFromEnvironment(environment: NodeJS.ProcessEnv): DeployedResponderSettings {
    const text = environment.RESPONDER_SETTINGS;
    if (text === undefined) throw new Error("RESPONDER_SETTINGS is not set");
    return JSON.parse(text) as DeployedResponderSettings;
}

export type ResponderResult =
    | { kind: "finding"; decisions: DecisionRecord[] }
    | { kind: "sweep"; sweep: SweepResult }
    | { kind: "ignored"; why: string };

/**
 * The responder: a "GuardDuty Finding" event is answered by the ladder; the hourly "Scheduled Event" lifts the
 * expired blocks. Anything else is logged and ignored. An error fails the invocation, so Lambda's own retries
 * of an asynchronous event (EventBridge invokes asynchronously) try again; the done/ records keep a retried
 * event from acting twice.
 */
/** Kept while Lambda keeps the execution environment warm: clients and member credentials outlive one event. */
let dependencies: { settings: string; deps: ResponderDependencies } | undefined;

export async function handler(
    event: FindingEvent | undefined,
    context: LambdaContext,
): Promise<ResponderResult> {
    const settings = settingsFromEnvironment(process.env);
    const run = new Run({ deadlineMs: Date.now() + context.getRemainingTimeInMillis() });
    const text = process.env.RESPONDER_SETTINGS ?? "";
    if (dependencies?.settings !== text)
        dependencies = { settings: text, deps: awsResponderDependencies(settings) };
    const { deps } = dependencies;
    let result: ResponderResult;
    if (event?.source === "aws.guardduty" && event["detail-type"] === "GuardDuty Finding")
        result = { kind: "finding", decisions: await respondToFinding(event, settings, deps, run) };
    else if (event?.source === "aws.events" && event["detail-type"] === "Scheduled Event")
        result = { kind: "sweep", sweep: await sweepExpiredBlocks(settings, deps, run) };
    else
        result = {
            kind: "ignored",
            why: `not a GuardDuty finding or the schedule: ${JSON.stringify(event)?.slice(0, 200)}`,
        };
    console.log(JSON.stringify(result));
    if (result.kind === "finding") for (const line of decisionLines(result.decisions)) console.log(line);
    return result;
}

/**
 * One log line per decision, `decision` and `action` first, which the dashboard counts per verdict and day
 * (components/dashboard.ts, decisionsQuery): the result above holds them all in one line, which a Logs Insights
 * parse reads only the first match of.
 */
export function decisionLines(decisions: readonly DecisionRecord[]): string[] {
    return decisions.map((d) =>
        JSON.stringify({
            decision: d.verdict,
            action: d.action,
            mode: d.mode,
            findingType: d.findingType,
            accountId: d.accountId,
            ...(d.repeat ? { repeat: true } : {}),
        }),
    );
}
