import type { CoverageExpectation, Observation, RegionReading } from "./matrix";
import type { CoverageScope } from "./scopes";

/* The judgement of one account in one row (functions/coverage/matrix.ts builds the rows from it). */

/**
 * The status of an account Security Hub reports a policy association for but no membership: the administrator
 * (never its own member), or an account that is not a member.
 */
export const ASSOCIATION_ONLY = "ASSOCIATION_ONLY";

/** Member statuses that mean "covered" (upper-cased): GuardDuty, Security Hub and Macie "Enabled", Detective ENABLED. */
const MEMBER_COVERED = "ENABLED";

function missingPlans(plans: Record<string, string> | undefined, required: readonly string[]): string[] {
    return required.filter((plan) => plans?.[plan]?.toUpperCase() !== "ENABLED");
}

function describePlans(plans: Record<string, string> | undefined, missing: readonly string[]): string {
    return missing.map((plan) => `${plan} ${plans?.[plan] ?? "not reported"}`).join(", ");
}

/** " (OU scope sandbox)" for an account in a scope, "" for the root's. */
const inScope = (scope: CoverageScope | undefined) =>
    scope === undefined ? "" : ` (OU scope ${scope.name})`;

/** Why the account's Security Hub configuration policy is not the one intended, or undefined when it is. */
function policyGap(
    observation: Observation | undefined,
    expected: string,
    scope: CoverageScope | undefined,
): string | undefined {
    const policy = observation?.policy;
    if (policy === undefined)
        return `no configuration policy association reported, expected ${expected}${inScope(scope)}`;
    if (policy.name !== expected)
        return `configuration policy ${policy.name} applies, expected ${expected}${inScope(scope)}`;
    if (policy.status !== "SUCCESS") {
        const detail = policy.detail === undefined ? "" : ` (${policy.detail})`;
        return `configuration policy ${policy.name} association ${policy.status}${detail}`;
    }
    return undefined;
}

/**
 * One reading's verdict on one account: covered (undefined), or a gap. An excused gap names a limit the stack
 * knows and says so (an exclusion, a quota, a reading that cannot prove coverage), never a failure.
 */
export type Verdict = { reason: string; excused?: true } | undefined;

/**
 * The reason a passing Config.1 carries while the new Security Hub is on. With both Security Hub and Security
 * Hub CSPM enabled, "the Config.1 rule will always have a status of PASSED" because CSPM reads configuration
 * items "via a service-linked configuration recorder" (Security Hub CSPM user guide, Config controls, Config.1
 * note). That recorder's recording scope is set by the linked service, and with an INTERNAL scope no
 * configuration item reaches a delivery channel (AWS Config API reference, PutServiceLinkedConfigurationRecorder,
 * ConfigurationRecorderSummary.recordingScope): nothing the security account reads (the coverage role reads
 * Security Hub in its own account, never a member's AWS Config) shows which resources are recorded.
 */
export const CONFIG_UNPROVABLE =
    "AWS Config recording not provable: with the new Security Hub on, Config.1 passes by design (service-linked recorder), and the security account can read no proof of what is recorded";

/** One reading of a config row: Security Hub CSPM's Config.1 finding for the account, or none reported. */
function configVerdict(observation: Observation | undefined, expectation: CoverageExpectation): Verdict {
    // Every account, the administrator included, by the status of its own Config.1 findings.
    if (observation === undefined)
        return { reason: "Config.1 not reported by Security Hub CSPM (control off, or not yet evaluated)" };
    if (observation.status === "PASSED")
        return expectation.securityHubV2 === true ? { reason: CONFIG_UNPROVABLE, excused: true } : undefined;
    const detail = observation.detail === undefined ? "" : ` (${observation.detail})`;
    return { reason: `AWS Config not recording: Config.1 ${observation.status}${detail}` };
}

/** Why one reading does not cover an account in a row, or undefined when it does. */
export function gapReason(
    reading: RegionReading,
    observation: Observation | undefined,
    expectation: CoverageExpectation,
    isAdmin: boolean,
    scope: CoverageScope | undefined,
): Verdict {
    if (reading.service === "config") return configVerdict(observation, expectation);
    const reason = memberGap(reading, observation, expectation, isAdmin, scope);
    return reason === undefined ? undefined : { reason };
}

/** Why one reading of a member service (or Inspector) does not cover an account, or undefined when it does. */
function memberGap(
    reading: RegionReading,
    observation: Observation | undefined,
    expectation: CoverageExpectation,
    isAdmin: boolean,
    scope: CoverageScope | undefined,
): string | undefined {
    const { service } = reading;
    if (service === "inspector") {
        // Every account, the administrator included, is judged by its own scan status.
        if (observation === undefined) return "not reported by BatchGetAccountStatus";
        if (observation.detail !== undefined && observation.plans === undefined) return observation.detail;
        const missing = missingPlans(observation.plans, scope?.inspectorScans ?? expectation.inspectorScans);
        return missing.length === 0
            ? undefined
            : `scanning not enabled${inScope(scope)}: ${describePlans(observation.plans, missing)}`;
    }
    const member = observation?.status === ASSOCIATION_ONLY ? undefined : observation;
    // The administrator is never its own member: its service is on when its own reading succeeded.
    if (member === undefined && !isAdmin) return "not a member";
    if (member !== undefined && member.status !== MEMBER_COVERED) {
        const detail = member.detail === undefined ? "" : ` (${member.detail})`;
        return `member status ${member.status}${detail}`;
    }
    if (service === "guardduty") {
        const offered = expectation.guarddutyFeatures.filter(
            (feature) =>
                !(expectation.guarddutyFeaturesNotOfferedIn?.[feature] ?? []).includes(reading.region),
        );
        const missing = missingPlans(member?.plans, offered);
        if (member !== undefined && missing.length > 0)
            return `protection plans not enabled: ${describePlans(member.plans, missing)}`;
    }
    const central = expectation.securityHubPolicy;
    if (service === "securityhub" && central !== undefined && reading.region === central.region) {
        return policyGap(observation, scope?.securityHubPolicy ?? central.name, scope);
    }
    return undefined;
}

/**
 * The merge rule for several readings of one account in one row: several Config.1 findings (one per standard or
 * control ARN, in every order GetFindings pages them), an account both listed and failed by one batch read. The
 * account is covered only when every reading covers it; an unexcused gap wins over an excused one, an excused one
 * over coverage, whatever the order. Reasons are sorted and each given once, so the report does not depend on
 * the order either.
 */
export function mergeVerdicts(verdicts: readonly Verdict[]): Verdict {
    const gaps = verdicts.filter((verdict): verdict is NonNullable<Verdict> => verdict !== undefined);
    if (gaps.length === 0) return undefined;
    const failures = gaps.filter((gap) => gap.excused !== true);
    const reasons = [...new Set((failures.length > 0 ? failures : gaps).map((gap) => gap.reason))].sort();
    return { reason: reasons.join("; "), ...(failures.length > 0 ? {} : { excused: true as const }) };
}
