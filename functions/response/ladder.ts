/**
 * The response ladder, apart from any AWS call: for one GuardDuty finding, which actions it triggers and, for
 * each, whether to act, rehearse (dry-run), only notify, or skip, and why. Every trigger yields a decision,
 * so every finding the responder sees leaves a record, skipped ones included.
 */
import { nonPublicReason, parseIpEntry } from "../../stacks/ip-lists";
import type { RemediationAction, RemediationConfig, RemediationMode } from "../../stacks/remediation";

/**
 * The fields of a GuardDuty finding this code reads, by their JSON names in the "GuardDuty Finding" event's
 * `detail` (GuardDuty user guide, guardduty_findings_eventbridge.html; the Finding shape and its wire names in
 * @aws-sdk/client-guardduty's models and serialization schema). Every field may be missing.
 */
export interface FindingDetail {
    id?: string;
    type?: string;
    /** "[SAMPLE] ..." on a finding made by CreateSampleFindings. */
    title?: string;
    severity?: number;
    accountId?: string;
    region?: string;
    updatedAt?: string;
    resource?: {
        resourceType?: string;
        instanceDetails?: {
            instanceId?: string;
            tags?: { key?: string; value?: string }[];
            networkInterfaces?: { networkInterfaceId?: string; subnetId?: string; vpcId?: string }[];
        };
        accessKeyDetails?: {
            accessKeyId?: string;
            principalId?: string;
            userName?: string;
            userType?: string;
        };
        s3BucketDetails?: { name?: string }[];
    };
    service?: {
        archived?: boolean;
        /** `sample: true` on a finding made by CreateSampleFindings. */
        additionalInfo?: { sample?: boolean };
        count?: number;
        eventFirstSeen?: string;
        eventLastSeen?: string;
        action?: {
            actionType?: string;
            networkConnectionAction?: { remoteIpDetails?: RemoteIp };
            portProbeAction?: { portProbeDetails?: { remoteIpDetails?: RemoteIp }[] };
        };
    };
}

interface RemoteIp {
    ipAddressV4?: string;
    ipAddressV6?: string;
}

/** What an action acts on, taken from the finding. */
export type Target =
    | { action: "blockRemoteAddress"; addresses: string[]; subnets: string[] }
    | { action: "isolateInstance"; instanceId: string; networkInterfaces: string[]; vpcId: string }
    | { action: "containCredentials"; kind: "accessKey"; userName: string; accessKeyId: string }
    | { action: "containCredentials"; kind: "roleSessions"; roleName: string }
    | { action: "blockPublicBucket"; buckets: string[] };

export type Verdict = "skip" | Exclude<RemediationMode, "off">;

export interface Decision {
    action: RemediationAction;
    mode: RemediationMode;
    verdict: Verdict;
    /** Why it is skipped, when it is. */
    reason?: string;
    target?: Target;
}

export interface LadderSettings {
    remediation: RemediationConfig;
    /** Accounts never acted on, each with why: the management and security accounts. */
    neverTouch: Record<string, string>;
    /** Role names never revoked: the responder's own member role, so it can still act tomorrow. */
    protectedRoles: readonly string[];
}

export interface LadderContext {
    /** The OUs the finding's account sits in, nearest first; undefined when they could not be read. */
    accountOus?: readonly string[];
}

const ACTIONS: readonly RemediationAction[] = [
    "blockRemoteAddress",
    "isolateInstance",
    "containCredentials",
    "blockPublicBucket",
];

/**
 * Whether a finding is one of GuardDuty's samples (CreateSampleFindings): users make them to test alerting,
 * and their resources are placeholders (i-99999999). GuardDuty marks them with `service.additionalInfo.sample`
 * true and a title beginning "[SAMPLE]" (GuardDuty user guide, sample findings); either mark is enough.
 */
export function isSample(finding: FindingDetail): boolean {
    return finding.service?.additionalInfo?.sample === true || (finding.title ?? "").startsWith("[SAMPLE]");
}

export const SAMPLE_REASON =
    "a sample finding (CreateSampleFindings), made to test alerting: never acted on, rehearsed or told as an incident";

/** The decisions for one finding, in ladder order, one per action whose finding types include its type. */
export function decide(
    finding: FindingDetail,
    settings: LadderSettings,
    context: LadderContext = {},
): Decision[] {
    const decisions: Decision[] = [];
    for (const action of ACTIONS) {
        const rung = settings.remediation[action];
        if (finding.type === undefined || !rung.findingTypes.includes(finding.type)) continue;
        const skip = (reason: string): Decision => ({ action, mode: rung.mode, verdict: "skip", reason });
        const why = isSample(finding)
            ? SAMPLE_REASON
            : rung.mode === "off"
              ? `${action}.mode is off`
              : (refusal(finding, settings, context, rung.minSeverity) ??
                outOfScope(action, finding, rung.organizationalUnits, context));
        if (why !== undefined) {
            decisions.push(skip(why));
            continue;
        }
        const target = targetOf(action, finding, settings);
        if (typeof target === "string") decisions.push(skip(target));
        else decisions.push({ action, mode: rung.mode, verdict: rung.mode as Verdict, target });
    }
    return decisions;
}

/** Why no action may be taken on this finding at all, whichever action, or undefined. */
function refusal(
    finding: FindingDetail,
    settings: LadderSettings,
    context: LadderContext,
    minSeverity: number,
): string | undefined {
    const { remediation } = settings;
    if (finding.service?.archived === true) return "the finding is archived";
    if (typeof finding.severity !== "number" || finding.severity < minSeverity)
        return `severity ${finding.severity ?? "(missing)"} is below minSeverity ${minSeverity}`;
    const account = finding.accountId;
    if (account === undefined) return "the finding names no account";
    if (account in settings.neverTouch)
        return `account ${account} is never acted on: ${settings.neverTouch[account]}`;
    if (remediation.exemptAccounts.includes(account))
        return `account ${account} is exempt (remediation.exemptAccounts)`;
    if (remediation.exemptOrganizationalUnits.length > 0) {
        if (context.accountOus === undefined)
            return `could not read which OUs account ${account} is in, so cannot rule out remediation.exemptOrganizationalUnits`;
        const ou = context.accountOus.find((id) => remediation.exemptOrganizationalUnits.includes(id));
        if (ou !== undefined) return `account ${account} is in ${ou} (remediation.exemptOrganizationalUnits)`;
    }
    const [key, value] = splitTag(remediation.exemptTag);
    const tags = finding.resource?.instanceDetails?.tags ?? [];
    if (tags.some((tag) => tag.key === key && tag.value === value))
        return `the instance is tagged ${remediation.exemptTag} (remediation.exemptTag)`;
    return undefined;
}

/** Why the account is outside the rung's OUs (remediation.<action>.organizationalUnits), or undefined. */
function outOfScope(
    action: RemediationAction,
    finding: FindingDetail,
    scope: readonly string[] | undefined,
    context: LadderContext,
): string | undefined {
    if (scope === undefined) return undefined;
    const where = `remediation.${action}.organizationalUnits (${scope.join(", ")})`;
    if (context.accountOus === undefined)
        return `could not read which OUs account ${finding.accountId} is in, so cannot tell whether it is in ${where}`;
    if (context.accountOus.some((ou) => scope.includes(ou))) return undefined;
    return `account ${finding.accountId} is not in ${where}`;
}

function splitTag(tag: string): [string, string] {
    const at = tag.indexOf("=");
    return [tag.slice(0, at), tag.slice(at + 1)];
}

function unique(values: (string | undefined)[]): string[] {
    return [...new Set(values.filter((v): v is string => v !== undefined && v !== ""))].sort();
}

/** The action's target from the finding, or why there is none it may act on. */
function targetOf(
    action: RemediationAction,
    finding: FindingDetail,
    settings: LadderSettings,
): Target | string {
    const resource = finding.resource ?? {};
    const interfaces = resource.instanceDetails?.networkInterfaces ?? [];
    switch (action) {
        case "blockRemoteAddress": {
            const act = finding.service?.action;
            const remotes = [
                act?.networkConnectionAction?.remoteIpDetails,
                ...(act?.portProbeAction?.portProbeDetails ?? []).map((d) => d.remoteIpDetails),
            ];
            const candidates = unique(remotes.flatMap((r) => [r?.ipAddressV4, r?.ipAddressV6]));
            const addresses: string[] = [];
            const refused: string[] = [];
            for (const address of candidates) {
                // A private or reserved address is inside or beside the network: blocking it could cut the
                // organization's own traffic, so only public addresses are blocked.
                let reason: string | undefined;
                try {
                    reason = nonPublicReason(parseIpEntry(address));
                } catch {
                    reason = `${address} is not an IP address`;
                }
                if (reason === undefined) addresses.push(address);
                else refused.push(reason);
            }
            const subnets = unique(interfaces.map((i) => i.subnetId));
            if (addresses.length === 0)
                return refused.length > 0
                    ? `no public remote address to block: ${refused.join("; ")}`
                    : "the finding names no remote address (not a network connection or port probe)";
            if (subnets.length === 0) return "the finding names no subnet of the instance";
            return { action, addresses, subnets };
        }
        case "isolateInstance": {
            const instanceId = resource.instanceDetails?.instanceId;
            const vpcs = unique(interfaces.map((i) => i.vpcId));
            const networkInterfaces = unique(interfaces.map((i) => i.networkInterfaceId));
            if (resource.resourceType !== "Instance" || instanceId === undefined)
                return `the finding's resource is ${resource.resourceType ?? "(missing)"}, not an EC2 instance`;
            if (vpcs.length !== 1 || networkInterfaces.length === 0)
                return `the instance's network interfaces name ${vpcs.length} VPCs; isolation needs exactly one`;
            return { action, instanceId, networkInterfaces, vpcId: vpcs[0] };
        }
        case "containCredentials": {
            const key = resource.accessKeyDetails;
            if (key?.userType === "IAMUser") {
                if (key.userName === undefined || key.accessKeyId === undefined)
                    return "the finding names no user or access key";
                return { action, kind: "accessKey", userName: key.userName, accessKeyId: key.accessKeyId };
            }
            if (key?.userType === "AssumedRole") {
                const roleName = key.userName;
                if (roleName === undefined) return "the finding names no role";
                // IAM: revoking sessions "cannot be used on service-linked roles" (id_roles_use_revoke-sessions).
                if (roleName.startsWith("AWSServiceRole"))
                    return `${roleName} is a service-linked role, whose sessions IAM cannot revoke`;
                if (settings.protectedRoles.includes(roleName))
                    return `${roleName} is the responder's own role: revoking it would stop every later response`;
                return { action, kind: "roleSessions", roleName };
            }
            return `credentials of type ${key?.userType ?? "(missing)"} are not contained by this action (IAMUser keys and AssumedRole sessions are)`;
        }
        case "blockPublicBucket": {
            const buckets = unique((resource.s3BucketDetails ?? []).map((b) => b.name));
            return buckets.length > 0 ? { action, buckets } : "the finding names no bucket";
        }
    }
}
