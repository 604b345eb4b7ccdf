import * as assert from "node:assert/strict";
import {
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
let sessionMutant: string | undefined;

/**
 * Under `npm run mutate`, the mutant Stryker has switched on in this process. The pack runs in its own
 * process, which reads the active mutant from the environment when it loads, so a new mutant needs a new
 * pack process.
 */
function activeMutant(): string | undefined {
    return (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__?.activeMutant;
}

export function policySession(): Promise<PolicyPackSession> {
    const mutant = activeMutant();
    if (session !== undefined && mutant !== sessionMutant) {
        const stale = session;
        session = undefined;
        void stale.then(
            (s) => s.close(),
            () => undefined,
        );
    }
    if (session === undefined) {
        sessionMutant = mutant;
        if (mutant === undefined) delete process.env.__STRYKER_ACTIVE_MUTANT__;
        else process.env.__STRYKER_ACTIVE_MUTANT__ = mutant;
        session = PolicyPackSession.start();
    }
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
