/**
 * The in-account functions against a simulated organization: `npm run bench -- --functions`. Every AWS call
 * of the real code (functions/enrollment, functions/coverage) is answered by a simulated service that keeps
 * its members, costs a latency and throttles above a request rate, all on a virtual clock that the run's
 * own deadline and backoff read. It reports calls, throttled calls, simulated minutes and peak memory per
 * scheduled run, until enrollment converges (no account left to enroll) or the run budget is spent.
 */
import {
    CreateMembersCommand,
    DetectiveClient,
    ListGraphsCommand,
    ListMembersCommand as ListDetectiveMembers,
} from "@aws-sdk/client-detective";
import {
    CreateMemberCommand,
    ListMembersCommand as ListMacieMembers,
    Macie2Client,
} from "@aws-sdk/client-macie2";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { detectiveService, listOrganizationAccounts, macieService } from "../functions/enrollment/adapters";
import {
    runEnrollment,
    type EnrollmentReport,
    type EnrollmentSettings,
} from "../functions/enrollment/run-enrollment";
import { Run } from "../functions/shared/run";
import { TokenBuckets, VirtualTime, type Rate } from "./bench-sim";

/** The virtual clock moved to tools/bench-sim.ts, shared with the responder's benchmark. */
export { VirtualTime } from "./bench-sim";

/**
 * Request rates per API and region. Organizations documents ListAccounts: "ListAccounts | 8, 12" per account
 * (rate, burst; Organizations user guide, orgs_reference_limits.html#throttling-limits). Macie and Detective
 * document no rate for these calls (macie-quotas.html, Detective regions-limitations.html): those are assumed,
 * conservatively, and printed with the results as assumptions.
 */
export const RATES: Record<string, Rate> = {
    "organizations:ListAccounts": { perSecond: 8, burst: 12, documented: true },
    "macie2:ListMembers": { perSecond: 5, burst: 10, documented: false },
    "macie2:CreateMember": { perSecond: 5, burst: 10, documented: false },
    "detective:ListGraphs": { perSecond: 5, burst: 10, documented: false },
    "detective:ListMembers": { perSecond: 5, burst: 10, documented: false },
    "detective:CreateMembers": { perSecond: 2, burst: 4, documented: false },
};

/** Time one call takes, on the virtual clock. */
export const CALL_LATENCY_MS = 80;

export interface SimulationOptions {
    accounts: number;
    regions: string[];
    /** Each scheduled run's time limit (the issue's target: 14 minutes). */
    runMinutes: number;
    /** Scheduled runs to try before giving up. */
    maxRuns: number;
}

export interface RunResult {
    run: number;
    calls: number;
    throttled: number;
    retries: number;
    simulatedMinutes: number;
    stoppedEarly: boolean;
    /** Accounts still to enroll after this run, summed over services and regions (quota gaps excluded). */
    remaining: number;
    peakHeapMb: number;
}

class ThrottlingException extends Error {
    override name = "ThrottlingException";
    $metadata = { httpStatusCode: 400 };
}

/** A token bucket per API and region on the virtual clock; every call, throttled or not, takes its latency. */
class Limiter {
    private readonly buckets: TokenBuckets;
    throttled = 0;
    constructor(private readonly time: VirtualTime) {
        this.buckets = new TokenBuckets(time);
    }

    async take(api: string, region: string): Promise<void> {
        const allowed = this.buckets.take(`${api}@${region}`, RATES[api]);
        await this.time.sleep(CALL_LATENCY_MS);
        if (!allowed) {
            this.throttled++;
            throw new ThrottlingException("Rate exceeded");
        }
    }
}

function regionOf<T>(services: Map<string, T>, region: string): T {
    const service = services.get(region);
    if (service === undefined) throw new Error(`no simulated service in ${region}`);
    return service;
}

const accountId = (n: number) => String(100000000000 + n);

/** Enrollment runs against a simulated organization until nothing is left to enroll. */
export async function simulateEnrollment(options: SimulationOptions): Promise<RunResult[]> {
    const time = new VirtualTime();
    const limiter = new Limiter(time);
    const management = accountId(0);
    const admin = accountId(1);
    const accounts = Array.from({ length: options.accounts }, (_, i) => ({
        Id: accountId(i),
        Email: `account-${i}@example.com`,
        State: "ACTIVE" as const,
    }));
    // Every mock, so that its call history (sinon keeps every call) can be dropped after each run: kept, it
    // would be counted as the function's memory.
    const mocks: { resetHistory(): void }[] = [];
    const organizations = new OrganizationsClient({ region: options.regions[0] });
    const organizationsMock = mockClient(organizations);
    mocks.push(organizationsMock);
    organizationsMock
        .on(ListAccountsCommand)
        .callsFake(async (input: { NextToken?: string; MaxResults?: number }) => {
            await limiter.take("organizations:ListAccounts", "global");
            const start = Number(input.NextToken ?? 0);
            const end = start + (input.MaxResults ?? 20);
            return {
                Accounts: accounts.slice(start, end),
                NextToken: end < accounts.length ? String(end) : undefined,
            };
        });
    const macie = new Map<string, { client: Macie2Client; members: Map<string, string> }>();
    const detective = new Map<string, { client: DetectiveClient; members: Map<string, string> }>();
    for (const region of options.regions) {
        const members = new Map<string, string>();
        const client = new Macie2Client({ region });
        const mock = mockClient(client);
        mocks.push(mock);
        mock.on(ListMacieMembers).callsFake(async (input: { nextToken?: string; maxResults?: number }) => {
            await limiter.take("macie2:ListMembers", region);
            const all = [...members.entries()];
            const start = Number(input.nextToken ?? 0);
            const end = start + (input.maxResults ?? 25);
            return {
                members: all
                    .slice(start, end)
                    .map(([id, status]) => ({ accountId: id, relationshipStatus: status })),
                nextToken: end < all.length ? String(end) : undefined,
            };
        });
        mock.on(CreateMemberCommand).callsFake(async (input: { account?: { accountId?: string } }) => {
            await limiter.take("macie2:CreateMember", region);
            members.set(String(input.account?.accountId), "Enabled");
            return { arn: `arn:aws:macie2:${region}:${admin}:member/${input.account?.accountId}` };
        });
        macie.set(region, { client, members });

        const graphMembers = new Map<string, string>();
        const graph = `arn:aws:detective:${region}:${admin}:graph:${"0".repeat(32)}`;
        const detectiveClient = new DetectiveClient({ region });
        const detectiveMock = mockClient(detectiveClient);
        mocks.push(detectiveMock);
        detectiveMock.on(ListGraphsCommand).callsFake(async () => {
            await limiter.take("detective:ListGraphs", region);
            return { GraphList: [{ Arn: graph }] };
        });
        detectiveMock
            .on(ListDetectiveMembers)
            .callsFake(async (input: { NextToken?: string; MaxResults?: number }) => {
                await limiter.take("detective:ListMembers", region);
                const all = [...graphMembers.entries()];
                const start = Number(input.NextToken ?? 0);
                const end = start + (input.MaxResults ?? 200);
                return {
                    MemberDetails: all
                        .slice(start, end)
                        .map(([AccountId, Status]) => ({ AccountId, Status })),
                    NextToken: end < all.length ? String(end) : undefined,
                };
            });
        detectiveMock
            .on(CreateMembersCommand)
            .callsFake(async (input: { Accounts?: { AccountId?: string }[] }) => {
                await limiter.take("detective:CreateMembers", region);
                const created = (input.Accounts ?? []).map((a) => String(a.AccountId));
                for (const id of created) graphMembers.set(id, "ENABLED");
                return {
                    Members: created.map((AccountId) => ({ AccountId, Status: "ENABLED" })),
                    UnprocessedAccounts: [],
                };
            });
        detective.set(region, { client: detectiveClient, members: graphMembers });
    }
    const settings: EnrollmentSettings = {
        adminAccountId: admin,
        managementAccountId: management,
        regions: { macie: options.regions, detective: options.regions },
        quotas: { macie: 10_000, detective: 1_200 },
    };
    const results: RunResult[] = [];
    let peak = 0;
    for (let n = 1; n <= options.maxRuns; n++) {
        const started = time.now;
        const throttledBefore = limiter.throttled;
        const run = new Run({
            deadlineMs: started + options.runMinutes * 60_000,
            now: () => time.now,
            sleep: (ms) => time.sleep(ms),
        });
        // As a function: the run starts under the clock's timers (see VirtualTime.drive).
        const report: EnrollmentReport = await time.drive(() =>
            runEnrollment(
                settings,
                {
                    listAccounts: (r) => listOrganizationAccounts(organizations, r),
                    async service(service, region) {
                        if (service === "macie") return macieService(regionOf(macie, region).client, region);
                        const { client } = regionOf(detective, region);
                        return detectiveService(
                            client,
                            region,
                            `arn:aws:detective:${region}:${admin}:graph:${"0".repeat(32)}`,
                        );
                    },
                },
                run,
            ),
        );
        peak = Math.max(peak, time.peakHeapBytes);
        for (const mock of mocks) mock.resetHistory();
        // What the next run would still enroll: every ACTIVE account not yet a member, within Detective's quota.
        const remaining = options.regions.reduce((sum, region) => {
            const macieLeft = options.accounts - 1 - regionOf(macie, region).members.size;
            const detectiveLeft =
                Math.min(options.accounts - 1, 1_200) - regionOf(detective, region).members.size;
            return sum + macieLeft + detectiveLeft;
        }, 0);
        results.push({
            run: n,
            calls: report.calls,
            throttled: limiter.throttled - throttledBefore,
            retries: report.retries,
            simulatedMinutes: (time.now - started) / 60_000,
            stoppedEarly: report.stoppedEarly,
            remaining,
            peakHeapMb: peak / 1024 / 1024,
        });
        if (remaining === 0) break;
        // The next scheduled run starts an hour after this one started.
        time.now = Math.max(time.now, started + 60 * 60_000);
    }
    return results;
}

/** The issue's goal for enrollment at 10,000 accounts x 17 regions. */
export const ENROLLMENT_TARGETS = { runs: 3, runMinutes: 14, heapMb: 512 };

export function formatSimulation(options: SimulationOptions, results: RunResult[]): string {
    const lines = [
        `Enrollment function, simulated: ${options.accounts.toLocaleString("en-US")} accounts x ${options.regions.length} regions, ` +
            `Macie and Detective, hourly runs of at most ${options.runMinutes} minutes, ${CALL_LATENCY_MS} ms per call.`,
        `Rates per region (per second, burst): ${Object.entries(RATES)
            .map(
                ([api, r]) =>
                    `${api} ${r.perSecond}/${r.burst}${r.documented ? "" : " (assumed: not documented)"}`,
            )
            .join("; ")}.`,
        "",
        "run    calls  throttled  retries  simulated min  stopped early  left to enroll  peak live heap MB",
        ...results.map(
            (r) =>
                `${String(r.run).padStart(3)}  ${String(r.calls).padStart(7)}  ${String(r.throttled).padStart(9)}  ${String(r.retries).padStart(7)}  ${r.simulatedMinutes.toFixed(1).padStart(13)}  ${String(r.stoppedEarly).padStart(13)}  ${String(r.remaining).padStart(14)}  ${r.peakHeapMb.toFixed(0).padStart(17)}`,
        ),
    ];
    const last = results[results.length - 1];
    const converged = last.remaining === 0 && results.length <= ENROLLMENT_TARGETS.runs;
    const peak = Math.max(...results.map((r) => r.peakHeapMb));
    const longest = Math.max(...results.map((r) => r.simulatedMinutes));
    lines.push(
        "",
        `${converged ? "ok  " : "MISS"} converges within ${ENROLLMENT_TARGETS.runs} runs: ${last.remaining === 0 ? `after ${results.length}` : `not after ${results.length}`}`,
        `${longest <= ENROLLMENT_TARGETS.runMinutes ? "ok  " : "MISS"} each run at most ${ENROLLMENT_TARGETS.runMinutes} minutes: longest ${longest.toFixed(1)}`,
        `${peak < ENROLLMENT_TARGETS.heapMb ? "ok  " : "MISS"} under ${ENROLLMENT_TARGETS.heapMb} MB: peak live heap ${peak.toFixed(0)} MB (the whole simulation process, services included)`,
    );
    return `${lines.join("\n")}\n`;
}
