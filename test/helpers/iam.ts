import {
    anonymousPrincipal,
    runSimulation,
    type SimulationIdentityPolicy,
    type SimulationOrgPolicies,
    type SimulationRequestPrincipal,
    type StatementExplain,
} from "@cloud-copilot/iam-simulate";
import type { ExportingService, ExportPolicyParams, PolicyDocument } from "../../components/policy-documents";
import type { StackConfig } from "../../stacks/config";
import { isOptInRegion, PARTITION } from "../../stacks/regions";

/**
 * IAM simulation of the resource policies the program renders, with `@cloud-copilot/iam-simulate`
 * (`runSimulation` in Strict mode: every condition key is evaluated exactly as supplied, and a key the
 * simulator does not know for the action is an error here rather than silently dropped).
 */

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export { anonymousPrincipal };

export interface IamRequest {
    /** An ARN, a service principal (`guardduty.amazonaws.com`), or `anonymousPrincipal`. */
    principal: SimulationRequestPrincipal;
    action: string;
    /** The resource ARN the request is made against. */
    resource: string;
    /** The account owning the resource (S3 ARNs name none). */
    resourceAccount: string;
    /** Request context: aws:SourceAccount, aws:SourceArn, aws:SecureTransport, s3:x-amz-... */
    context: Record<string, string | string[]>;
    /** Identity policies of the caller. None for service principals and anonymous callers. */
    identityPolicies?: SimulationIdentityPolicy[];
    /** SCPs in force on the caller's account, root level first. Default: none (no organization). */
    serviceControlPolicies?: SimulationOrgPolicies[];
    /** RCPs in force on the resource's account, root level first. Default: none. */
    resourceControlPolicies?: SimulationOrgPolicies[];
}

export interface IamOutcome {
    decision: Decision;
    /** Sids of the resource-policy statements that allowed the request. */
    allowedBy: string[];
    /** Sids of the resource-policy statements that denied it. */
    deniedBy: string[];
}

function sids(statements: { explain: StatementExplain }[] | undefined): string[] {
    return (statements ?? []).map((statement) => statement.explain.identifier);
}

/**
 * Evaluates one request against a resource policy (none: the caller's identity policies alone). Throws when the simulator refuses the input (an
 * invalid policy, action or resource) or ignores a context key: a test whose conditions were silently
 * dropped would prove nothing.
 */
export async function simulate(request: IamRequest, resourcePolicy?: PolicyDocument): Promise<IamOutcome> {
    const response = await runSimulation(
        {
            request: {
                principal: request.principal,
                action: request.action,
                resource: { resource: request.resource, accountId: request.resourceAccount },
                contextVariables: request.context,
            },
            identityPolicies: request.identityPolicies ?? [],
            serviceControlPolicies: request.serviceControlPolicies ?? [],
            resourceControlPolicies: request.resourceControlPolicies ?? [],
            resourcePolicy,
        },
        { simulationMode: "Strict" },
    );
    if (response.resultType === "error") {
        throw new Error(`the simulator refused ${request.action}: ${JSON.stringify(response.errors)}`);
    }
    // A wildcard resource ("*") for an action with resource types: the identity policies decide on their own.
    if (response.resultType === "wildcard" && resourcePolicy === undefined) {
        return { decision: response.overallResult, allowedBy: [], deniedBy: [] };
    }
    if (response.resultType !== "single") {
        throw new Error(`expected a single-resource simulation of ${request.resource}`);
    }
    const ignored = response.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) {
        throw new Error(`the simulator ignored context keys for ${request.action}: ${ignored.join(", ")}`);
    }
    const resource = response.result.analysis.resourceAnalysis;
    return {
        decision: response.overallResult,
        allowedBy: sids(resource?.allowStatements),
        deniedBy: sids(resource?.denyStatements),
    };
}

export function describeOutcome(outcome: IamOutcome): string {
    const by = [
        outcome.allowedBy.length > 0 ? `allowed by ${outcome.allowedBy.join(", ")}` : "",
        outcome.deniedBy.length > 0 ? `denied by ${outcome.deniedBy.join(", ")}` : "",
    ].filter((text) => text !== "");
    return by.length > 0 ? `${outcome.decision} (${by.join("; ")})` : outcome.decision;
}

/** An identity policy allowing `actions` on every resource: the most a caller's own account can grant. */
export function allowEverything(name: string, actions: string[]): SimulationIdentityPolicy {
    return {
        name,
        policy: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
        },
    };
}

// ---- The findings export: parameters and request shapes as the program and the services use them ----

/** The export bucket and key parameters exactly as index.ts and FindingsExport derive them from the config. */
export function exportPolicyParams(config: StackConfig): ExportPolicyParams {
    return {
        securityAccountId: config.accounts.securityAdmin,
        regions: config.regions,
        services: config.macie.enabled ? ["guardduty", "macie"] : ["guardduty"],
    };
}

/** The responder's records: only its execution role (named by its function and home region) writes them. */
export function responseRecords(config: StackConfig): { prefix: string; writerArn: string } {
    return {
        prefix: "responses/",
        writerArn: roleArn(
            config.accounts.securityAdmin,
            `security-governance-responder-${config.homeRegion}`,
        ),
    };
}

/** FindingsExport's bucket name (default prefix). */
export function findingsBucketName(config: StackConfig): string {
    return `security-governance-findings-${config.accounts.securityAdmin}-${config.homeRegion}`;
}

export function roleArn(account: string, name: string): string {
    return `arn:${PARTITION}:iam::${account}:role/${name}`;
}

export function kmsKeyArn(region: string, account: string, id: string): string {
    return `arn:${PARTITION}:kms:${region}:${account}:key/${id}`;
}

/**
 * The principal a service signs with in a region: the regional one (`guardduty.<region>.amazonaws.com`)
 * in opt-in regions, the global one elsewhere.
 */
export function servicePrincipalIn(service: ExportingService, region: string): string {
    const name = service === "guardduty" ? "guardduty" : "macie";
    return isOptInRegion(region) ? `${name}.${region}.amazonaws.com` : `${name}.amazonaws.com`;
}

/**
 * The aws:SourceArn a service presents when exporting: a GuardDuty detector, or a Macie export
 * configuration (Macie's documented policy matches `export-configuration:*`; the suffix is assumed).
 */
export function exporterSourceArn(service: ExportingService, region: string, account: string): string {
    return service === "guardduty"
        ? `arn:${PARTITION}:guardduty:${region}:${account}:detector/12abc34d567e8fa901bc2d34e56789f0`
        : `arn:${PARTITION}:macie2:${region}:${account}:export-configuration:default`;
}

/** An object key as the service writes it under its prefix. */
export function exportObjectKey(prefix: string, service: ExportingService, region: string, account: string) {
    const folder = service === "guardduty" ? "GuardDuty" : "Macie";
    return `${prefix}/AWSLogs/${account}/${folder}/${region}/2025/01/31/finding-0001.jsonl.gz`;
}

export function serviceContext(sourceAccount: string, sourceArn: string): Record<string, string> {
    return { "aws:SourceAccount": sourceAccount, "aws:SourceArn": sourceArn };
}

export const TLS: Record<string, string> = { "aws:SecureTransport": "true" };

/** The headers of an upload encrypted with `keyArn` (SSE-KMS). */
export function sseKms(keyArn: string): Record<string, string> {
    return {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn,
    };
}
