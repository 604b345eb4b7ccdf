import * as fs from "fs";
import * as path from "path";
import type { PlanDocument, PolicyDiagnostic } from "./plan-contract";
import { DEFAULT_PACK_DIR, PolicyPackSession } from "./policy-driver";

/** The stack's `--policy-pack-config` file, as CI passes it to `pulumi preview`, if it has one. */
export function policyConfigFile(stack: string, packDir = DEFAULT_PACK_DIR): string | undefined {
    const file = path.join(packDir, `config.${stack}.json`);
    return fs.existsSync(file) ? file : undefined;
}

export interface PolicyAnalysis {
    diagnostics: PolicyDiagnostic[];
    configFile: string | undefined;
    startupMs: number;
    analysisMs: number;
}

/** Runs the real policy pack over the planned resources, with the stack's policy config. */
export async function analyzePlan(
    plan: PlanDocument,
    configFile = policyConfigFile(plan.stack),
): Promise<PolicyAnalysis> {
    const session = await PolicyPackSession.start({ configFile });
    try {
        const started = process.hrtime.bigint();
        const diagnostics = await session.analyzeResources(plan.resources);
        const analysisMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
        diagnostics.sort(
            (a, b) =>
                a.policy.localeCompare(b.policy) ||
                a.urn.localeCompare(b.urn) ||
                a.message.localeCompare(b.message),
        );
        return { diagnostics, configFile, startupMs: session.startupMs, analysisMs };
    } finally {
        await session.close();
    }
}

export function hasMandatoryViolation(diagnostics: readonly PolicyDiagnostic[]): boolean {
    return diagnostics.some((diagnostic) => diagnostic.level === "mandatory");
}

/** Violations grouped by policy, each with the resources it names. */
export function formatDiagnostics(plan: PlanDocument, analysis: PolicyAnalysis): string {
    const source = analysis.configFile
        ? path.relative(process.cwd(), analysis.configFile)
        : "the pack's defaults";
    if (analysis.diagnostics.length === 0) return `Policy pack (${source}): no violations.\n`;
    const byPolicy = new Map<string, PolicyDiagnostic[]>();
    for (const diagnostic of analysis.diagnostics) {
        byPolicy.set(diagnostic.policy, [...(byPolicy.get(diagnostic.policy) ?? []), diagnostic]);
    }
    const mandatory = analysis.diagnostics.filter((d) => d.level === "mandatory").length;
    const lines = [
        `Policy pack (${source}): ${mandatory} mandatory, ${analysis.diagnostics.length - mandatory} advisory violation(s)`,
    ];
    for (const [policy, diagnostics] of byPolicy) {
        lines.push(`  [${diagnostics[0].level}] ${policy}`);
        for (const diagnostic of diagnostics) {
            const resource = plan.resources.find((candidate) => candidate.urn === diagnostic.urn);
            const where = resource ? `${resource.type} ${resource.name}` : "(stack)";
            const message =
                diagnostic.message
                    .split("\n")
                    .filter((line) => line.trim() !== "")
                    .pop() ?? "";
            lines.push(`      ${where}: ${message}`);
        }
    }
    return `${lines.join("\n")}\n`;
}
