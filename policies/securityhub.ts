import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN, at, bool, list, stackResources, str, validateTypes } from "./util";

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

export const securityhubRequiredStandards: ResourceValidationPolicy = {
    name: "securityhub-required-standards",
    description: "Security Hub configuration policies must enable Security Hub and the required standards.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredStandards: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: DEFAULT_REQUIRED_STANDARDS,
                description: "Suffixes of standard ARNs every configuration policy must enable.",
            },
        },
    },
    validateResource: validateTypes(SECURITYHUB_CONFIGURATION_POLICY, (props, args, reportViolation) => {
        const { requiredStandards = DEFAULT_REQUIRED_STANDARDS } = args.getConfig<{
            requiredStandards?: string[];
        }>();
        const enabled = bool(at(props, "configurationPolicy", "serviceEnabled"));
        if (enabled !== UNKNOWN && enabled !== true) {
            reportViolation(
                "configurationPolicy.serviceEnabled is not true: the policy turns Security Hub off.",
            );
            return;
        }
        const arns = list(at(props, "configurationPolicy", "enabledStandardArns"));
        if (arns === UNKNOWN || arns?.includes(UNKNOWN)) {
            return;
        }
        const missing = requiredStandards.filter(
            (suffix) => !arns?.some((arn) => typeof arn === "string" && arn.endsWith(suffix)),
        );
        if (missing.length > 0) {
            reportViolation(`enabledStandardArns lacks ${missing.join(", ")}.`);
        }
    }),
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

export const securityhubPolicies = [
    securityhubCentralConfiguration,
    securityhubRequiredStandards,
    securityhubFindingAggregator,
];
