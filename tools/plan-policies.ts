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
    /** The settings each configurable policy ran with: what a stack without a config file gets. */
    settings?: Record<string, Record<string, unknown>>;
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
        const settings = Object.fromEntries(
            Object.entries(session.config())
                .filter(([, resolved]) => Object.keys(resolved.properties).length > 0)
                .map(([name, resolved]) => [name, resolved.properties]),
        );
        return { diagnostics, configFile, settings, startupMs: session.startupMs, analysisMs };
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
    const header = noConfigNotice(plan.stack, analysis);
    if (analysis.diagnostics.length === 0) return `${header}Policy pack (${source}): no violations.\n`;
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
    return `${header}${lines.join("\n")}\n`;
}

/**
 * For a stack without `policies/config.<stack>.json`: which file to create, and the standard it is held to
 * meanwhile, so that a new stack's first plan explains its own violations.
 */
function noConfigNotice(stack: string, analysis: PolicyAnalysis): string {
    if (analysis.configFile !== undefined) return "";
    const settings = Object.entries(analysis.settings ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(
            ([policy, properties]) =>
                `  ${policy}: ${Object.entries(properties)
                    .map(([key, value]) => `${key} ${JSON.stringify(value)}`)
                    .join(", ")}`,
        );
    return [
        `No policies/config.${stack}.json: the pack's own standard applies, every policy mandatory:`,
        ...settings,
        `To relax it for this stack, create policies/config.${stack}.json (policies/config.dev.json is an example).`,
        "",
    ].join("\n");
}
