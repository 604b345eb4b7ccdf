/**
 * Whether the plan's cost grows with the organization, measured in one process so that both sizes share the
 * machine's state: the prod stack planned for 12 and for 10,000 accounts, alternating, the median of each.
 * The goal: 10,000 accounts take at most 1.15 times as long as 12.
 */
import { planStack } from "./plan-runtime";

export const PLAN_COST_TARGET = 1.15;

export interface PlanCost {
    stack: string;
    small: { accounts: number; ms: number[] };
    large: { accounts: number; ms: number[] };
    ratio: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

export async function measurePlanCost(
    stack = "prod",
    rounds = 3,
    small = 12,
    large = 10_000,
): Promise<PlanCost> {
    const result: PlanCost = {
        stack,
        small: { accounts: small, ms: [] },
        large: { accounts: large, ms: [] },
        ratio: 0,
    };
    // One plan of each first, unmeasured: module loading and the JIT belong to neither size.
    await planStack({ stack, accounts: small });
    await planStack({ stack, accounts: large });
    for (let round = 0; round < rounds; round++) {
        // Alternating which size goes first, so a slow phase of the machine does not fall on one size only.
        const order = round % 2 === 0 ? [result.small, result.large] : [result.large, result.small];
        for (const size of order) {
            const started = process.hrtime.bigint();
            await planStack({ stack, accounts: size.accounts });
            size.ms.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
    }
    result.ratio = median(result.large.ms) / median(result.small.ms);
    return result;
}

export function formatPlanCost(cost: PlanCost): string {
    const show = (ms: number[]) => ms.map((m) => (m / 1000).toFixed(1)).join(", ");
    return [
        `Plan cost in one process (${cost.stack}, discovery and mock runtime included, ${cost.small.ms.length} alternating rounds):`,
        `  ${cost.small.accounts.toLocaleString("en-US")} accounts: ${show(cost.small.ms)} s (median ${(median(cost.small.ms) / 1000).toFixed(1)})`,
        `  ${cost.large.accounts.toLocaleString("en-US")} accounts: ${show(cost.large.ms)} s (median ${(median(cost.large.ms) / 1000).toFixed(1)})`,
        `${cost.ratio <= PLAN_COST_TARGET ? "ok  " : "MISS"} ${cost.large.accounts.toLocaleString("en-US")} accounts take at most ${PLAN_COST_TARGET}x as long as ${cost.small.accounts}: ${cost.ratio.toFixed(2)}x`,
        "",
    ].join("\n");
}
