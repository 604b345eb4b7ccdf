import * as z from "zod";
import { contains, distinctEntries, IpEntryError, nonPublicReason, parseIpEntry } from "./ip-lists";
import { MAX_THREAT_LIST_ENTRIES } from "./quotas";
import { PUBLISHING_FREQUENCIES, reportDuplicates } from "./schema-parts";
import { suppressionRule } from "./suppression-config";
import { region } from "./regions-config";

/*
 * The `guardduty` section: the protection plans, the trusted and threat IP lists and the suppression rules
 * (stacks/suppression-config.ts) applied in every governed region.
 */

/**
 * GuardDuty protection plans, as organization feature names: the `OrgFeature` enum of the GuardDuty API model
 * (botocore `botocore/data/guardduty/2017-11-28/service-2.json`, commit 0e6e2404b85dc336dd2889814e089bde7d1a4c55,
 * 2026-08-07), every value of it. AI_PROTECTION (generally available since July 2026, botocore 1.43.47: "GuardDuty
 * AI Protection is now publicly available") watches Amazon Bedrock and SageMaker AI activity.
 *
 * Not here: AI_ANALYST (GuardDuty Investigation). It is a detector feature but not an organization feature (absent
 * from `OrgFeature` in the same model), so it cannot be auto-enabled for the organization at all; its API is "currently
 * available as a preview" in ten Regions and sends the analysed findings to Amazon Bedrock with cross-Region
 * inference (CreateInvestigation documentation, same model). A governance tool does not switch a preview on for a
 * whole organization, and the program leaves the administrator's own choice of it alone.
 */
export const GUARDDUTY_PROTECTIONS = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "EKS_RUNTIME_MONITORING",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
] as const;
export type GuardDutyProtection = (typeof GUARDDUTY_PROTECTIONS)[number];

/**
 * Every plan on, with RUNTIME_MONITORING rather than EKS_RUNTIME_MONITORING: GuardDuty refuses both, and
 * RUNTIME_MONITORING already covers EKS as well as ECS Fargate and EC2. AI_PROTECTION is on like the others: it is
 * generally available, a compromised key's Bedrock or SageMaker calls are a threat the program exists to see, and
 * like every plan it is billed by what it analyses (it is metered: `UsageFeature` lists it, and it has a free trial:
 * `FreeTrialFeatureResult` lists it, same model), so an account without AI workloads gives it little to analyse.
 */
export const DEFAULT_PROTECTIONS: GuardDutyProtection[] = GUARDDUTY_PROTECTIONS.filter(
    (protection) => protection !== "EKS_RUNTIME_MONITORING",
);

/** GuardDuty allows one trusted IP set per detector and this many entries in it. */
export const MAX_TRUSTED_IP_ENTRIES = 2000;
/** GuardDuty allows six threat intel sets per detector. */
export const MAX_THREAT_LISTS = 6;

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

export const guarddutySchema = z
    .strictObject({
        /** How often findings updates are exported. Default FIFTEEN_MINUTES. */
        publishingFrequency: z
            .enum(PUBLISHING_FREQUENCIES, { error: `one of ${PUBLISHING_FREQUENCIES.join(", ")}` })
            .default("FIFTEEN_MINUTES")
            .describe("How often GuardDuty exports updated findings."),
        /** Protection plans turned on for every account. Default: all, AI_PROTECTION included (RUNTIME_MONITORING for EKS). */
        protections: z
            .array(
                z.enum(GUARDDUTY_PROTECTIONS, {
                    error: (issue) =>
                        issue.input === "AI_ANALYST"
                            ? "a GuardDuty protection plan: AI_ANALYST (GuardDuty Investigation) is a preview that cannot be set for the organization, and the program leaves it alone"
                            : `a GuardDuty protection: one of ${GUARDDUTY_PROTECTIONS.join(", ")}`,
                }),
            )
            .default(DEFAULT_PROTECTIONS)
            .describe(
                "Protection plans turned on for every account, each once; the others are switched off explicitly. RUNTIME_MONITORING and EKS_RUNTIME_MONITORING exclude each other (RUNTIME_MONITORING covers EKS too). AI_ANALYST, the GuardDuty Investigation preview, is no organization feature and is left alone.",
            ),
        /**
         * Regions where GuardDuty refuses a plan that the program's own table (stacks/availability.ts) believes it
         * offers. AWS publishes plan regions as prose that changes (AI Protection's were not found at all), so a
         * first `pulumi up` that fails on a plan in a region is mended here, not by editing code or dropping the
         * region. The plan is then left alone there, neither ENABLED nor DISABLED, and not judged by coverage.
         */
        protectionsNotOfferedIn: z
            .partialRecord(
                z.enum(GUARDDUTY_PROTECTIONS, {
                    error: `a GuardDuty protection: one of ${GUARDDUTY_PROTECTIONS.join(", ")}`,
                }),
                z
                    .array(region)
                    .min(1, { error: "at least one region: leave the plan out instead" })
                    .superRefine((regions, ctx) =>
                        reportDuplicates(ctx, regions, (index) => [index], "each region once"),
                    ),
            )
            .default({})
            .describe(
                "Plan -> regions where GuardDuty refuses it though the program's table (stacks/availability.ts) says it is offered: the plan is left alone there (neither ENABLED nor DISABLED) and coverage does not judge it. Set the policy pack's protectionsNotOfferedIn alike.",
            ),
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
            .default([])
            .describe(
                "Public IPv4/IPv6 addresses or CIDRs GuardDuty trusts: it raises no findings for them, threat-list hits included. At most 2,000 distinct entries; no /0, no host bits set.",
            ),
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
            })
            .describe(
                "Threat lists, list name -> public addresses or CIDRs GuardDuty alerts on. At most 6 lists of at most 250,000 entries, none empty, names differing by more than case; no entry a trusted one covers.",
            ),
        /** Auto-archive rules for known-benign findings. */
        suppressionRules: z
            .array(suppressionRule)
            .default([])
            .describe(
                "Rules that archive known-benign GuardDuty findings, each an ARCHIVE filter in every governed region, ranked by its position in the list. Each narrows by at least one criterion besides severity; names are unique.",
            ),
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

export type GuardDutyConfig = z.output<typeof guarddutySchema>;
