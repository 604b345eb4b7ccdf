/**
 * `npm run bench -- --responder`: the burst of tools/bench-responder.ts against the responder as the stack plans
 * it, then against what-if reserved concurrencies (labelled as such: they are not what is deployed), as tables.
 */
import { CROSS_REGION_MS, LATENCY_MS, RESPONDER_RATES } from "./bench-responder-aws";
import { ACL_RULES_QUOTA } from "./bench-responder-ec2";
import { BLOCK_TYPE, BURST_WORKLOAD, ISOLATE_TYPE, type BurstWorkload } from "./bench-responder-workload";
import {
    COLD_START_MS,
    deploymentFromPlan,
    FAILED_RETRY_MS,
    RESPONDER_TARGETS,
    simulateBurst,
    summarize,
    THROTTLED_RETRY_MS,
    type BurstResult,
    type BurstSummary,
} from "./bench-responder";

/** Reserved concurrencies tried besides the planned one, to show what the goal would take. */
export const RESPONDER_WHAT_IF = [5, 10];

export interface BurstRow {
    label: string;
    result: BurstResult;
    summary: BurstSummary;
}

/** The planned deployment under the burst, then each what-if concurrency. */
export async function benchResponder(
    stack: string,
    options: { workload?: BurstWorkload; whatIf?: number[]; progress?: (line: string) => void } = {},
): Promise<string> {
    const workload = options.workload ?? BURST_WORKLOAD;
    const deployment = await deploymentFromPlan(stack);
    const planned = deployment.lambda.reservedConcurrency;
    const rows: BurstRow[] = [];
    for (const concurrency of [
        planned,
        ...(options.whatIf ?? RESPONDER_WHAT_IF).filter((c) => c !== planned),
    ]) {
        const label = concurrency === planned ? `${concurrency} (planned)` : `${concurrency} (what-if)`;
        options.progress?.(`bench: responder burst, reserved concurrency ${label} ...`);
        const result = await simulateBurst(
            { ...deployment, lambda: { ...deployment.lambda, reservedConcurrency: concurrency } },
            workload,
        );
        rows.push({ label, result, summary: summarize(result) });
    }
    return formatBurst(rows);
}

const integer = new Intl.NumberFormat("en-US");
const s = (seconds: number) => seconds.toFixed(1);
const minutes = (seconds: number) => (seconds / 60).toFixed(1);
const render = (cells: string[]) => `| ${cells.join(" | ")} |`;

function table(header: string[], lines: string[][]): string[] {
    return [render(header), render(header.map(() => "---:")), ...lines.map(render)];
}

export function formatBurst(rows: BurstRow[]): string {
    const first = rows[0];
    const { workload, deployment } = first.result;
    const { lambda } = deployment;
    const blocks = first.result.events.filter((e) => e.arrival.event.detail.type === BLOCK_TYPE).length;
    const subnets = workload.accounts * workload.vpcsPerAccount * workload.subnetsPerVpc;
    const lines = [
        `Responder under a burst, simulated: ${integer.format(workload.findings)} GuardDuty finding events over ` +
            `${workload.overSeconds / 60} min from a worm on ${workload.instances} instances: ${blocks} ${BLOCK_TYPE} ` +
            `(${workload.attackers} attacking addresses) and ${workload.findings - blocks} ${ISOLATE_TYPE}, in ` +
            `${workload.accounts} member accounts (${workload.regions.join(", ")}), ${subnets} subnets each with its ` +
            `own network ACL (${ACL_RULES_QUOTA} rules per direction, the allow-all at 100 included: ` +
            `${ACL_RULES_QUOTA - 1} blocks each). The real responder (functions/response, wired by its aws.ts), ` +
            `every rung in act mode, settings as planned.`,
        `Lambda ${lambda.source}: timeout ${lambda.timeoutSeconds} s, ${lambda.maximumRetryAttempts} retries, ` +
            `maximum event age ${lambda.maximumEventAgeSeconds} s, reserved concurrency ${lambda.reservedConcurrency}. ` +
            `A throttled event is tried again after ${THROTTLED_RETRY_MS.first / 1000} s, doubling to ` +
            `${THROTTLED_RETRY_MS.max / 60_000} min; a failed one after ${FAILED_RETRY_MS.map((ms) => ms / 60_000).join(" then ")} min ` +
            `(documented bounds; exact schedule assumed); a new environment starts in ${COLD_START_MS / 1000} s (assumed).`,
        "",
        ...table(
            [
                "reserved concurrency",
                "events",
                "decided",
                "dropped",
                "p50 s",
                "p95 s",
                "max s",
                "last s",
                "invocations",
                "mean invocation s",
                "throttled invocations",
                "call retries",
                "timeouts",
                "not blocked: ACL full",
                "unrecorded ACL entries",
                "simulated min",
                "wall s",
            ],
            rows.map(({ label, result, summary: m }) => [
                label,
                integer.format(m.events),
                integer.format(m.decided),
                String(m.dropped),
                s(m.delaysSeconds.p50),
                s(m.delaysSeconds.p95),
                s(m.delaysSeconds.max),
                s(m.delaysSeconds.last),
                integer.format(result.invocations),
                s(result.invocationMs / 1000 / Math.max(1, result.invocations)),
                integer.format(result.throttledInvocations),
                integer.format(result.callRetries),
                String(result.timeouts),
                String(m.notBlockedFull),
                String(m.unrecordedEntries),
                m.simulatedMinutes.toFixed(1),
                (result.wallMs / 1000).toFixed(1),
            ]),
        ),
        "",
        "p50/p95/max: time from an event reaching Lambda to the return of the invocation that decided it (every " +
            "decision recorded and told); last: that of the last event decided. mean invocation: an invocation's " +
            "virtual duration, the start-up of a new environment excluded. not blocked: block decisions " +
            "recorded and told but not carried out, the ACL being full (or no rule number free below its allow). " +
            "unrecorded ACL entries: the responder's entries (numbers 1-99) with no blocks/ record, which the " +
            "hourly sweep therefore never lifts.",
        "",
        ...table(
            ["API", ...rows.map((r) => `calls, throttled: ${r.label}`), "per event (planned)"],
            [...new Set(rows.flatMap((r) => [...r.result.aws.calls.keys()]))]
                .sort()
                .map((api) => [
                    api,
                    ...rows.map(
                        (r) =>
                            `${integer.format(r.result.aws.calls.get(api) ?? 0)}, ${integer.format(r.result.aws.throttled.get(api) ?? 0)}`,
                    ),
                    ((first.result.aws.calls.get(api) ?? 0) / first.result.events.length).toFixed(2),
                ]),
        ),
        "",
        `Request rates (per second / burst): ${Object.entries(RESPONDER_RATES)
            .map(
                ([api, r]) =>
                    `${api} ${integer.format(r.perSecond)}/${integer.format(r.burst)}${r.documented ? "" : " (assumed: not documented)"}`,
            )
            .join("; ")}.`,
        `Latencies per call (assumed, ms): ${Object.entries(LATENCY_MS)
            .map(([api, ms]) => `${api} ${ms}`)
            .join(", ")}; +${CROSS_REGION_MS} ms to another Region's endpoint.`,
        "",
        ...verdicts(rows),
    ];
    return `${lines.join("\n")}\n`;
}

/** The goal, judged on the planned row; each what-if row in one line. */
function verdicts(rows: BurstRow[]): string[] {
    const verdict = (ok: boolean) => (ok ? "ok  " : "MISS");
    const [planned, ...whatIf] = rows;
    const m = planned.summary;
    const limit = RESPONDER_TARGETS.maxDelaySeconds;
    const within = (x: BurstSummary) => x.decided === x.events && x.delaysSeconds.max <= limit;
    const lines = [
        `${verdict(m.decided === m.events)} every event decided (${planned.label}): ${integer.format(m.decided)} of ${integer.format(m.events)}`,
        `${verdict(m.dropped <= RESPONDER_TARGETS.dropped)} none dropped to the failed-events queue: ${m.dropped}`,
        `${verdict(within(m))} each decided within ${limit / 60} min of its event: max ${minutes(m.delaysSeconds.max)} min ` +
            `(p50 ${minutes(m.delaysSeconds.p50)} min, p95 ${minutes(m.delaysSeconds.p95)} min)`,
    ];
    for (const row of whatIf) {
        const x = row.summary;
        const holds = within(x) && x.dropped === 0;
        lines.push(
            `     what-if reserved concurrency ${row.label.split(" ")[0]}: the goal ${holds ? "holds" : "is missed"}: ` +
                `${x.dropped} dropped, max ${minutes(x.delaysSeconds.max)} min, p95 ${s(x.delaysSeconds.p95)} s`,
        );
    }
    for (const row of rows.filter((r) => r.summary.unrecordedEntries > 0 || r.summary.failedOther > 0))
        lines.push(
            `WARN ${row.label}: ${row.summary.failedOther} decision(s) failed for other reasons than a full ACL and ` +
                `${row.summary.unrecordedEntries} of the responder's ACL entries have no blocks/ record (never lifted)`,
        );
    return lines;
}
