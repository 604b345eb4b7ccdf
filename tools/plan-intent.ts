import type { PlanDocument, PlannedResource } from "./plan-contract";
import { wrap } from "./plan-summary";

/*
 * What the stack will do beyond turning services on, read from the planned resources as the engine would
 * create them: the response ladder, the policies scoped by OU, and the noise rules. Each section is left out
 * when the stack has none of it.
 */

function ofType(plan: PlanDocument, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

function regionCount(resources: PlannedResource[], homeRegion: string): number {
    return new Set(resources.map((r) => (r.inputs.region as string | undefined) ?? homeRegion)).size;
}

interface Rung {
    mode: string;
    findingTypes?: string[];
    minSeverity?: number;
    stopInstance?: boolean;
    expiresAfterHours?: number;
}

const MODES: Record<string, string> = {
    notify: "tells the alert topic what it would do, changes nothing",
    "dry-run": "records what it would do in the findings bucket, changes nothing",
    act: "acts in the member account",
};

/** The responder's settings as the function receives them. */
export function responseLines(plan: PlanDocument): string[] {
    const fn = ofType(plan, "aws:lambda/function:Function").find((r) => r.name === "response-function");
    const text = (fn?.inputs.environment as { variables?: Record<string, unknown> } | undefined)?.variables
        ?.RESPONDER_SETTINGS;
    if (typeof text !== "string") return [];
    const settings = JSON.parse(text) as {
        remediation: Record<string, unknown> & {
            exemptTag?: string;
            exemptAccounts?: string[];
            exemptOrganizationalUnits?: string[];
        };
        neverTouch?: Record<string, string>;
    };
    const { exemptTag, exemptAccounts = [], exemptOrganizationalUnits = [], ...rungs } = settings.remediation;
    const lines = ["Response to findings (remediation):"];
    for (const [name, value] of Object.entries(rungs)) {
        const rung = value as Rung;
        const extra = [
            rung.minSeverity === undefined ? "" : `severity >= ${rung.minSeverity}`,
            rung.stopInstance === true ? "stops the instance" : "",
            rung.expiresAfterHours === undefined ? "" : `undone after ${rung.expiresAfterHours} h`,
        ].filter((part) => part !== "");
        lines.push(
            ...wrap(
                `  ${name}: ${rung.mode} (${MODES[rung.mode] ?? rung.mode}) on ${rung.findingTypes?.length ?? 0} finding type(s)${extra.length === 0 ? "" : `, ${extra.join(", ")}`}`,
                "      ",
            ),
        );
    }
    const never = Object.entries(settings.neverTouch ?? {}).map(([id, why]) => `${id} (${why})`);
    lines.push(
        ...wrap(
            `  never: ${[...never, ...exemptAccounts, ...exemptOrganizationalUnits.map((ou) => `accounts under ${ou}`), ...(exemptTag === undefined ? [] : [`resources tagged ${exemptTag}`])].join(", ")}`,
            "      ",
        ),
        "",
    );
    return lines;
}

/** Security Hub configuration policies and Inspector policies by the root or OU they are attached to. */
export function scopeLines(plan: PlanDocument): string[] {
    const byTarget = new Map<string, string[]>();
    const add = (target: unknown, text: string) => {
        const key = String(target);
        byTarget.set(key, [...(byTarget.get(key) ?? []), text]);
    };
    const shPolicies = ofType(plan, "aws:securityhub/configurationPolicy:ConfigurationPolicy");
    for (const association of ofType(
        plan,
        "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation",
    )) {
        // The association is named after its policy's resource with the target in place of "-policy".
        const policy = shPolicies.find(
            (p) =>
                p.name ===
                association.name.replace(/^securityhub-/, "securityhub-policy-").replace(/-root$/, ""),
        );
        const described = String(policy?.inputs.description ?? "").replace(
            /^Managed by security-governance \(Pulumi\)\. /,
            "",
        );
        add(
            association.inputs.targetId,
            `Security Hub "${String(policy?.inputs.name ?? "?")}": ${described}`,
        );
    }
    const inspectorPolicies = ofType(plan, "aws:organizations/policy:Policy").filter(
        (p) => p.inputs.type === "INSPECTOR_POLICY",
    );
    for (const attachment of ofType(plan, "aws:organizations/policyAttachment:PolicyAttachment")) {
        // Attachments are named after their policy's resource: the longest such name is the policy's.
        const policy = inspectorPolicies
            .filter((p) => attachment.name.startsWith(`${p.name}-`))
            .sort((a, b) => b.name.length - a.name.length)[0];
        if (policy === undefined) continue;
        const enablement = (
            JSON.parse(String(policy.inputs.content)) as {
                inspector?: {
                    enablement?: Record<string, { enable_in_regions?: { "@@assign"?: string[] } }>;
                };
            }
        ).inspector?.enablement;
        const scans = Object.entries(enablement ?? {})
            .filter(([, value]) => (value.enable_in_regions?.["@@assign"] ?? []).length > 0)
            .map(([scan]) => scan.replace(/_scanning$/, ""));
        add(
            attachment.inputs.targetId,
            `Inspector "${String(policy.inputs.name)}": ${scans.join(", ") || "nothing enforced"}`,
        );
    }
    if (![...byTarget.keys()].some((target) => target.startsWith("ou-"))) return [];
    const lines = ["Scopes by OU (an account follows the policy of its nearest OU, else the root's):"];
    for (const [target, texts] of [...byTarget].sort(([a], [b]) =>
        a.startsWith("r-") ? -1 : b.startsWith("r-") ? 1 : a.localeCompare(b),
    )) {
        for (const text of texts) lines.push(...wrap(`  ${target}: ${text}`, "      "));
    }
    lines.push("");
    return lines;
}

const NOISE_TYPES: Record<string, string> = {
    "aws:securityhub/automationRule:AutomationRule": "Security Hub CSPM automation rule",
    "aws:securityhub/automationRuleV2:AutomationRuleV2": "Security Hub automation rule",
    "aws:inspector2/filter:Filter": "Inspector filter (SUPPRESS)",
    "aws:macie/findingsFilter:FindingsFilter": "Macie findings filter (ARCHIVE)",
};

/** Each noise rule with the services' rules it becomes and where. */
export function noiseLines(plan: PlanDocument): string[] {
    const byRule = new Map<string, { reason: string; parts: string[] }>();
    for (const [type, label] of Object.entries(NOISE_TYPES)) {
        const resources = ofType(plan, type);
        const names = [...new Set(resources.map((r) => String(r.inputs.ruleName ?? r.inputs.name)))];
        for (const name of names) {
            const mine = resources.filter((r) => String(r.inputs.ruleName ?? r.inputs.name) === name);
            const entry = byRule.get(name) ?? { reason: String(mine[0].inputs.description ?? ""), parts: [] };
            entry.parts.push(`${label} in ${regionCount(mine, plan.homeRegion)} region(s)`);
            byRule.set(name, entry);
        }
    }
    if (byRule.size === 0) return [];
    const lines = ["Noise rules (the services suppress or archive matching findings; none is deleted):"];
    for (const [name, { reason, parts }] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(...wrap(`  ${name}: ${parts.join("; ")}. ${reason}`, "      "));
    }
    lines.push("");
    return lines;
}
