import * as assert from "node:assert/strict";
import {
    DEFAULT_PACK_DIR,
    PlannedResource,
    PolicyDiagnostic,
    PolicyPackConfig,
    PolicyPackSession,
} from "../../tools/policy-driver";

/**
 * One running policy pack shared by every policy test file: starting the pack (ts-node type-checks it)
 * takes seconds, analyzing a stack milliseconds.
 */
let session: Promise<PolicyPackSession> | undefined;

/**
 * Under `npm run mutate` Stryker instruments the pack's source in this process and switches mutants at run
 * time, so the pack is served here, by its own `PolicyPack` and gRPC server, once per process: the tests
 * still reach it through the analyzer protocol, and Stryker sees which test covers which mutant. Everywhere
 * else the pack runs in its own process, as the Pulumi CLI runs it.
 */
const underStryker = (globalThis as { __stryker__?: object }).__stryker__ !== undefined;

function servedInProcess(): Promise<number> {
    const holder = globalThis as { __securityGovernancePackPort?: Promise<number> };
    // The pack can be served once per process (@pulumi/policy exits on a second PolicyPack); Stryker
    // reloads the test files for every run, so the port outlives this module.
    holder.__securityGovernancePackPort ??= new Promise<number>((resolve) => {
        const log = console.log;
        // The server prints its port on stdout, as the CLI expects, once it listens.
        console.log = (...args: unknown[]) => {
            if (args.length === 1 && /^\d+$/.test(String(args[0]))) {
                console.log = log;
                resolve(Number(args[0]));
            } else log(...args);
        };
        const cwd = process.cwd();
        // PolicyPack reads its version from the package.json of the working directory.
        process.chdir(DEFAULT_PACK_DIR);
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            require("../../policies/index");
        } finally {
            process.chdir(cwd);
        }
    });
    return holder.__securityGovernancePackPort;
}

export function policySession(): Promise<PolicyPackSession> {
    session ??= underStryker
        ? servedInProcess().then((port) => PolicyPackSession.connect(port))
        : PolicyPackSession.start();
    return session;
}

// A root-level hook: it runs once, after the last test of every file.
after(async () => {
    const running = session;
    session = undefined;
    await running?.then(
        (s) => s.close(),
        () => undefined,
    );
});

export async function analyze(resources: PlannedResource[]): Promise<PolicyDiagnostic[]> {
    return (await policySession()).analyzeResources(resources);
}

/** Runs `work` with the pack configured by `config`, then restores the defaults. */
export async function withConfig<T>(config: PolicyPackConfig | string, work: () => Promise<T>): Promise<T> {
    const s = await policySession();
    await s.configure(config);
    try {
        return await work();
    } finally {
        await s.configure({});
    }
}

export function byPolicy(diagnostics: PolicyDiagnostic[], policy: string): PolicyDiagnostic[] {
    return diagnostics.filter((d) => d.policy === policy);
}

/** A violation's own text: the message after the policy's description line. */
export function violationText(d: PolicyDiagnostic): string {
    return d.message.split("\n").slice(1).join("\n");
}

/** The violation texts `policy` reports for `resources`. */
export async function violationsOf(resources: PlannedResource[], policy: string): Promise<string[]> {
    return byPolicy(await analyze(resources), policy).map(violationText);
}

/** The reasons `policy` gave for not applying to `resources` (`args.notApplicable`). */
export async function notApplicableReasons(resources: PlannedResource[], policy: string): Promise<string[]> {
    const { notApplicable } = await (await policySession()).analyzeResourcesDetailed(resources);
    return notApplicable.filter((n) => n.policy === policy).map((n) => n.reason);
}

export function policyNames(diagnostics: PolicyDiagnostic[]): string[] {
    return [...new Set(diagnostics.map((d) => d.policy))].sort();
}

export function mandatory(diagnostics: PolicyDiagnostic[]): PolicyDiagnostic[] {
    return diagnostics.filter((d) => d.level === "mandatory");
}

/** Analyzes `resources` and asserts that exactly the `expected` policies object; returns their diagnostics. */
export async function expectPolicies(
    resources: PlannedResource[],
    expected: string[],
): Promise<PolicyDiagnostic[]> {
    const found = await analyze(resources);
    assert.deepEqual(policyNames(found), [...expected].sort());
    return found;
}
