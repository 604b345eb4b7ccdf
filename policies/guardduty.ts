import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    PlainObject,
    StackResource,
    UNKNOWN,
    Unknown,
    at,
    bool,
    dependenciesOf,
    isObject,
    list,
    num,
    regionOfResource,
    sameRegion,
    stackResources,
    str,
    validateTypes,
} from "./util";

export const DETECTOR = "aws:guardduty/detector:Detector";
export const ORGANIZATION_CONFIGURATION = "aws:guardduty/organizationConfiguration:OrganizationConfiguration";
export const ORGANIZATION_CONFIGURATION_FEATURE =
    "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature";
export const PUBLISHING_DESTINATION = "aws:guardduty/publishingDestination:PublishingDestination";
export const IP_SET = "aws:guardduty/iPSet:IPSet";
export const THREAT_INTEL_SET = "aws:guardduty/threatIntelSet:ThreatIntelSet";
export const FILTER = "aws:guardduty/filter:Filter";

/** Fastest first: the order decides what "at most" means. */
export const PUBLISHING_FREQUENCIES = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] as const;
/** What GuardDuty uses when a detector sets no frequency. */
const AWS_DEFAULT_PUBLISHING_FREQUENCY = "SIX_HOURS";
export const DEFAULT_MAX_PUBLISHING_FREQUENCY = "FIFTEEN_MINUTES";

/**
 * Every organization feature of the GuardDuty API model (`OrgFeature`, botocore service-2.json at commit
 * 0e6e2404b85dc336dd2889814e089bde7d1a4c55) but EKS_RUNTIME_MONITORING, which RUNTIME_MONITORING covers and
 * GuardDuty refuses beside it. AI_PROTECTION (Bedrock and SageMaker AI activity) has been generally available since
 * July 2026. AI_ANALYST is no organization feature and cannot be required of one.
 */
export const DEFAULT_REQUIRED_PROTECTIONS = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
];

/**
 * Protection plans GuardDuty does not offer in a region where GuardDuty itself runs: the program manages
 * no feature there, so the pack must not require one. GuardDuty user guide, "Regions and endpoints",
 * region-specific feature availability: "RDS Protection is not supported in Asia Pacific (Taipei)
 * (ap-east-2) Region." The pack is published on its own, so it keeps its own copy of the program's
 * PROTECTION_NOT_OFFERED_IN (stacks/availability.ts); a test holds the two equal.
 */
export const DEFAULT_PROTECTIONS_NOT_OFFERED_IN: Readonly<Record<string, readonly string[]>> = {
    RDS_LOGIN_EVENTS: ["ap-east-2"],
    // No region is documented without AI Protection (see stacks/availability.ts for what was read).
    AI_PROTECTION: [],
};

/** GuardDuty severities: LOW 1-3.9, MEDIUM 4-6.9, HIGH 7-8.9, CRITICAL 9-10. */
export const DEFAULT_MAX_ARCHIVED_SEVERITY = 7;

export const guarddutyDetectorEnabled: ResourceValidationPolicy = {
    name: "guardduty-detector-enabled",
    description: "GuardDuty detectors must be enabled.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(DETECTOR, (props, _args, reportViolation) => {
        // An absent `enable` means enabled: the provider defaults it to true.
        if (bool(at(props, "enable")) === false) {
            reportViolation(
                "The detector sets enable: false, which turns GuardDuty off in this account and region.",
            );
        }
    }),
};

export const guarddutyFindingPublishingFrequency: ResourceValidationPolicy = {
    name: "guardduty-finding-publishing-frequency",
    description: "GuardDuty detectors must publish updated findings at least as often as configured.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxPublishingFrequency: {
                type: "string",
                enum: [...PUBLISHING_FREQUENCIES],
                default: DEFAULT_MAX_PUBLISHING_FREQUENCY,
                description: "The slowest frequency allowed.",
            },
        },
    },
    validateResource: validateTypes(DETECTOR, (props, args, reportViolation) => {
        const { maxPublishingFrequency = DEFAULT_MAX_PUBLISHING_FREQUENCY } = args.getConfig<{
            maxPublishingFrequency?: string;
        }>();
        const configured = str(at(props, "findingPublishingFrequency"));
        if (configured === UNKNOWN) {
            return;
        }
        const frequency = configured ?? AWS_DEFAULT_PUBLISHING_FREQUENCY;
        const rank = (PUBLISHING_FREQUENCIES as readonly string[]).indexOf(frequency);
        const maxRank = (PUBLISHING_FREQUENCIES as readonly string[]).indexOf(maxPublishingFrequency);
        if (rank < 0 || rank > maxRank) {
            const shown = configured === undefined ? `unset (GuardDuty uses ${frequency})` : frequency;
            reportViolation(
                `findingPublishingFrequency is ${shown}; it must be ${maxPublishingFrequency} or more frequent.`,
            );
        }
    }),
};

export const guarddutyOrganizationAutoEnableAll: ResourceValidationPolicy = {
    name: "guardduty-organization-auto-enable-all",
    description: "GuardDuty must be auto-enabled for ALL organization accounts, existing and new.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(ORGANIZATION_CONFIGURATION, (props, _args, reportViolation) => {
        const value = str(at(props, "autoEnableOrganizationMembers"));
        if (value !== UNKNOWN && value !== "ALL") {
            reportViolation(
                `autoEnableOrganizationMembers is ${value ?? "unset"}; it must be "ALL" so that existing ` +
                    "accounts are covered too, not only new ones.",
            );
        }
    }),
};

export const guarddutyPublishingDestinationEncrypted: ResourceValidationPolicy = {
    name: "guardduty-publishing-destination-encrypted",
    description: "GuardDuty must export findings to S3 encrypted with a KMS key.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes(PUBLISHING_DESTINATION, (props, _args, reportViolation) => {
        const type = str(at(props, "destinationType"));
        if (typeof type === "string" && type !== "S3") {
            reportViolation(`destinationType is ${type}; findings must be exported to S3.`);
        }
        const key = str(at(props, "kmsKeyArn"));
        if (key === undefined || key === "") {
            reportViolation("kmsKeyArn is not set: exported findings must be encrypted with a KMS key.");
        }
    }),
};

export const guarddutyThreatListsActive: ResourceValidationPolicy = {
    name: "guardduty-threat-lists-active",
    description: "GuardDuty trusted IP sets and threat intel sets must be activated.",
    enforcementLevel: "mandatory",
    validateResource: validateTypes([IP_SET, THREAT_INTEL_SET], (props, args, reportViolation) => {
        const active = bool(at(props, "activate"));
        if (active !== UNKNOWN && active !== true) {
            const kind = args.type === IP_SET ? "trusted IP set" : "threat intel set";
            reportViolation(
                `The ${kind} is not activated (activate: ${active ?? "unset"}): GuardDuty ignores it.`,
            );
        }
    }),
};

/**
 * Whether the criterion may keep every finding of severity `max` and above out of the filter: true when a
 * bound does, and while a bound is unknown. Only "it cannot" is reported, so "it does" and "it may" are one answer.
 */
function mayBoundSeverityBelow(criterion: PlainObject, max: number): boolean {
    const lessThan = num(at(criterion, "lessThan"));
    const lessThanOrEqual = num(at(criterion, "lessThanOrEqual"));
    const equals = list(at(criterion, "equals"));
    if (lessThan === UNKNOWN || lessThanOrEqual === UNKNOWN || equals === UNKNOWN) {
        return true;
    }
    if (typeof lessThan === "number" && lessThan <= max) {
        return true;
    }
    if (typeof lessThanOrEqual === "number" && lessThanOrEqual < max) {
        return true;
    }
    if (Array.isArray(equals) && equals.length > 0) {
        const values = equals.map(num);
        // The typeof test is for the type checker: with no value unknown, v is a number or undefined.
        return values.some((v) => v === UNKNOWN) || values.every((v) => typeof v === "number" && v < max);
    }
    return false;
}

export const guarddutyFilterSafeArchive: ResourceValidationPolicy = {
    name: "guardduty-filter-safe-archive",
    description:
        "GuardDuty auto-archive filters must narrow by more than severity and never archive findings at or above the configured severity.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxArchivedSeverity: {
                type: "number",
                minimum: 1,
                maximum: 10,
                default: DEFAULT_MAX_ARCHIVED_SEVERITY,
                description: "Findings of this severity and above must never be archived (7 = HIGH).",
            },
        },
    },
    validateResource: validateTypes(FILTER, (props, args, reportViolation) => {
        const { maxArchivedSeverity = DEFAULT_MAX_ARCHIVED_SEVERITY } = args.getConfig<{
            maxArchivedSeverity?: number;
        }>();
        const action = str(at(props, "action"));
        if (action === UNKNOWN || action?.toUpperCase() !== "ARCHIVE") {
            return;
        }
        const criteria = list(at(props, "findingCriteria", "criterions"));
        if (criteria === UNKNOWN) {
            return;
        }
        let fieldsOpen = false;
        let narrowsOtherwise = false;
        const severityCriteria: PlainObject[] = [];
        for (const criterion of criteria ?? []) {
            const field = isObject(criterion) ? str(at(criterion, "field")) : UNKNOWN;
            if (field === UNKNOWN) {
                fieldsOpen = true;
            } else if (field?.toLowerCase() === "severity" && isObject(criterion)) {
                severityCriteria.push(criterion);
            } else if (field !== undefined) {
                narrowsOtherwise = true;
            }
        }
        if (!narrowsOtherwise && !fieldsOpen) {
            reportViolation(
                "The filter archives findings by severity alone, hiding every finding in that range across " +
                    "the organization; narrow it by finding type, account, resource or network criteria.",
            );
        }
        // An unknown field may be a severity bound.
        if (!fieldsOpen && !severityCriteria.some((c) => mayBoundSeverityBelow(c, maxArchivedSeverity))) {
            reportViolation(
                `The filter can archive findings of severity ${maxArchivedSeverity} and above (HIGH): add a ` +
                    `severity criterion with lessThan <= ${maxArchivedSeverity}, lessThanOrEqual < ` +
                    `${maxArchivedSeverity}, or equals values all below ${maxArchivedSeverity}.`,
            );
        }
    }),
};

/** The detector an input of `r` points at through the engine's dependencies, when exactly one. */
function linkedDetector(r: StackResource, detectors: StackResource[]): StackResource | undefined {
    const deps = dependenciesOf(r, "detectorId");
    const linked = detectors.filter((d) => deps.has(d.urn));
    return linked.length === 1 ? linked[0] : undefined;
}

function describeRegion(region: string | Unknown): string {
    return region === UNKNOWN ? "an unknown region" : `region ${region}`;
}

export const guarddutyOrganizationProtections: StackValidationPolicy = {
    name: "guardduty-organization-protections",
    description:
        "Every GuardDuty detector must auto-enable the required protection plans for ALL organization accounts.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredProtections: {
                type: "array",
                items: { type: "string", pattern: "^[A-Z0-9_]+$" },
                default: DEFAULT_REQUIRED_PROTECTIONS,
                description:
                    "OrganizationConfigurationFeature names that must be auto-enabled for ALL accounts.",
            },
            protectionsNotOfferedIn: {
                type: "object",
                additionalProperties: {
                    type: "array",
                    items: { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-\\d+$" },
                },
                default: DEFAULT_PROTECTIONS_NOT_OFFERED_IN,
                description:
                    "Regions, per protection, where GuardDuty does not offer it, added to the pack's own table " +
                    "(RDS_LOGIN_EVENTS in ap-east-2); a required protection is not required of a detector there.",
            },
        },
    },
    validateStack: (args, reportViolation) => {
        const {
            requiredProtections = DEFAULT_REQUIRED_PROTECTIONS,
            protectionsNotOfferedIn: configured = {},
        } = args.getConfig<{
            requiredProtections?: string[];
            protectionsNotOfferedIn?: Readonly<Record<string, readonly string[]>>;
        }>();
        // Added to the built-in table, as the stack's guardduty.protectionsNotOfferedIn is: naming AI Protection's
        // missing regions must not bring back RDS Protection in Taipei, which the stack leaves alone there.
        const protectionsNotOfferedIn: Record<string, readonly string[]> = {
            ...DEFAULT_PROTECTIONS_NOT_OFFERED_IN,
        };
        for (const [protection, regions] of Object.entries(configured)) {
            protectionsNotOfferedIn[protection] = [
                ...(protectionsNotOfferedIn[protection] ?? []),
                ...regions,
            ];
        }
        const resources = stackResources(args, [DETECTOR, ORGANIZATION_CONFIGURATION_FEATURE]);
        const detectors = resources.filter((r) => r.type === DETECTOR);
        const features = resources.filter((r) => r.type === ORGANIZATION_CONFIGURATION_FEATURE);
        for (const detector of detectors) {
            const region = regionOfResource(detector);
            const mine = features.filter((f) => {
                const linked = linkedDetector(f, detectors);
                return linked ? linked === detector : sameRegion(regionOfResource(f), region) !== "no";
            });
            const enabled = new Set<string>();
            const notAll: string[] = [];
            let namesOpen = false;
            for (const feature of mine) {
                const name = str(at(feature.props, "name"));
                const autoEnable = str(at(feature.props, "autoEnable"));
                if (name === UNKNOWN) {
                    namesOpen = true;
                } else if (name !== undefined) {
                    if (autoEnable === UNKNOWN || autoEnable === "ALL") {
                        enabled.add(name);
                    } else {
                        notAll.push(`${name} (${autoEnable ?? "unset"})`);
                    }
                }
            }
            // A detector whose region is not yet known is held to every plan: it may be anywhere.
            const offeredHere = (p: string) =>
                region === UNKNOWN || !(protectionsNotOfferedIn[p] ?? []).includes(region);
            const missing = requiredProtections.filter((p) => !enabled.has(p) && offeredHere(p));
            if (missing.length > 0 && !namesOpen) {
                const details = notAll.length > 0 ? `; not auto-enabled for ALL: ${notAll.join(", ")}` : "";
                reportViolation(
                    `The detector in ${describeRegion(region)} does not auto-enable ${missing.join(", ")} for ALL ` +
                        `organization accounts${details}. Add an OrganizationConfigurationFeature with ` +
                        `autoEnable "ALL" for each.`,
                    detector.urn,
                );
            }
            if (enabled.has("RUNTIME_MONITORING") && enabled.has("EKS_RUNTIME_MONITORING")) {
                reportViolation(
                    `The detector in ${describeRegion(region)} enables both RUNTIME_MONITORING and ` +
                        "EKS_RUNTIME_MONITORING, which GuardDuty refuses; keep RUNTIME_MONITORING only.",
                    detector.urn,
                );
            }
        }
    },
};

export const guarddutyRegionCoverage: StackValidationPolicy = {
    name: "guardduty-region-coverage",
    description:
        "Every region with a GuardDuty detector must export findings to KMS-encrypted S3 and have an organization configuration.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const resources = stackResources(args, [
            DETECTOR,
            PUBLISHING_DESTINATION,
            ORGANIZATION_CONFIGURATION,
        ]);
        const inRegion = (type: string, region: string) =>
            resources.filter((r) => r.type === type && sameRegion(regionOfResource(r), region) !== "no");
        for (const detector of resources.filter((r) => r.type === DETECTOR)) {
            const region = regionOfResource(detector);
            if (region === UNKNOWN) {
                continue;
            }
            const missing: string[] = [];
            const destinations = inRegion(PUBLISHING_DESTINATION, region).filter((d) => {
                const type = str(at(d.props, "destinationType"));
                const key = str(at(d.props, "kmsKeyArn"));
                return (
                    (type === undefined || type === UNKNOWN || type === "S3") &&
                    key !== undefined &&
                    key !== ""
                );
            });
            if (destinations.length === 0) {
                missing.push("a publishing destination exporting findings to S3 with a KMS key (kmsKeyArn)");
            }
            if (inRegion(ORGANIZATION_CONFIGURATION, region).length === 0) {
                missing.push('an organization configuration (autoEnableOrganizationMembers "ALL")');
            }
            if (missing.length > 0) {
                reportViolation(
                    `Region ${region} has a detector but lacks ${missing.join(" and ")}.`,
                    detector.urn,
                );
            }
        }
    },
};

export const guarddutyPolicies = [
    guarddutyDetectorEnabled,
    guarddutyFindingPublishingFrequency,
    guarddutyOrganizationAutoEnableAll,
    guarddutyOrganizationProtections,
    guarddutyRegionCoverage,
    guarddutyPublishingDestinationEncrypted,
    guarddutyThreatListsActive,
    guarddutyFilterSafeArchive,
];
