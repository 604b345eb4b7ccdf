import type { PlanDocument, PlannedResource } from "./plan-contract";
import { ALARM_KINDS, ALARM_NAME_PREFIX } from "../components/failure-alarms";
import { wrap } from "./plan-summary";

/*
 * What watches the path from a finding to a person, read from the planned resources: how many alarms of which
 * kind in how many regions, whom they reach, and the dashboard. A stack whose failure alarms reach no address is
 * said so, as a stack whose alerts reach no address is: the topic stays for other subscribers.
 */

function ofType(plan: PlanDocument, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

/** The alarm's kind: its name is <prefix><kind>-<what>; the longest kind first (dead-letters-lost). */
const KINDS = [...ALARM_KINDS].sort((a, b) => b.length - a.length);

function kindOf(name: string): string {
    const rest = name.startsWith(ALARM_NAME_PREFIX) ? name.slice(ALARM_NAME_PREFIX.length) : name;
    return KINDS.find((kind) => rest.startsWith(`${kind}-`) || rest === kind) ?? "other";
}

export function watchLines(plan: PlanDocument): string[] {
    const alarms = ofType(plan, "aws:cloudwatch/metricAlarm:MetricAlarm");
    if (alarms.length === 0) return [];
    const regions = new Set(alarms.map((a) => (a.inputs.region as string | undefined) ?? plan.homeRegion));
    const counts = new Map<string, number>();
    for (const alarm of alarms) {
        const kind = kindOf((alarm.inputs.name as string | undefined) ?? alarm.name);
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    const emails = ofType(plan, "aws:sns/topicSubscription:TopicSubscription")
        .filter((s) => s.name.startsWith("finding-alerts-watch-") && s.inputs.protocol === "email")
        .map((s) => String(s.inputs.endpoint))
        .sort();
    const dashboard = ofType(plan, "aws:cloudwatch/dashboard:Dashboard")[0];
    return [
        `Failure alarms: ${alarms.length} in ${regions.size} region(s), to the watch topic (output watchTopicArn):`,
        ...wrap(
            `  ${[...counts.entries()].map(([kind, n]) => `${kind} ${n}`).join(", ")} (docs/operations.md, Alarms)`,
            "      ",
        ),
        ...wrap(
            `  reach: ${emails.length > 0 ? emails.join(", ") : "no address (monitoring.emails and notifications.emails are empty): subscribe to the watch topic"}`,
            "      ",
        ),
        ...(dashboard ? [`  dashboard: ${String(dashboard.inputs.dashboardName)} (CloudWatch console)`] : []),
        "",
    ];
}
