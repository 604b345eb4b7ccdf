import { defaultMessage, describeIssue, editDistance, knownKeysAt, show } from "./config-messages";
import { crossSectionProblems } from "./cross-section-checks";
import { NAMESPACE, namespaceSchema, type NamespaceConfig } from "./namespace-config";
import { HOME_REGION_SERVICES, isOffered, SERVICE_AVAILABILITY_SOURCE } from "./availability";
import { DEFAULT_ENABLED_REGIONS, isOptInRegion, KNOWN_REGIONS } from "./regions";

/*
 * The stack configuration, assembled. Each section's schema lives in a file of its own
 * (stacks/<section>-config.ts, gathered in stacks/namespace-config.ts), the wording of problems in
 * stacks/config-messages.ts and the rules between sections in stacks/cross-section-checks.ts. This file sorts
 * a stack's keys by namespace, checks aws:region and aws:profile, and keeps the names the rest of the program
 * imports from stacks/config.
 */

export { defaultMessage, NAMESPACE };
export type { AccountsConfig } from "./accounts-config";
export type { FindingsExportConfig } from "./findings-export-config";
export {
    DEFAULT_PROTECTIONS,
    GUARDDUTY_PROTECTIONS,
    MAX_THREAT_LISTS,
    MAX_TRUSTED_IP_ENTRIES,
    type GuardDutyConfig,
    type GuardDutyProtection,
} from "./guardduty-config";
export { DEFAULT_INSPECTOR_RESOURCE_TYPES, INSPECTOR_RESOURCE_TYPES } from "./inspector-config";
export { DEFAULT_ALWAYS_ALERT_ON, type NotificationsConfig } from "./notifications-config";
export { HIGH_SEVERITY, PUBLISHING_FREQUENCIES } from "./schema-parts";
export type { SecurityHubConfig } from "./security-hub-config";
export { DEFAULT_SECURITY_HUB_STANDARDS, SECURITY_HUB_STANDARDS } from "./security-hub-standards";
export { HIGH_ONLY_FINDING_TYPES, PORT_PROBE_TYPE, type SuppressionRule } from "./suppression-config";

/** The validated stack configuration: everything the program reads, with defaults filled in. */
export interface StackConfig extends NamespaceConfig {
    /** `aws:region`: the home region (export bucket and key, Security Hub aggregation, notifications). */
    homeRegion: string;
    /** `aws:profile`: the AWS profile both providers and discovery start from. Default: the AWS_* environment. */
    awsProfile?: string;
}

/** Raised when the stack configuration is wrong. Its message is meant for the user as it is. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Validates a stack's configuration. `values` maps full keys (`security-governance:accounts`,
 * `aws:region`, ...) to their values, objects already parsed from JSON.
 */
export function parseStackConfig(values: Record<string, unknown>): StackConfig {
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    let awsProfile: string | undefined;
    for (const [fullKey, value] of Object.entries(values)) {
        // Pulumi gives a key written without a namespace the project's ("guardduty:" is
        // "security-governance:guardduty"); the offline reader passes such keys through as written.
        const key = fullKey.includes(":") ? fullKey : `${NAMESPACE}:${fullKey}`;
        const namespace = key.slice(0, key.indexOf(":"));
        const name = key.slice(namespace.length + 1);
        if (namespace === NAMESPACE) {
            if (Object.hasOwn(raw, name)) {
                problems.push(
                    `${fullKey}: given twice, with and without the ${NAMESPACE}: namespace; expected one ${key}`,
                );
            }
            raw[name] = value;
        } else if (namespace === "aws") {
            if (name === "profile") {
                if (typeof value === "string" && /^[\w.+@-]{1,64}$/.test(value)) awsProfile = value;
                else
                    problems.push(
                        `aws:profile = ${show(value)}: expected the name of a profile in your AWS config files, such as security-deployer`,
                    );
            } else if (name !== "region") {
                // The program's providers are explicit, and explicit providers read no aws: stack config.
                problems.push(
                    `${key}: unknown setting for this program; expected only aws:region and aws:profile: its AWS providers are explicit and read no other aws: setting (set credentials through aws:profile or the AWS_* environment variables)`,
                );
            }
        } else if (namespace !== "pulumi") {
            // This program reads no other provider's settings: another namespace is a typo or a section
            // that would be dropped unseen.
            const section = knownKeysAt(namespaceSchema, []).find(
                (known) => known.toLowerCase() === namespace.toLowerCase(),
            );
            const only = `this program reads only ${NAMESPACE}: keys, aws:region and aws:profile`;
            const expected =
                section !== undefined
                    ? `${NAMESPACE}:${section}, with ${name} inside it (${only})`
                    : editDistance(namespace.toLowerCase(), NAMESPACE) <= 2
                      ? `${NAMESPACE}:${name} (${only})`
                      : `only ${NAMESPACE}: keys, aws:region and aws:profile`;
            problems.push(`${key}: unknown namespace ${namespace}; expected ${expected}`);
        }
    }
    const homeRegion = values["aws:region"];
    if (typeof homeRegion !== "string" || !KNOWN_REGIONS.includes(homeRegion)) {
        problems.push(
            `aws:region = ${show(homeRegion)}: expected the home region, one of the commercial regions: ${KNOWN_REGIONS.join(", ")}`,
        );
    } else {
        const missing = HOME_REGION_SERVICES.filter((service) => !isOffered(service, homeRegion));
        if (isOptInRegion(homeRegion)) {
            // Security Hub CSPM user guide, "Cross-Region aggregation": an opt-in Region cannot be the
            // aggregation (home) Region; opt-in Regions can only be linked.
            problems.push(
                `aws:region = ${show(homeRegion)}: expected a home region enabled by default (${DEFAULT_ENABLED_REGIONS.join(", ")}): Security Hub cannot aggregate findings into an opt-in region; govern it as a linked region instead`,
            );
        } else if (missing.length > 0) {
            problems.push(
                `aws:region = ${show(homeRegion)}: expected a home region that offers ${HOME_REGION_SERVICES.join(" and ")} (the export key, the finding aggregator and central configuration live there); ${missing.join(", ")} not offered there (${SERVICE_AVAILABILITY_SOURCE})`,
            );
        }
    }
    const parsed = namespaceSchema.safeParse(raw, { reportInput: true, error: defaultMessage });
    if (!parsed.success) {
        problems.push(...parsed.error.issues.map((issue) => describeIssue(issue, raw)));
    } else if (
        typeof homeRegion === "string" &&
        KNOWN_REGIONS.includes(homeRegion) &&
        !parsed.data.regions.includes(homeRegion)
    ) {
        problems.push(
            `${NAMESPACE}:regions = ${show(parsed.data.regions)}: expected a list that includes the home region aws:region (${homeRegion})`,
        );
    }
    if (parsed.success) problems.push(...crossSectionProblems(parsed.data, homeRegion));
    if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
    return { ...parsed.data, homeRegion: homeRegion as string, awsProfile };
}
