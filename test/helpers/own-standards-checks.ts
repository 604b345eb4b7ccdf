import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";

/* The shapes and policy readers of the own-standards table (own-standards.ts). */

/** true when the resource passes; otherwise what fails. */
export type Verdict = true | string;

export interface Control {
    id: string;
    title: string;
    standards: ("FSBP v1.0.0" | "CIS v3.0.0")[];
    /** The AWS Config rule the control runs, and the parameters Security Hub sets. */
    rule: string;
    /** The planned resource types it judges (the Pulumi types of the AWS resource type it evaluates). */
    types: string[];
    check: (resource: PlannedResource, planned: PlanDocument) => Verdict;
    /** A resource the check must reject: the proof that it can fail. */
    failing: () => { resource: PlannedResource; plan: PlanDocument };
}

export interface Exemption {
    control: string;
    applies: (resource: PlannedResource, planned: PlanDocument) => boolean;
    /** Why passing is wrong, and how the stack's config turns the control off (securityHub.disabledControls). */
    reason: string;
}

export interface Statement {
    Effect?: string;
    Principal?: unknown;
    Action?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

export function statements(policy: unknown): Statement[] {
    if (typeof policy !== "string") return [];
    const parsed = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    const list = parsed.Statement ?? [];
    return Array.isArray(list) ? list : [list];
}

export const many = (value: string | string[] | undefined): string[] =>
    value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Whether the action patterns of a statement cover `action` (IAM wildcards: * and ?). */
export function covers(patterns: string[], action: string): boolean {
    return patterns.some((pattern) => {
        const regex = new RegExp(
            `^${pattern
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, ".*")
                .replace(/\?/g, ".")}$`,
            "i",
        );
        return regex.test(action);
    });
}

/** Whether a principal is everyone: "*" or {"AWS": "*"} (IAM user guide, "Principal" element). */
export function isEveryone(principal: unknown): boolean {
    if (principal === "*") return true;
    if (typeof principal !== "object" || principal === null) return false;
    const aws = (principal as { AWS?: string | string[] }).AWS;
    return many(aws).includes("*");
}

/** Condition keys that confine a statement to one account, organization or source (the controls' "restrict"). */
const CONFINING_KEYS = [
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalarn",
];

export function confined(statement: Statement): boolean {
    return Object.values(statement.Condition ?? {}).some((operator) =>
        Object.keys(operator).some((key) => CONFINING_KEYS.includes(key.toLowerCase())),
    );
}

/** A public Allow: to everyone and not confined by a source, account or organization condition. */
export function publicAllows(policy: unknown): Statement[] {
    return statements(policy).filter((s) => s.Effect === "Allow" && isEveryone(s.Principal) && !confined(s));
}

export function subResourcesOf(
    planned: PlanDocument,
    types: string[],
    bucket: PlannedResource,
): PlannedResource[] {
    return planned.resources.filter(
        (r) => types.includes(r.type) && r.inputs.bucket === bucket.inputs.bucket,
    );
}

/** A hand-made resource for a check to reject. */
export { resource as sample } from "./policy-fixtures";

export function context(resources: PlannedResource[]): PlanDocument {
    return {
        project: "security-governance",
        stack: "sample",
        homeRegion: "us-east-1",
        regions: ["us-east-1"],
        accounts: { management: "111111111111", securityAdmin: "333333333333", count: 2, leftOut: [] },
        organization: { id: "o-sample", rootId: "r-sample", enabledPolicyTypes: [] },
        resources,
        diagnostics: [],
    };
}
