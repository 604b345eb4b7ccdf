import * as z from "zod";
import { contains, distinctEntries, IpEntryError, nonPublicReason, parseIpEntry } from "./ip-lists";
import { MAX_THREAT_LIST_ENTRIES } from "./quotas";
import { adoptSchema } from "./adopt-config";
import { remediationSchema } from "./remediation";
import { guardrailParams, guardrailProblems, guardrailsSchema, objectLockSchema } from "./guardrails";
import {
    accountId,
    findingType,
    isAccountId,
    organizationalUnitId,
    reportDuplicates,
    uniqueArray,
} from "./schema-parts";
import { securityHubSchema, unofferedStandards, type SecurityHubConfig } from "./security-hub-config";
import { organizationalUnitProblems, organizationalUnitsSchema } from "./organizational-units";
import { inspectorAlerts, macieAlerts, pagingSchema, securityHubAlerts } from "./alert-config";
import { noiseRulesSchema } from "./noise-rules";
import {
    DEFAULT_INSPECTOR_RESOURCE_TYPES,
    INSPECTOR_RESOURCE_TYPES,
    inspectorSchema,
} from "./inspector-config";
import { HOME_REGION_SERVICES, isOffered, SERVICE_AVAILABILITY_SOURCE } from "./availability";
import { DEFAULT_ENABLED_REGIONS, isOptInRegion, KNOWN_REGIONS } from "./regions";
import { DEFAULT_SECURITY_HUB_STANDARDS, SECURITY_HUB_STANDARDS } from "./security-hub-standards";

export { DEFAULT_SECURITY_HUB_STANDARDS, SECURITY_HUB_STANDARDS };
export { DEFAULT_INSPECTOR_RESOURCE_TYPES, INSPECTOR_RESOURCE_TYPES };
export type { SecurityHubConfig };

/** The config namespace of this project: keys are written `security-governance:<key>` in Pulumi.<stack>.yaml. */
export const NAMESPACE = "security-governance";

/** GuardDuty protection plans, as organization feature names. */
export const GUARDDUTY_PROTECTIONS = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "EKS_RUNTIME_MONITORING",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
] as const;
export type GuardDutyProtection = (typeof GUARDDUTY_PROTECTIONS)[number];

/**
 * Every plan on, with RUNTIME_MONITORING rather than EKS_RUNTIME_MONITORING: GuardDuty refuses both, and
 * RUNTIME_MONITORING already covers EKS as well as ECS Fargate and EC2.
 */
export const DEFAULT_PROTECTIONS: GuardDutyProtection[] = GUARDDUTY_PROTECTIONS.filter(
    (protection) => protection !== "EKS_RUNTIME_MONITORING",
);

export const PUBLISHING_FREQUENCIES = ["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] as const;

/**
 * Finding types alerted whatever their severity: the custom threat-list match and the high-priority
 * types of the SEC206 session (credential exfiltration, Tor, crypto-mining).
 */
export const DEFAULT_ALWAYS_ALERT_ON = [
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
    "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
    "UnauthorizedAccess:IAMUser/TorIPCaller",
    "CryptoCurrency:EC2/BitcoinTool.B",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "UnauthorizedAccess:EC2/TorClient",
    "UnauthorizedAccess:EC2/TorRelay",
];

/** GuardDuty allows one trusted IP set per detector and this many entries in it. */
export const MAX_TRUSTED_IP_ENTRIES = 2000;
/** GuardDuty allows six threat intel sets per detector. */
export const MAX_THREAT_LISTS = 6;
/** Severity at which GuardDuty findings are HIGH: no suppression rule may archive them. */
export const HIGH_SEVERITY = 7;

const region = z
    .string({ error: 'a region code such as "eu-west-1"' })
    .refine((code) => KNOWN_REGIONS.includes(code), {
        error: `one of the commercial regions: ${KNOWN_REGIONS.join(", ")}`,
    });

function ipEntry(options: { allowAnyNetwork: boolean }) {
    return z.string({ error: "an IPv4 or IPv6 address or CIDR as a string" }).superRefine((value, ctx) => {
        try {
            const entry = parseIpEntry(value);
            if (!options.allowAnyNetwork && entry.prefixLength === 0) {
                ctx.addIssue({
                    code: "custom",
                    input: value,
                    message: "a specific network: /0 would trust the whole internet and silence GuardDuty",
                });
                return;
            }
            const notPublic = nonPublicReason(entry);
            if (notPublic !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    input: value,
                    message: `a public address or network: ${notPublic}, and GuardDuty's lists act on public addresses only`,
                });
            }
        } catch (error) {
            if (!(error instanceof IpEntryError)) throw error;
            ctx.addIssue({ code: "custom", input: value, message: error.message });
        }
    });
}

const ruleName = z
    .string({ error: "a rule name of 3-64 letters, digits, '-', '_' or '.'" })
    .regex(/^[A-Za-z0-9_.-]{3,64}$/, { error: "a rule name of 3-64 letters, digits, '-', '_' or '.'" });

const port = z
    .number({ error: "a port number 0-65535" })
    .int({ error: "a port number 0-65535" })
    .min(0, { error: "a port number 0-65535" })
    .max(65535, { error: "a port number 0-65535" });

/**
 * Finding types whose default severity is High (GuardDuty user guide, "GuardDuty EC2 finding types":
 * Recon:EC2/PortProbeEMRUnprotectedPort, "Default severity: High"): a suppression rule, capped below
 * HIGH, can never archive them, so naming one is a mistake to report, not a rule to render.
 */
export const HIGH_ONLY_FINDING_TYPES: readonly string[] = ["Recon:EC2/PortProbeEMRUnprotectedPort"];

/** GuardDuty's port-probe finding types, whose network details sit under portProbeAction. */
export const PORT_PROBE_TYPE = /^Recon:[A-Za-z0-9]+\/PortProbe/;

const suppressionRule = z
    .strictObject({
        /** Unique name; becomes the GuardDuty filter name. */
        name: ruleName,
        /** Why these findings are noise: shown in the GuardDuty console next to the filter. */
        description: z.string().max(512, { error: "at most 512 characters" }).optional(),
        /**
         * Not accepted: a filter's rank is the rule's position in the list. GuardDuty refuses a rank
         * beyond the number of filters plus one ("rank is out-of-bounds"), so ranks are always 1..N.
         */
        rank: z
            .never({
                error: "no rank: a rule's rank is its position in suppressionRules (GuardDuty needs ranks 1..N without gaps); reorder the list instead",
            })
            .optional(),
        /** Finding types to archive. */
        findingTypes: uniqueArray(findingType, "finding type")
            .min(1, { error: "at least one finding type" })
            .optional(),
        /**
         * One resource tag identifying the approved resource (matched on EC2 instance tags). One pair only:
         * GuardDuty matches tag keys and tag values as two separate criteria, so with two pairs
         * {ScanTarget: "true", Owner: "secops"} an instance tagged ScanTarget=false and Owner=secops would be
         * archived too.
         */
        resourceTags: z
            .record(z.string().min(1), z.string().min(1))
            .refine((tags) => Object.keys(tags).length === 1, {
                error: "exactly one tag (key: value): GuardDuty matches tag keys and tag values separately, so two pairs would also match their crossings (ScanTarget=false with Owner=secops for {ScanTarget: true, Owner: secops}); write one rule per tag",
            })
            .optional(),
        /** Remote IPv4 addresses (GuardDuty filters match single addresses, not networks). */
        remoteIps: z
            .array(
                z.string().refine((value) => ipaddr4(value), {
                    error: "a single IPv4 address such as 198.51.100.7 (filters match addresses, not CIDRs)",
                }),
            )
            .min(1)
            .optional(),
        /** Remote ports of network connections. */
        remotePorts: z.array(port).min(1).optional(),
        /** Local ports probed (port-probe findings). */
        localPorts: z.array(port).min(1).optional(),
        /** Accounts the rule is limited to. */
        accountIds: z.array(accountId).min(1).optional(),
        /**
         * Only findings strictly below this severity are archived. Default 7, so HIGH findings are
         * never archived; larger values are refused.
         */
        belowSeverity: z
            .number({ error: `a whole-number severity from 1 to ${HIGH_SEVERITY}` })
            // GuardDuty filters compare severity with whole numbers; the provider refuses "4.5".
            .int({
                error: `a whole-number severity from 1 to ${HIGH_SEVERITY} (filters compare whole numbers)`,
            })
            .min(2, {
                error: `a whole-number severity from 2 to ${HIGH_SEVERITY}: no finding is below 1, so 1 would archive nothing`,
            })
            .max(HIGH_SEVERITY, {
                error: `at most ${HIGH_SEVERITY}: a rule must never archive HIGH (${HIGH_SEVERITY}+) findings`,
            })
            .default(HIGH_SEVERITY),
    })
    .superRefine((rule, ctx) => {
        const narrowing = [
            rule.findingTypes,
            rule.resourceTags,
            rule.remoteIps,
            rule.remotePorts,
            rule.localPorts,
            rule.accountIds,
        ];
        if (narrowing.every((criterion) => criterion === undefined)) {
            ctx.addIssue({
                code: "custom",
                message:
                    "a rule that narrows by at least one of findingTypes, resourceTags, remoteIps, remotePorts, localPorts, accountIds: severity alone would archive whole classes of findings",
            });
        }
        (rule.findingTypes ?? []).forEach((type, index) => {
            if (HIGH_ONLY_FINDING_TYPES.includes(type)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["findingTypes", index],
                    input: type,
                    message: `a finding type that can be below ${HIGH_SEVERITY}: ${type} is always HIGH, and a rule archives only findings below belowSeverity (at most ${HIGH_SEVERITY}), so it could never match`,
                });
            }
        });
        // Port-probe findings carry the remote address and local port under other fields than network
        // connections, and one filter ANDs its criteria: a rule must be about one kind or the other.
        const portProbes = (rule.findingTypes ?? []).filter((type) => PORT_PROBE_TYPE.test(type));
        const mixed = portProbes.length > 0 && portProbes.length < (rule.findingTypes ?? []).length;
        if (mixed && (rule.remoteIps !== undefined || rule.localPorts !== undefined)) {
            ctx.addIssue({
                code: "custom",
                path: ["findingTypes"],
                input: rule.findingTypes,
                message:
                    "finding types that are all port probes (Recon:*/PortProbe*) or none when remoteIps or localPorts are set: the two kinds keep addresses and ports in different fields, so one filter cannot match both; split the rule in two",
            });
        }
        if (portProbes.length > 0 && !mixed && rule.remotePorts !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["remotePorts"],
                input: rule.remotePorts,
                message:
                    "no remotePorts on a port-probe rule: port-probe findings have no remote port, so the filter would match nothing; use localPorts",
            });
        }
    });

function ipaddr4(value: string): boolean {
    return /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(value);
}

const accountsSchema = z
    .strictObject({
        /** The organization's management account. Only delegated-admin designations are made there. */
        management: accountId,
        /** The security account: delegated administrator of every service, where `pulumi up` runs. */
        securityAdmin: accountId,
        /** Role in the management account that the program assumes to designate administrators. */
        managementRoleArn: z
            .string({
                error: "an IAM role ARN such as arn:aws:iam::111111111111:role/SecurityGovernanceDeployer",
            })
            .regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
                error: "an IAM role ARN such as arn:aws:iam::111111111111:role/SecurityGovernanceDeployer",
            }),
    })
    .superRefine((accounts, ctx) => {
        // A malformed management ID is reported once, by its own rule, not again through the others.
        if (!isAccountId(accounts.management)) return;
        if (accounts.securityAdmin === accounts.management) {
            ctx.addIssue({
                code: "custom",
                path: ["securityAdmin"],
                input: accounts.securityAdmin,
                message:
                    "an account other than accounts.management: AWS recommends against, and Security Hub central configuration refuses, the management account as delegated administrator",
            });
        }
        const roleAccount = /^arn:aws:iam::(\d{12}):/.exec(accounts.managementRoleArn)?.[1];
        if (roleAccount !== undefined && roleAccount !== accounts.management) {
            ctx.addIssue({
                code: "custom",
                path: ["managementRoleArn"],
                input: accounts.managementRoleArn,
                message: `a role in the management account ${accounts.management}`,
            });
        }
    });

/** A bound on day counts: S3 takes any positive number, but a century is a typo, not a retention policy. */
const MAX_DAYS = 36_500;

const findingsExportSchema = z
    .strictObject({
        /** Days findings are kept in the export bucket (noncurrent versions too). At least 90. Default 365. */
        retentionDays: z
            .number({ error: "a whole number of days, at least 90" })
            .int({ error: "a whole number of days, at least 90" })
            .min(90, { error: "at least 90 days" })
            .max(MAX_DAYS, { error: `at most ${MAX_DAYS} days (100 years)` })
            .default(365),
        /** Days after which findings move to Glacier Flexible Retrieval. Less than retentionDays. Default 90. */
        archiveAfterDays: z
            .number({ error: "a whole number of days, at least 1" })
            .int({ error: "a whole number of days, at least 1" })
            .min(1, { error: "at least 1 day" })
            .max(MAX_DAYS, { error: `at most ${MAX_DAYS} days (100 years)` })
            .default(90),
        /** Waiting period before the export key can be deleted: 7-30 days. Default 30. */
        kmsDeletionWindowDays: z
            .number({ error: "a whole number of days from 7 to 30" })
            .int({ error: "a whole number of days from 7 to 30" })
            .min(7, { error: "from 7 to 30 days" })
            .max(30, { error: "from 7 to 30 days" })
            .default(30),
        /** Protect detectors, the bucket and the key from deletion by Pulumi. Default true. */
        protectData: z.boolean({ error: "true or false" }).default(true),
        /**
         * S3 Object Lock on the bucket: every new object version locked for `days` in `mode`. Once on, Object
         * Lock cannot be turned off (README, "Findings that cannot be rewritten"). Default: off.
         */
        objectLock: objectLockSchema.optional(),
    })
    .superRefine((value, ctx) => {
        // A lock longer than the retention keeps versions the lifecycle is told to delete: two contradicting rules.
        if (value.objectLock !== undefined && value.objectLock.days > value.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["objectLock", "days"],
                input: value.objectLock.days,
                message: `at most retentionDays (${value.retentionDays}): the lifecycle cannot delete a version while it is locked`,
            });
        }
        // Compared only with a valid retention: a retention under 90 days is reported once, on its own.
        if (value.retentionDays >= 90 && value.archiveAfterDays >= value.retentionDays) {
            ctx.addIssue({
                code: "custom",
                path: ["archiveAfterDays"],
                input: value.archiveAfterDays,
                message: `fewer days than retentionDays (${value.retentionDays}): objects would expire before they are archived`,
            });
        }
    });

const guarddutySchema = z
    .strictObject({
        /** How often findings updates are exported. Default FIFTEEN_MINUTES. */
        publishingFrequency: z
            .enum(PUBLISHING_FREQUENCIES, { error: `one of ${PUBLISHING_FREQUENCIES.join(", ")}` })
            .default("FIFTEEN_MINUTES"),
        /** Protection plans turned on for every account. Default: all (RUNTIME_MONITORING for EKS). */
        protections: z
            .array(
                z.enum(GUARDDUTY_PROTECTIONS, {
                    error: `a GuardDuty protection: one of ${GUARDDUTY_PROTECTIONS.join(", ")}`,
                }),
            )
            .default(DEFAULT_PROTECTIONS),
        /** Trusted addresses and networks (IPv4/IPv6): GuardDuty raises no findings for them. At most 2,000. */
        trustedIps: z
            .array(ipEntry({ allowAnyNetwork: false }))
            .superRefine((entries, ctx) => {
                // GuardDuty counts the lines of the rendered list: canonical and without duplicates.
                const count = distinctEntries(entries);
                if (count > MAX_TRUSTED_IP_ENTRIES) {
                    ctx.addIssue({
                        code: "custom",
                        input: entries,
                        message: `at most ${MAX_TRUSTED_IP_ENTRIES} distinct entries (GuardDuty's limit for a trusted IP list); this list has ${count}`,
                    });
                }
            })
            .default([]),
        /** Threat lists: name -> addresses/CIDRs GuardDuty alerts on. At most 6 lists. */
        threatLists: z
            .record(
                z.string().regex(/^[A-Za-z0-9_.-]{3,64}$/, {
                    error: "a list name of 3-64 letters, digits, '-', '_' or '.'",
                }),
                z
                    .array(ipEntry({ allowAnyNetwork: false }))
                    .min(1, {
                        error: "at least one address or CIDR: an empty threat list cannot be activated",
                    })
                    .max(MAX_THREAT_LIST_ENTRIES, {
                        error: `at most ${MAX_THREAT_LIST_ENTRIES} entries (GuardDuty's limit for a threat IP list)`,
                    }),
            )
            .default({})
            .refine((lists) => Object.keys(lists).length <= MAX_THREAT_LISTS, {
                error: `at most ${MAX_THREAT_LISTS} threat lists (GuardDuty's limit per detector)`,
            })
            .superRefine((lists, ctx) => {
                const seen = new Map<string, string>();
                for (const name of Object.keys(lists)) {
                    const other = seen.get(name.toLowerCase());
                    if (other !== undefined) {
                        ctx.addIssue({
                            code: "custom",
                            path: [name],
                            input: name,
                            message: `a list name that differs from ${other} by more than case`,
                        });
                    }
                    seen.set(name.toLowerCase(), name);
                }
            }),
        /** Auto-archive rules for known-benign findings. */
        suppressionRules: z.array(suppressionRule).default([]),
    })
    .superRefine((value, ctx) => {
        // A trusted address silences every finding about it, threat-list hits included.
        // Entries refused on their own (unparseable, /0, not public) are left to their own message.
        const usable = (text: string) => {
            try {
                const entry = parseIpEntry(text);
                return entry.prefixLength > 0 && nonPublicReason(entry) === undefined ? entry : undefined;
            } catch {
                return undefined;
            }
        };
        const trusted = value.trustedIps.map(usable).filter((entry) => entry !== undefined);
        for (const [name, entries] of Object.entries(value.threatLists)) {
            entries.forEach((text, index) => {
                const threat = usable(text);
                if (threat === undefined) return;
                const trustedBy = trusted.find((network) => contains(network, threat));
                if (trustedBy !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["threatLists", name, index],
                        input: text,
                        message: `an address no trusted entry covers: ${trustedBy.text} in trustedIps covers it, and GuardDuty raises no finding for a trusted address, threat or not`,
                    });
                }
            });
        }
        const protections = new Set(value.protections);
        if (protections.has("RUNTIME_MONITORING") && protections.has("EKS_RUNTIME_MONITORING")) {
            ctx.addIssue({
                code: "custom",
                path: ["protections"],
                input: value.protections,
                message:
                    "RUNTIME_MONITORING or EKS_RUNTIME_MONITORING, not both: GuardDuty refuses the pair (RUNTIME_MONITORING already covers EKS)",
            });
        }
        if (protections.size !== value.protections.length) {
            ctx.addIssue({
                code: "custom",
                path: ["protections"],
                input: value.protections,
                message: "each protection once",
            });
        }
        reportDuplicates(
            ctx,
            value.suppressionRules.map((rule) => rule.name),
            (index) => ["suppressionRules", index, "name"],
            "a name used by no other rule",
        );
    });

const macieSchema = z.strictObject({
    /** Turn Macie on organization-wide. Default true. */
    enabled: z.boolean({ error: "true or false" }).default(true),
    /** How often Macie publishes finding updates. Default FIFTEEN_MINUTES. */
    publishingFrequency: z
        .enum(PUBLISHING_FREQUENCIES, { error: `one of ${PUBLISHING_FREQUENCIES.join(", ")}` })
        .default("FIFTEEN_MINUTES"),
    /**
     * Accounts the enrollment function never enrolls into Macie, and the only ones `npm run members` removes.
     * Default none.
     */
    excludedAccounts: uniqueArray(accountId, "account").default([]),
});

const detectiveSchema = z.strictObject({
    /** Turn Detective on organization-wide (after GuardDuty in each region). Default true. */
    enabled: z.boolean({ error: "true or false" }).default(true),
    /**
     * Accounts enrolled first, in this order, after the management account, where Detective's 1,200 members
     * per graph (stacks/quotas.ts) cannot take the whole organization. Default none: by account ID.
     */
    priorityAccounts: uniqueArray(accountId, "account").default([]),
    /** OUs whose accounts (nested OUs included) come next, OU by OU, each by account ID. Default none. */
    priorityOrganizationalUnits: uniqueArray(organizationalUnitId, "OU").default([]),
    /**
     * Accounts the enrollment function never enrolls into Detective, and the only ones `npm run members`
     * removes. Default none.
     */
    excludedAccounts: uniqueArray(accountId, "account").default([]),
});

const notificationsSchema = z.strictObject({
    /** Addresses that receive finding alerts (each must confirm the SNS subscription). */
    emails: uniqueArray(
        z.email({ error: "an e-mail address such as secops@example.com" }),
        "address (compared ignoring case)",
        (email) => email.toLowerCase(),
    ).default([]),
    /** Lowest GuardDuty severity alerted (1-10; 7 = HIGH), matched on the GuardDuty event itself. Default 7. */
    minSeverity: z
        .number({ error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
        .min(1, { error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
        .max(10, { error: "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)" })
        .default(HIGH_SEVERITY),
    /**
     * Finding types alerted whatever their severity, in addition to (never instead of) the high-priority
     * defaults DEFAULT_ALWAYS_ALERT_ON and every threat-list hit (`*.Custom`). Default: none.
     */
    alwaysAlertOn: uniqueArray(findingType, "finding type").default([]),
    /** Macie findings alerted (stacks/alert-config.ts). Default: High. */
    macie: macieAlerts.default(() => macieAlerts.parse({})),
    /** Inspector findings alerted. Default: CRITICAL. */
    inspector: inspectorAlerts.default(() => inspectorAlerts.parse({})),
    /** Security Hub CSPM control failures alerted. Default: CRITICAL. */
    securityHub: securityHubAlerts.default(() => securityHubAlerts.parse({})),
    /** A second topic for the most severe findings, in addition to the e-mails. Default: none. */
    paging: pagingSchema.optional(),
});

const regionsSchema = z
    .array(region, { error: "a list of region codes" })
    .min(1, { error: "at least one region" })
    .superRefine((regions, ctx) => reportDuplicates(ctx, regions, (index) => [index], "each region once"));

/** The keys of the `security-governance:` namespace and their schemas. */
const namespaceSchema = z.strictObject({
    accounts: accountsSchema,
    regions: regionsSchema,
    findingsExport: findingsExportSchema.default(() => findingsExportSchema.parse({})),
    guardduty: guarddutySchema.default(() => guarddutySchema.parse({})),
    securityHub: securityHubSchema.default(() => securityHubSchema.parse({})),
    macie: macieSchema.default(() => macieSchema.parse({})),
    detective: detectiveSchema.default(() => detectiveSchema.parse({})),
    inspector: inspectorSchema.default(() => inspectorSchema.parse({})),
    notifications: notificationsSchema.default(() => notificationsSchema.parse({})),
    adopt: adoptSchema.default(() => adoptSchema.parse({})),
    /** Opt-in: without the section nothing responds to findings (stacks/remediation.ts). */
    remediation: remediationSchema.optional(),
    /** The SCPs and the RCP that keep detection on (stacks/guardrails.ts). Default: not enabled. */
    guardrails: guardrailsSchema.default(() => guardrailsSchema.parse({})),
    /** OUs with their own Security Hub or Inspector policy (stacks/organizational-units.ts). Default: none. */
    organizationalUnits: organizationalUnitsSchema.default([]),
    /** Suppression as code for Security Hub CSPM and Inspector, never of HIGH or CRITICAL (stacks/noise-rules.ts). */
    noiseRules: noiseRulesSchema.default([]),
});

export type SuppressionRule = z.output<typeof suppressionRule>;
export type GuardDutyConfig = z.output<typeof guarddutySchema>;
export type FindingsExportConfig = z.output<typeof findingsExportSchema>;
export type NotificationsConfig = z.output<typeof notificationsSchema>;
export type AccountsConfig = z.output<typeof accountsSchema>;
type NamespaceConfig = z.output<typeof namespaceSchema>;

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

function keyPath(path: readonly PropertyKey[]): string {
    let text = "";
    for (const segment of path) {
        if (typeof segment === "number") text += `[${segment}]`;
        else text += text === "" ? `${NAMESPACE}:${String(segment)}` : `.${String(segment)}`;
    }
    return text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let current: unknown = root;
    for (const segment of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<PropertyKey, unknown>)[segment];
    }
    return current;
}

function show(value: unknown): string {
    if (value === undefined) return "(missing)";
    // As YAML writes them: JSON has no spelling for these and would print null.
    if (typeof value === "number" && !Number.isFinite(value)) {
        return Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
    }
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The keys an object schema accepts at `path`, looking through defaults, arrays and records. */
function knownKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
    const def = schema._zod.def;
    if (def.type === "default" || def.type === "optional") {
        return knownKeysAt((def as z.core.$ZodDefaultDef).innerType, path);
    }
    if (path.length === 0) {
        return def.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
    }
    const [head, ...rest] = path;
    if (def.type === "object") {
        const child = (def as z.core.$ZodObjectDef).shape[String(head)];
        return child === undefined ? [] : knownKeysAt(child, rest);
    }
    if (def.type === "array") return knownKeysAt((def as z.core.$ZodArrayDef).element, rest);
    if (def.type === "record") return knownKeysAt((def as z.core.$ZodRecordDef).valueType, rest);
    return [];
}

/**
 * What is expected, for the rules that do not say it themselves (zod's own wording is for developers:
 * "Invalid input: expected object, received undefined"). Exported for its tests: most branches are for
 * rules the schema may gain, since every rule today says what it expects.
 */
export function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
    switch (issue.code) {
        case "invalid_type": {
            if (issue.expected === "object") {
                const keys = knownKeysAt(namespaceSchema, issue.path ?? []);
                return keys.length > 0 ? `a map with the keys ${keys.join(", ")}` : "a map";
            }
            if (issue.expected === "array") return "a list";
            if (issue.expected === "int") return "a whole number";
            if (issue.expected === "boolean") return "true or false";
            return `a ${issue.expected}`;
        }
        case "too_small":
        case "too_big": {
            const side = issue.code === "too_small" ? "at least" : "at most";
            const bound = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
            if (issue.origin === "string") {
                return bound === "1" && side === "at least"
                    ? "a non-empty text"
                    : `${side} ${bound} characters`;
            }
            if (issue.origin === "array") {
                return bound === "1" && side === "at least" ? "a non-empty list" : `${side} ${bound} entries`;
            }
            if (issue.inclusive === false) return `${side === "at least" ? "more" : "less"} than ${bound}`;
            return `${side} ${bound}`;
        }
        case "invalid_key":
            // A record key (a threat list name): the key's own rule says what is expected.
            return issue.issues[0]?.message;
        default:
            return undefined;
    }
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
    if (issue.code === "unrecognized_keys") {
        const where = issue.path.length === 0 ? `${NAMESPACE}:` : `${keyPath(issue.path)}.`;
        const allowed = knownKeysAt(namespaceSchema, issue.path);
        return issue.keys
            .map((key) => `${where}${key}: unknown key; allowed keys here: ${allowed.join(", ")}`)
            .join("\n  - ");
    }
    const value = "input" in issue && issue.input !== undefined ? issue.input : valueAt(raw, issue.path);
    const got = issue.code === "invalid_type" && value === undefined ? "(missing)" : show(value);
    return `${keyPath(issue.path)} = ${got}: expected ${issue.message}`;
}

/** Levenshtein distance, to tell a misspelt namespace from another provider's. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * Exclusions name member accounts: never the security account, which administers and is no member, and never
 * an account the same service is told to enroll first.
 */
function exclusionProblems(config: NamespaceConfig): string[] {
    const problems: string[] = [];
    for (const service of ["macie", "detective"] as const) {
        config[service].excludedAccounts.forEach((id, index) => {
            const key = `${keyPath([service, "excludedAccounts", index])} = ${show(id)}`;
            if (id === config.accounts.securityAdmin) {
                problems.push(
                    `${key}: expected a member account; ${id} is the security account (accounts.securityAdmin), the administrator`,
                );
            } else if (service === "detective" && config.detective.priorityAccounts.includes(id)) {
                problems.push(
                    `${key}: expected an account not also in detective.priorityAccounts; keep it in one of the two`,
                );
            }
        });
    }
    return problems;
}

/** Adopted resources must be where the program would create them: a governed region, our account. */
function adoptionProblems(config: NamespaceConfig): string[] {
    const problems: string[] = [];
    const { adopt, regions, accounts } = config;
    const governed = (key: string, region: string) => {
        if (!regions.includes(region)) {
            problems.push(
                `${keyPath(["adopt", key, region])}: expected a governed region (${regions.join(", ")}): the program creates nothing to adopt in ${region}`,
            );
        }
    };
    for (const region of Object.keys(adopt.guarddutyDetectors)) governed("guarddutyDetectors", region);
    adopt.macieAccounts.forEach((region) => governed("macieAccounts", region));
    for (const [region, arn] of Object.entries(adopt.detectiveGraphs)) {
        governed("detectiveGraphs", region);
        const [, , , arnRegion, arnAccount] = arn.split(":");
        if (arnRegion !== region || arnAccount !== accounts.securityAdmin) {
            problems.push(
                `${keyPath(["adopt", "detectiveGraphs", region])} = ${show(arn)}: expected a graph of the security account ${accounts.securityAdmin} in ${region}`,
            );
        }
    }
    return problems;
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
    if (parsed.success) {
        problems.push(
            ...adoptionProblems(parsed.data),
            ...exclusionProblems(parsed.data),
            ...(typeof homeRegion === "string"
                ? guardrailProblems(
                      parsed.data.guardrails,
                      parsed.data.accounts,
                      guardrailParams(parsed.data.guardrails, {
                          securityAccountId: parsed.data.accounts.securityAdmin,
                          homeRegion,
                          exemptTag: parsed.data.remediation?.exemptTag,
                          securityHubV2: parsed.data.securityHub.v2.enabled,
                      }),
                      keyPath,
                  )
                : []),
        );
        const { standards } = parsed.data.securityHub;
        problems.push(
            ...unofferedStandards(
                standards,
                parsed.data.regions,
                (at) => `${keyPath(["securityHub", "standards", at])} = ${show(standards[at])}`,
            ),
            ...organizationalUnitProblems(parsed.data, keyPath, show),
            ...parsed.data.noiseRules.flatMap((rule, index) =>
                rule.service !== "securityhub" && !parsed.data[rule.service].enabled
                    ? [
                          `${keyPath(["noiseRules", index, "service"])} = "${rule.service}": expected ${rule.service}.enabled true: the rule is a ${rule.service === "inspector" ? "Inspector filter" : "Macie findings filter"}, and the service is off`,
                      ]
                    : [],
            ),
        );
    }
    if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
    return { ...parsed.data, homeRegion: homeRegion as string, awsProfile };
}
