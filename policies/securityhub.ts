import { ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import {
    UNKNOWN,
    at,
    bool,
    dependenciesOf,
    list,
    stackResources,
    str,
    validateTypes,
    type Unknown,
} from "./util";
import { ORGANIZATIONS_POLICY, disabledRegions, organizationsPolicyDocument } from "./inspector";

export const SECURITYHUB_ORGANIZATION_CONFIGURATION =
    "aws:securityhub/organizationConfiguration:OrganizationConfiguration";
export const SECURITYHUB_CONFIGURATION_POLICY = "aws:securityhub/configurationPolicy:ConfigurationPolicy";
export const SECURITYHUB_FINDING_AGGREGATOR = "aws:securityhub/findingAggregator:FindingAggregator";

export const DEFAULT_REQUIRED_STANDARDS = [
    "standards/aws-foundational-security-best-practices/v/1.0.0",
    "standards/cis-aws-foundations-benchmark/v/3.0.0",
];

export const securityhubCentralConfiguration: ResourceValidationPolicy = {
    name: "securityhub-central-configuration",
    description:
        'Security Hub must use CENTRAL configuration with autoEnable false and autoEnableStandards "NONE".',
    enforcementLevel: "mandatory",
    validateResource: validateTypes(
        SECURITYHUB_ORGANIZATION_CONFIGURATION,
        (props, _args, reportViolation) => {
            const problems: string[] = [];
            const type = str(at(props, "organizationConfiguration", "configurationType"));
            if (type !== UNKNOWN && type !== "CENTRAL") {
                problems.push(
                    `organizationConfiguration.configurationType is ${type ?? "unset (LOCAL)"}, not CENTRAL`,
                );
            }
            // Central configuration rejects the local auto-enable switches: policies decide instead.
            const autoEnable = bool(at(props, "autoEnable"));
            if (autoEnable === true) {
                problems.push("autoEnable is true, not false");
            }
            const standards = str(at(props, "autoEnableStandards"));
            if (standards !== UNKNOWN && standards !== "NONE") {
                problems.push(`autoEnableStandards is ${standards ?? "unset (DEFAULT)"}, not NONE`);
            }
            if (problems.length > 0) {
                reportViolation(`${problems.join("; ")}.`);
            }
        },
    ),
};

export const SECURITYHUB_POLICY_ASSOCIATION =
    "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation";

/**
 * The targets each configuration policy is associated with, by the policy's URN: an association names its
 * policy through `policyId`, which is unknown until the policy exists, so the link is read from the
 * association's property dependencies. A target that is not known yet is `UNKNOWN`.
 */
function associationTargets(args: StackValidationArgs): Map<string, (string | Unknown | undefined)[]> {
    const targets = new Map<string, (string | Unknown | undefined)[]>();
    for (const association of stackResources(args, [SECURITYHUB_POLICY_ASSOCIATION])) {
        const targetId = str(at(association.props, "targetId"));
        for (const urn of dependenciesOf(association, "policyId")) {
            targets.set(urn, [...(targets.get(urn) ?? []), targetId]);
        }
    }
    return targets;
}

const isOrganizationalUnit = (target: string | Unknown | undefined) =>
    typeof target === "string" && target.startsWith("ou-");

export const securityhubRequiredStandards: StackValidationPolicy = {
    name: "securityhub-required-standards",
    description:
        "Security Hub configuration policies must enable Security Hub and the required standards; a policy applied to OUs alone, the standards required of OUs.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredStandards: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: DEFAULT_REQUIRED_STANDARDS,
                description:
                    "Suffixes of standard ARNs every configuration policy must enable, unless it is applied to OUs alone.",
            },
            organizationalUnitStandards: {
                type: "array",
                items: { type: "string", minLength: 1 },
                description:
                    "Suffixes of standard ARNs a configuration policy applied to OUs alone must enable (such as a sandbox OU's lighter set). Default: requiredStandards.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const config = args.getConfig<{
            requiredStandards?: string[];
            organizationalUnitStandards?: string[];
        }>();
        const required = config.requiredStandards ?? DEFAULT_REQUIRED_STANDARDS;
        const targets = associationTargets(args);
        for (const policy of stackResources(args, [SECURITYHUB_CONFIGURATION_POLICY])) {
            const props = policy.props;
            const enabled = bool(at(props, "configurationPolicy", "serviceEnabled"));
            if (enabled !== UNKNOWN && enabled !== true) {
                reportViolation(
                    "configurationPolicy.serviceEnabled is not true: the policy turns Security Hub off.",
                    policy.urn,
                );
                continue;
            }
            const arns = list(at(props, "configurationPolicy", "enabledStandardArns"));
            if (arns === UNKNOWN || arns?.includes(UNKNOWN)) continue;
            // A policy associated with nothing yet, or with the root or an account, is held to the full set.
            const associated = targets.get(policy.urn) ?? [];
            const ouOnly = associated.length > 0 && associated.every(isOrganizationalUnit);
            const standards = ouOnly ? (config.organizationalUnitStandards ?? required) : required;
            const missing = standards.filter(
                (suffix) => !arns?.some((arn) => typeof arn === "string" && arn.endsWith(suffix)),
            );
            if (missing.length > 0) {
                const which =
                    ouOnly && config.organizationalUnitStandards !== undefined
                        ? " (organizationalUnitStandards: the policy is applied to OUs alone)"
                        : "";
                reportViolation(`enabledStandardArns lacks ${missing.join(", ")}${which}.`, policy.urn);
            }
        }
    },
};

export const securityhubFindingAggregator: StackValidationPolicy = {
    name: "securityhub-finding-aggregator",
    description: "A Security Hub organization configuration requires a cross-region finding aggregator.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [
            SECURITYHUB_ORGANIZATION_CONFIGURATION,
            SECURITYHUB_FINDING_AGGREGATOR,
        ]);
        if (resources.some((r) => r.type === SECURITYHUB_FINDING_AGGREGATOR)) {
            return;
        }
        // Without an aggregator, every resource left is an organization configuration.
        for (const configuration of resources) {
            reportViolation(
                "Security Hub central configuration needs a FindingAggregator in the home region; none exists.",
                configuration.urn,
            );
        }
    },
};

export const securityhubPolicyNeverDisables: ResourceValidationPolicy = {
    name: "securityhub-policy-never-disables",
    description:
        "A Security Hub organization policy may enable the new Security Hub but never list regions to disable it.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(ORGANIZATIONS_POLICY, (props, _args, reportViolation) => {
        const document = organizationsPolicyDocument(
            props,
            "SECURITYHUB_POLICY",
            "a Security Hub policy document",
            reportViolation,
        );
        if (document === undefined) return;
        const disabled = disabledRegions(at(document, "securityhub") ?? null);
        if (disabled.length > 0) {
            reportViolation(
                `disable_in_regions is not empty (${disabled.flatMap(({ regions }) => regions.map(String)).join(", ")}): ` +
                    '"disable_in_regions takes precedence over enable_in_regions" and turns Security Hub off in every ' +
                    "account of the target (Organizations user guide, orgs_manage_policies_security_hub_syntax.html); drop the region from enable_in_regions instead.",
            );
        }
    }),
};

export const securityhubPolicies = [
    securityhubCentralConfiguration,
    securityhubRequiredStandards,
    securityhubFindingAggregator,
    securityhubPolicyNeverDisables,
];
