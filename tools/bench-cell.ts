/**
 * One cell of `npm run bench`, run by tools/bench.ts in a process of its own so that the peak RSS it
 * reports belongs to that cell alone: plans a stack offline for a generated organization, runs the real
 * policy pack over the plan, and times organization discovery (plain and with throttling injected).
 *
 * usage: ts-node tools/bench-cell.ts --accounts N --result FILE [--stack prod] [--regions r1,r2,...]
 *                                    [--no-policy] [--verbose]
 *
 * The result is written as JSON to FILE (see `CellResult`); progress goes to stderr with --verbose.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import * as fs from "node:fs";
import { parseArgs } from "node:util";
import {
    DescribeOrganizationCommand,
    ListAccountsCommand,
    ListRootsCommand,
    OrganizationsClient,
    TooManyRequestsException,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import type { StackConfig } from "../stacks/config";
import { discoverOrganization } from "../stacks/organization";
import { generateOrganization, mockOrganizationsClient, type OrgFixture } from "./org-fixture";
import type { PlanDocument } from "./plan-contract";
import { analyzePlan } from "./plan-policies";
import { planStack } from "./plan-runtime";
import { PolicyPackSession } from "./policy-driver";

export interface DiscoveryMeasurement {
    ms: number;
    /** ListAccounts calls that answered, i.e. pages. */
    pages: number;
    /** ListAccounts calls answered with TooManyRequestsException and then retried. */
    throttledCalls: number;
    activeAccounts: number;
    /** Progress lines discovery reported (on stderr under `npm run plan`). */
    progressLines: number;
}

export interface PolicyMeasurement {
    /** From spawning the pack to its analyzer answering (PolicyAnalysis.startupMs). */
    startupMs: number;
    /** analyze per resource plus analyzeStack (PolicyAnalysis.analysisMs). */
    analysisMs: number;
    /** analyzePlan as a whole: start-up, configure, analysis and shutdown. */
    totalMs: number;
    diagnostics: number;
    mandatory: number;
    /** VmHWM of the pack's own process just before it is stopped; null where /proc is not available. */
    packPeakRssMb: number | null;
}

export interface CellResult {
    stack: string;
    accounts: number;
    regions: number;
    homeRegion: string;
    resources: number;
    /** Resources by `inputs.region`; resources without one (components, IAM) under "(global)". */
    resourcesByRegion: Record<string, number>;
    /** The largest count of any governed region other than the home region (0 with one region). */
    maxPerOtherRegion: number;
    planMs: number;
    /** Lines the plan's discovery reported through the progress callback. */
    planProgressLines: number;
    /** Peak RSS of this process when the plan had finished (before the policy pack ran). */
    planPeakRssMb: number;
    policy: PolicyMeasurement | null;
    /** planMs plus policy.totalMs: the time `npm run plan` spends after loading its modules. */
    planAndPolicyMs: number;
    discovery: DiscoveryMeasurement;
    throttledDiscovery: DiscoveryMeasurement;
    /** process.resourceUsage().maxRSS of this process at the end (the pack's process excluded). */
    peakRssMb: number;
}

const GLOBAL = "(global)";
/** Every this many ListAccounts calls, one is answered with TooManyRequestsException first. */
const THROTTLE_EVERY = 7;

function elapsedMs(started: bigint): number {
    return Number(process.hrtime.bigint() - started) / 1e6;
}

function maxRssMb(): number {
    return process.resourceUsage().maxRSS / 1024;
}

/** VmHWM (peak resident set) of each live child process of this one running the policy pack, in MB. */
function packPeakRssMb(): number | null {
    let peak: number | null = null;
    let entries: string[];
    try {
        entries = fs.readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
    } catch {
        return null;
    }
    for (const pid of entries) {
        try {
            const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
            if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== process.pid) continue;
            if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("run-policy-pack")) continue;
            const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
            if (Number.isFinite(kb)) peak = Math.max(peak ?? 0, kb / 1024);
        } catch {
            // The process exited between listing and reading.
        }
    }
    return peak;
}

/**
 * Records the pack's peak RSS just before the session stops it: VmHWM is a high-water mark, so one
 * reading at the end covers the pack's whole life.
 */
function watchPackMemory(): () => number | null {
    let peak: number | null = null;
    const close = PolicyPackSession.prototype.close;
    PolicyPackSession.prototype.close = async function (this: PolicyPackSession): Promise<void> {
        const reading = packPeakRssMb();
        if (reading !== null) peak = Math.max(peak ?? 0, reading);
        return close.call(this);
    };
    return () => peak;
}

/**
 * An Organizations client answering from `fixture` through the same mock the plan uses, counting
 * ListAccounts pages and, if `throttleEvery` is set, answering every n-th ListAccounts call with
 * TooManyRequestsException (the caller's retry then asks again).
 */
function countingClient(
    fixture: OrgFixture,
    throttleEvery: number | undefined,
): { client: OrganizationsClient; pages: () => number; throttled: () => number } {
    const backend = mockOrganizationsClient(fixture);
    const client = new OrganizationsClient({
        region: "us-east-1",
        credentials: { accessKeyId: "AKIABENCH", secretAccessKey: "bench" },
    });
    let calls = 0;
    let pages = 0;
    let throttled = 0;
    const mock = mockClient(client);
    mock.on(DescribeOrganizationCommand).callsFake((input) =>
        backend.send(new DescribeOrganizationCommand(input)),
    );
    mock.on(ListRootsCommand).callsFake((input) => backend.send(new ListRootsCommand(input)));
    mock.on(ListAccountsCommand).callsFake(async (input) => {
        calls += 1;
        if (throttleEvery !== undefined && calls % throttleEvery === 0) {
            throttled += 1;
            throw new TooManyRequestsException({
                message: "Rate exceeded",
                $metadata: { httpStatusCode: 400 },
            });
        }
        const page = await backend.send(new ListAccountsCommand(input));
        pages += 1;
        return page;
    });
    return { client, pages: () => pages, throttled: () => throttled };
}

async function measureDiscovery(
    config: StackConfig,
    fixture: OrgFixture,
    throttleEvery?: number,
): Promise<DiscoveryMeasurement> {
    const { client, pages, throttled } = countingClient(fixture, throttleEvery);
    let progressLines = 0;
    const started = process.hrtime.bigint();
    const organization = await discoverOrganization({
        managementRoleArn: config.accounts.managementRoleArn,
        region: config.homeRegion,
        expectedAccounts: {
            management: config.accounts.management,
            securityAdmin: config.accounts.securityAdmin,
        },
        client,
        // The real backoff would only add waiting; what is measured is that every throttled call is retried.
        retry: { backoffMs: () => 0 },
        progress: () => void (progressLines += 1),
    });
    const ms = elapsedMs(started);
    return {
        ms,
        pages: pages(),
        throttledCalls: throttled(),
        activeAccounts: organization.accounts.length,
        progressLines,
    };
}

function countByRegion(plan: PlanDocument): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const resource of plan.resources) {
        const region = resource.inputs.region;
        const key = typeof region === "string" ? region : GLOBAL;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

interface CellFlags {
    stack: string;
    accounts: number;
    regions: string[] | undefined;
    result: string;
    policy: boolean;
    verbose: boolean;
}

function parseFlags(argv: string[]): CellFlags {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string", default: "prod" },
            accounts: { type: "string" },
            regions: { type: "string" },
            result: { type: "string" },
            "no-policy": { type: "boolean", default: false },
            verbose: { type: "boolean", default: false },
        },
        strict: true,
        allowPositionals: false,
    });
    const accounts = Number(values.accounts);
    if (!Number.isInteger(accounts) || accounts < 2) {
        throw new Error(`--accounts ${JSON.stringify(values.accounts)}: expected a whole number from 2`);
    }
    if (values.result === undefined) throw new Error("--result FILE: required");
    return {
        stack: values.stack ?? "prod",
        accounts,
        regions: values.regions === undefined ? undefined : values.regions.split(","),
        result: values.result,
        policy: values["no-policy"] !== true,
        verbose: values.verbose === true,
    };
}

export async function runCell(flags: CellFlags): Promise<CellResult> {
    const say = (message: string): void => {
        if (flags.verbose)
            process.stderr.write(`  [${flags.accounts} x ${flags.regions?.length ?? "all"}] ${message}\n`);
    };
    const packPeak = watchPackMemory();
    const configOverrides =
        flags.regions === undefined ? undefined : { "security-governance:regions": flags.regions };

    let planProgressLines = 0;
    const planStarted = process.hrtime.bigint();
    const { plan, config } = await planStack({
        stack: flags.stack,
        accounts: flags.accounts,
        configOverrides,
        progress: (message) => {
            planProgressLines += 1;
            say(message);
        },
    });
    const planMs = elapsedMs(planStarted);
    const planPeakRssMb = maxRssMb();
    say(`planned ${plan.resources.length} resources in ${(planMs / 1000).toFixed(1)} s`);

    let policy: PolicyMeasurement | null = null;
    if (flags.policy) {
        const policyStarted = process.hrtime.bigint();
        const analysis = await analyzePlan(plan);
        policy = {
            startupMs: analysis.startupMs,
            analysisMs: analysis.analysisMs,
            totalMs: elapsedMs(policyStarted),
            diagnostics: analysis.diagnostics.length,
            mandatory: analysis.diagnostics.filter((d) => d.level === "mandatory").length,
            packPeakRssMb: packPeak(),
        };
        say(`policy pack: start-up ${policy.startupMs} ms, analysis ${policy.analysisMs} ms`);
    }

    const resourcesByRegion = countByRegion(plan);
    const otherRegions = plan.regions.filter((region) => region !== plan.homeRegion);
    const result: Omit<CellResult, "discovery" | "throttledDiscovery" | "peakRssMb"> = {
        stack: flags.stack,
        accounts: plan.accounts.count,
        regions: plan.regions.length,
        homeRegion: plan.homeRegion,
        resources: plan.resources.length,
        resourcesByRegion,
        maxPerOtherRegion: Math.max(0, ...otherRegions.map((region) => resourcesByRegion[region] ?? 0)),
        planMs,
        planProgressLines,
        planPeakRssMb,
        policy,
        planAndPolicyMs: planMs + (policy?.totalMs ?? 0),
    };

    // Discovery last: it is small next to the plan and must not be counted in the plan's peak.
    const fixture = generateOrganization(flags.accounts, config.accounts);
    const discovery = await measureDiscovery(config, fixture);
    const throttledDiscovery = await measureDiscovery(config, fixture, THROTTLE_EVERY);
    say(
        `discovery: ${discovery.pages} pages in ${discovery.ms.toFixed(0)} ms; with ` +
            `${throttledDiscovery.throttledCalls} throttled calls retried, ${throttledDiscovery.ms.toFixed(0)} ms`,
    );
    return { ...result, discovery, throttledDiscovery, peakRssMb: maxRssMb() };
}

if (require.main === module) {
    let flags: CellFlags;
    try {
        flags = parseFlags(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`bench-cell: ${(error as Error).message}\n`);
        process.exit(2);
    }
    runCell(flags).then(
        (result) => {
            fs.writeFileSync(flags.result, `${JSON.stringify(result)}\n`);
            // Pulumi's runtime may keep handles open after a plan; the cell is done.
            process.exit(0);
        },
        (error: unknown) => {
            process.stderr.write(
                `bench-cell failed: ${error instanceof Error ? error.stack : String(error)}\n`,
            );
            process.exit(1);
        },
    );
}
