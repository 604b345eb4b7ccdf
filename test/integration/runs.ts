import { strict as assert } from "node:assert";
import type { ResponderResult } from "../../functions/response/handler";
import type { DecisionRecord } from "../../functions/response/respond";
import type { Gate, ObservedCall } from "./aws-gate";
import type { Inbox } from "./seed";

/*
 * What the responder tests share: the Lambda context and the schedule's event the handler is invoked with, and
 * readings of what one invocation did.
 */

export const CONTEXT = { getRemainingTimeInMillis: () => 300_000 };
/** The hourly schedule's event (EventBridge user guide, "Scheduled Event"). */
export const SWEEP = { source: "aws.events", "detail-type": "Scheduled Event", id: "sweep" };

/** The decisions of a finding event's run. */
export function decisionsOf(result: ResponderResult): DecisionRecord[] {
    assert.equal(result.kind, "finding", JSON.stringify(result));
    return result.kind === "finding" ? result.decisions : [];
}

/** The one decision of a finding event's run. */
export function onlyDecision(result: ResponderResult): DecisionRecord {
    const decisions = decisionsOf(result);
    assert.equal(decisions.length, 1, JSON.stringify(decisions));
    return decisions[0];
}

/** The messages about one finding received since the last read. */
export async function toldAbout(mail: Inbox, findingId: string) {
    return (await mail.read()).filter((m) => m.message.includes(findingId));
}

/** The calls made in `account` or with its credentials: its member role's, and every AssumeRole of it. */
export function callsIn(gate: Gate, account: string): ObservedCall[] {
    return gate.calls.filter(
        (c) =>
            c.principal.split(":")[4] === account ||
            (c.command === "AssumeRole" && String(c.input.RoleArn).split(":")[4] === account),
    );
}
