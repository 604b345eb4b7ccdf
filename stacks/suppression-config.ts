import * as z from "zod";
import { accountId, findingType, HIGH_SEVERITY, uniqueArray } from "./schema-parts";

/*
 * `guardduty.suppressionRules`: GuardDuty filters that archive known-benign findings, each narrowed by at
 * least one criterion and never reaching HIGH findings.
 */

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

export const suppressionRule = z
    .strictObject({
        /** Unique name; becomes the GuardDuty filter name. */
        name: ruleName.describe("Unique name of the rule; becomes the GuardDuty filter name."),
        /** Why these findings are noise: shown in the GuardDuty console next to the filter. */
        description: z
            .string()
            .max(512, { error: "at most 512 characters" })
            .optional()
            .describe("Why these findings are noise: shown in the GuardDuty console next to the filter."),
        /**
         * Not accepted: a filter's rank is the rule's position in the list. GuardDuty refuses a rank
         * beyond the number of filters plus one ("rank is out-of-bounds"), so ranks are always 1..N.
         */
        rank: z
            .never({
                error: "no rank: a rule's rank is its position in suppressionRules (GuardDuty needs ranks 1..N without gaps); reorder the list instead",
            })
            .optional()
            .describe(
                "Not accepted: a rule's rank is its position in suppressionRules (GuardDuty needs ranks 1..N without gaps); reorder the list instead.",
            ),
        /** Finding types to archive. */
        findingTypes: uniqueArray(findingType, "finding type")
            .min(1, { error: "at least one finding type" })
            .optional()
            .describe(
                "GuardDuty finding types to archive: none that is always HIGH, and all port probes (Recon:*/PortProbe*) or none when remoteIps or localPorts are set.",
            ),
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
            .optional()
            .describe(
                "Exactly one tag (key: value) of the approved EC2 instance: GuardDuty matches tag keys and tag values separately, so two pairs would also match their crossings.",
            ),
        /** Remote IPv4 addresses (GuardDuty filters match single addresses, not networks). */
        remoteIps: z
            .array(
                z.string().refine((value) => ipaddr4(value), {
                    error: "a single IPv4 address such as 198.51.100.7 (filters match addresses, not CIDRs)",
                }),
            )
            .min(1)
            .optional()
            .describe(
                "Remote IPv4 addresses, one address each (GuardDuty filters match addresses, not networks).",
            ),
        /** Remote ports of network connections. */
        remotePorts: z
            .array(port)
            .min(1)
            .optional()
            .describe(
                "Remote ports of network connections; not on a port-probe rule, since probes have no remote port.",
            ),
        /** Local ports probed (port-probe findings). */
        localPorts: z.array(port).min(1).optional().describe("Local ports probed (port-probe findings)."),
        /** Accounts the rule is limited to. */
        accountIds: z.array(accountId).min(1).optional().describe("Accounts the rule is limited to."),
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
            .default(HIGH_SEVERITY)
            .describe(
                "Only findings strictly below this severity are archived, so no rule archives a HIGH (7 and above) finding.",
            ),
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

export type SuppressionRule = z.output<typeof suppressionRule>;
