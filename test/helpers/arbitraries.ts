import fc from "fast-check";
import ipaddr from "ipaddr.js";
import type { Criterion } from "../../components/suppression-filters";
import { DEFAULT_REQUIRED_PROTECTIONS } from "../../policies/guardduty";
import { DEFAULT_REQUIRED_RESOURCE_TYPES } from "../../policies/inspector";
import { DEFAULT_REQUIRED_STANDARDS } from "../../policies/securityhub";
import {
    ConfigError,
    GUARDDUTY_PROTECTIONS,
    INSPECTOR_RESOURCE_TYPES,
    parseStackConfig,
    PUBLISHING_FREQUENCIES,
    SECURITY_HUB_STANDARDS,
    type StackConfig,
    type SuppressionRule,
} from "../../stacks/config";
import { KNOWN_REGIONS } from "../../stacks/regions";

/*
 * fast-check generators for stack configuration, suppression rules and GuardDuty findings, and a small
 * model of how GuardDuty evaluates a filter against a finding.
 */

const NS = "security-governance";

// ---- Small values ----

export const accountId = fc.stringMatching(/^\d{12}$/).filter((id) => id !== "000000000000");

const ruleNameArb = fc.stringMatching(/^[A-Za-z0-9_.-]{3,24}$/);

/** A severity bound the schema accepts: a whole number from 1 to 7. */
const severityBound = fc.integer({ min: 1, max: 7 });

/** Bounds users might write that are not whole numbers: the schema refuses every one. */
export const fractionalSeverityBound = fc
    .double({ min: 0, max: 7, minExcluded: true, noNaN: true })
    .filter((bound) => !Number.isInteger(bound));

// ---- GuardDuty finding types ----

/** How GuardDuty reports a finding's network detail: port probes under portProbeAction, others under networkConnectionAction. */
export function isPortProbeType(type: string): boolean {
    return /^Recon:[A-Za-z0-9]+\/PortProbe/.test(type);
}

const KNOWN_PORT_PROBE_TYPES = [
    "Recon:EC2/PortProbeUnprotectedPort",
    "Recon:EC2/PortProbeEMRUnprotectedPort",
];
const KNOWN_NETWORK_TYPES = [
    "UnauthorizedAccess:EC2/SSHBruteForce",
    "UnauthorizedAccess:EC2/RDPBruteForce",
    "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
    "UnauthorizedAccess:EC2/TorClient",
    "Recon:EC2/Portscan",
    "Impact:EC2/PortSweep",
    "Backdoor:EC2/DenialOfService.Tcp",
    "CryptoCurrency:EC2/BitcoinTool.B!DNS",
    "Trojan:EC2/BlackholeTraffic",
];

/** Any type the schema accepts (ThreatPurpose:ResourceType/ThreatFamilyName.DetectionMechanism!Artifact). */
const anyFindingType = fc.stringMatching(/^[A-Za-z0-9]{1,12}:[A-Za-z0-9]{1,8}\/[A-Za-z0-9.!_-]{1,24}$/);

export const portProbeType = fc.oneof(
    fc.constantFrom(...KNOWN_PORT_PROBE_TYPES),
    fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9.!_-]{0,16}$/))
        .map(([resource, rest]) => `Recon:${resource}/PortProbe${rest}`),
);

export const networkType = fc.oneof(
    fc.constantFrom(...KNOWN_NETWORK_TYPES),
    anyFindingType.filter((type) => !isPortProbeType(type)),
);

// ---- Suppression rules ----

/** A suppression rule as written in Pulumi.<stack>.yaml, before the schema. */
export interface RawSuppressionRule {
    name: string;
    description?: string;
    rank?: number;
    findingTypes?: string[];
    resourceTags?: Record<string, string>;
    remoteIps?: string[];
    remotePorts?: number[];
    localPorts?: number[];
    accountIds?: string[];
    belowSeverity?: number;
}

/**
 * Which findings a rule is about, which decides where its network criteria land:
 * - "port-probe": only PortProbe types; remote IPs and local ports on the port-probe fields;
 * - "network": only other types, or no types at all; network criteria on the network-connection fields;
 * - "mixed": both kinds of types. Such rules get no network criteria here: one GuardDuty filter (an AND
 *   of criteria) cannot name both field families, see the report on suppression rules.
 */
export type RuleFamily = "port-probe" | "network" | "untyped" | "mixed";

const ports = fc.uniqueArray(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 4 });
const ipv4s = fc.uniqueArray(fc.ipV4(), { minLength: 1, maxLength: 4 });
const tagText = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 :_.=+@/-]{0,15}$/);
// One pair: the config refuses more (keys and values match apart, so pairs would cross).
const tags = fc.dictionary(tagText, tagText, { minKeys: 1, maxKeys: 1, noNullPrototype: true });

export interface RawRuleOptions {
    families?: RuleFamily[];
}

export function rawSuppressionRule(options: RawRuleOptions = {}): fc.Arbitrary<RawSuppressionRule> {
    const families = options.families ?? ["port-probe", "network", "untyped", "mixed"];
    const bound = severityBound;
    return fc.constantFrom(...families).chain((family) => {
        const findingTypes =
            family === "port-probe"
                ? fc.uniqueArray(portProbeType, { minLength: 1, maxLength: 3 })
                : family === "network"
                  ? fc.uniqueArray(networkType, { minLength: 1, maxLength: 3 })
                  : family === "mixed"
                    ? fc
                          .tuple(
                              fc.uniqueArray(portProbeType, { minLength: 1, maxLength: 2 }),
                              fc.uniqueArray(networkType, { minLength: 1, maxLength: 2 }),
                          )
                          .chain(([probes, others]) =>
                              fc.shuffledSubarray([...probes, ...others], {
                                  minLength: probes.length + others.length,
                              }),
                          )
                    : fc.constant(undefined);
        const network = family !== "mixed";
        return fc
            .record(
                {
                    name: ruleNameArb,
                    description: fc.string({ maxLength: 40 }),
                    rank: fc.integer({ min: 1, max: 100 }),
                    findingTypes,
                    resourceTags: tags,
                    remoteIps: network ? ipv4s : fc.constant(undefined),
                    // Port probes have no remote port: GuardDuty reports none for them.
                    remotePorts: network && family !== "port-probe" ? ports : fc.constant(undefined),
                    localPorts: network ? ports : fc.constant(undefined),
                    accountIds: fc.uniqueArray(accountId, { minLength: 1, maxLength: 3 }),
                    belowSeverity: bound,
                },
                { requiredKeys: family === "untyped" ? ["name"] : ["name", "findingTypes"] },
            )
            .map((raw) => {
                // fc.record with optional keys may still set a key to undefined through fc.constant(undefined).
                const rule: RawSuppressionRule = { name: raw.name };
                for (const [key, value] of Object.entries(raw)) {
                    if (value !== undefined) Object.assign(rule, { [key]: value });
                }
                return rule;
            });
    });
}

/** The minimal configuration around a rule, so that the real schema validates it. */
function configAround(guardduty: Record<string, unknown>): Record<string, unknown> {
    return {
        "aws:region": "eu-west-1",
        [`${NS}:accounts`]: {
            management: "111111111111",
            securityAdmin: "222222222222",
            managementRoleArn: "arn:aws:iam::111111111111:role/SecurityGovernanceDeployer",
        },
        [`${NS}:regions`]: ["eu-west-1"],
        [`${NS}:guardduty`]: guardduty,
    };
}

/** The rule as the program sees it (defaults filled in), or undefined when the schema refuses it. */
export function parseSuppressionRule(raw: RawSuppressionRule): SuppressionRule | undefined {
    try {
        return parseStackConfig(configAround({ suppressionRules: [raw] })).guardduty.suppressionRules[0];
    } catch (error) {
        if (error instanceof ConfigError) return undefined;
        throw error;
    }
}

/** Valid suppression rules: generated raw rules passed through the schema, invalid ones dropped. */
export function suppressionRule(options: RawRuleOptions = {}): fc.Arbitrary<SuppressionRule> {
    return rawSuppressionRule(options)
        .map(parseSuppressionRule)
        .filter((rule): rule is SuppressionRule => rule !== undefined);
}

// ---- GuardDuty findings ----

export interface PortProbeDetail {
    localPortDetails: { port: number };
    remoteIpDetails: { ipAddressV4: string };
}

/** The part of a GuardDuty finding (JSON as GetFindings returns it) that suppression filters look at. */
export interface Finding {
    schemaVersion: "2.0";
    accountId: string;
    region: string;
    type: string;
    severity: number;
    resource: {
        resourceType: "Instance";
        instanceDetails: { instanceId: string; tags: { key: string; value: string }[] };
    };
    service: {
        serviceName: "guardduty";
        action:
            | {
                  actionType: "NETWORK_CONNECTION";
                  networkConnectionAction: {
                      connectionDirection: "INBOUND" | "OUTBOUND";
                      protocol: "TCP" | "UDP";
                      remoteIpDetails: { ipAddressV4: string };
                      localPortDetails: { port: number };
                      remotePortDetails: { port: number };
                  };
              }
            | {
                  actionType: "PORT_PROBE";
                  portProbeAction: { blocked: boolean; portProbeDetails: PortProbeDetail[] };
              };
    };
}

/** GuardDuty severities: 1.0 to 10.0 in tenths. */
export function severityBetween(min: number, maxExclusive: number): fc.Arbitrary<number> | undefined {
    const low = Math.max(10, Math.ceil(min * 10 - 1e-9));
    const high = Math.min(100, Math.ceil(maxExclusive * 10 - 1e-9) - 1);
    return low <= high ? fc.integer({ min: low, max: high }).map((tenths) => tenths / 10) : undefined;
}

const port = fc.integer({ min: 0, max: 65535 });
const tag = fc.record({ key: tagText, value: tagText });

/** One of `listed`, or anything when the rule does not restrict the attribute. */
function oneOf<T>(listed: readonly T[] | undefined, otherwise: fc.Arbitrary<T>): fc.Arbitrary<T> {
    return listed !== undefined ? fc.constantFrom(...listed) : otherwise;
}

/**
 * A finding the rule describes, of the given severity: a type from findingTypes, an account from
 * accountIds, an instance carrying one of resourceTags' pairs, and the rule's remote IP and ports on the
 * fields GuardDuty reports them in for that type, among unrelated noise.
 */
export function findingFor(rule: SuppressionRule, severity: fc.Arbitrary<number>): fc.Arbitrary<Finding> {
    const networkCriteria = [rule.remoteIps, rule.localPorts, rule.remotePorts].some((c) => c !== undefined);
    // A rule without types puts its network criteria on the network-connection fields (docs/operations.md): it
    // describes non-PortProbe findings then, and findings of any type otherwise.
    const type = rule.findingTypes
        ? fc.constantFrom(...rule.findingTypes)
        : networkCriteria
          ? networkType
          : fc.oneof(networkType, portProbeType);
    const pair = rule.resourceTags
        ? fc.constantFrom(...Object.entries(rule.resourceTags))
        : tag.map((t) => [t.key, t.value] as [string, string]);
    return fc
        .record({
            type,
            severity,
            accountId: oneOf(rule.accountIds, accountId),
            region: fc.constantFrom(...KNOWN_REGIONS),
            tags: fc
                .tuple(pair, fc.array(tag, { maxLength: 3 }))
                .chain(([[key, value], noise]) =>
                    fc.shuffledSubarray([{ key, value }, ...noise], { minLength: noise.length + 1 }),
                ),
            remoteIp: oneOf(rule.remoteIps, fc.ipV4()),
            localPort: oneOf(rule.localPorts, port),
            remotePort: oneOf(rule.remotePorts, port),
            noiseProbes: fc.array(fc.record({ ip: fc.ipV4(), port }), { maxLength: 2 }),
            direction: fc.constantFrom("INBOUND" as const, "OUTBOUND" as const),
            instanceId: fc.stringMatching(/^i-[0-9a-f]{17}$/),
        })
        .chain((f) => {
            const probe: PortProbeDetail = {
                localPortDetails: { port: f.localPort },
                remoteIpDetails: { ipAddressV4: f.remoteIp },
            };
            const noise = f.noiseProbes.map((n): PortProbeDetail => ({
                localPortDetails: { port: n.port },
                remoteIpDetails: { ipAddressV4: n.ip },
            }));
            return fc
                .shuffledSubarray([probe, ...noise], { minLength: noise.length + 1 })
                .map((details): Finding => ({
                    schemaVersion: "2.0",
                    accountId: f.accountId,
                    region: f.region,
                    type: f.type,
                    severity: f.severity,
                    resource: {
                        resourceType: "Instance",
                        instanceDetails: { instanceId: f.instanceId, tags: f.tags },
                    },
                    service: {
                        serviceName: "guardduty",
                        action: isPortProbeType(f.type)
                            ? {
                                  actionType: "PORT_PROBE",
                                  portProbeAction: { blocked: false, portProbeDetails: details },
                              }
                            : {
                                  actionType: "NETWORK_CONNECTION",
                                  networkConnectionAction: {
                                      connectionDirection: f.direction,
                                      protocol: "TCP",
                                      remoteIpDetails: { ipAddressV4: f.remoteIp },
                                      localPortDetails: { port: f.localPort },
                                      remotePortDetails: { port: f.remotePort },
                                  },
                              },
                    },
                }));
        });
}

// ---- The GuardDuty filter evaluator ----

/** Every value at a dotted path of the finding JSON, looking through arrays at any level. */
export function valuesAt(document: unknown, path: string): unknown[] {
    let current: unknown[] = [document];
    for (const segment of path.split(".")) {
        current = current
            .flatMap((value) => (Array.isArray(value) ? value : [value]))
            .flatMap((value) =>
                value !== null && typeof value === "object" && Object.hasOwn(value, segment)
                    ? [(value as Record<string, unknown>)[segment]]
                    : [],
            );
    }
    return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

const OPERATORS = new Set(["field", "equals", "lessThan"]);

/**
 * One criterion, as GuardDuty applies it: `equals` when the field has one of the listed values (for a
 * list such as the instance's tags or the probe details, when ANY element has); `lessThan` when the
 * field is numerically below the bound. The bound must be a whole number: the GuardDuty API takes a
 * Long, and the provider refuses (strconv.ParseInt) anything else at `pulumi up`.
 */
export function criterionMatches(criterion: Criterion, finding: Finding): boolean {
    const unknown = Object.keys(criterion).filter((key) => !OPERATORS.has(key));
    if (unknown.length > 0) throw new Error(`the evaluator does not model ${unknown.join(", ")}`);
    const values = valuesAt(finding, criterion.field);
    const checks: boolean[] = [];
    if (criterion.equals !== undefined) {
        const listed = criterion.equals;
        checks.push(
            values.some(
                (value) =>
                    (typeof value === "string" || typeof value === "number") &&
                    listed.includes(String(value)),
            ),
        );
    }
    if (criterion.lessThan !== undefined) {
        if (!/^-?\d+$/.test(criterion.lessThan)) {
            throw new Error(
                `${criterion.field} lessThan ${JSON.stringify(criterion.lessThan)}: GuardDuty takes a whole number`,
            );
        }
        const bound = Number(criterion.lessThan);
        checks.push(values.some((value) => typeof value === "number" && value < bound));
    }
    if (checks.length === 0) throw new Error(`criterion on ${criterion.field} without a condition`);
    return checks.every(Boolean);
}

/** A filter matches a finding when EVERY criterion does. */
export function filterMatches(criteria: readonly Criterion[], finding: Finding): boolean {
    return criteria.every((criterion) => criterionMatches(criterion, finding));
}

// ---- Stack configuration ----

/** Where a generated configuration stands against the policy pack's organization standard (dev config). */
export interface ConfigOptions {
    /**
     * Keep to what the pack requires beyond the schema: publishing every 15 minutes, the six required
     * protections, the FSBP and CIS 3.0 standards, Inspector (when on) scanning EC2, ECR and Lambda.
     */
    orgCompliant: boolean;
    /** At most this many governed regions (planning cost grows with regions). */
    maxRegions?: number;
}

/** The pack's defaults (config.dev.json keeps them), in the schema's terms. */
const REQUIRED_PROTECTIONS = GUARDDUTY_PROTECTIONS.filter((p) => DEFAULT_REQUIRED_PROTECTIONS.includes(p));
const REQUIRED_STANDARDS = SECURITY_HUB_STANDARDS.filter((id) =>
    DEFAULT_REQUIRED_STANDARDS.some((suffix) => `standards/${id}`.endsWith(suffix)),
);
const OTHER_STANDARDS = SECURITY_HUB_STANDARDS.filter((id) => !REQUIRED_STANDARDS.includes(id));

/** The provider's Inspector `autoEnable` key of each configured resource type. */
export const INSPECTOR_AUTO_ENABLE_KEY: Record<(typeof INSPECTOR_RESOURCE_TYPES)[number], string> = {
    EC2: "ec2",
    ECR: "ecr",
    LAMBDA: "lambda",
    LAMBDA_CODE: "lambdaCode",
    CODE_REPOSITORY: "codeRepository",
};
const REQUIRED_INSPECTOR_TYPES = INSPECTOR_RESOURCE_TYPES.filter((type) =>
    DEFAULT_REQUIRED_RESOURCE_TYPES.includes(INSPECTOR_AUTO_ENABLE_KEY[type]),
);

function ipv4Network(): fc.Arbitrary<string> {
    return fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 32 })).map(([ip, prefix]) => {
        const network = ipaddr.IPv4.networkAddressFromCIDR(`${ip}/${prefix}`).toString();
        return prefix === 32 ? network : `${network}/${prefix}`;
    });
}

function ipv6Network(): fc.Arbitrary<string> {
    return fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 128 })).map(([ip, prefix]) => {
        const network = ipaddr.IPv6.networkAddressFromCIDR(`${ip}/${prefix}`).toRFC5952String();
        return prefix === 128 ? network : `${network}/${prefix}`;
    });
}

const ipEntry = fc.oneof({ weight: 3, arbitrary: ipv4Network() }, { weight: 1, arbitrary: ipv6Network() });

const email = fc
    .tuple(
        fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/),
        fc.constantFrom("example.com", "example.org", "sec.example.net"),
    )
    .map(([local, domain]) => `${local}@${domain}`);

/** Rules with unique names and ranks, as a stack file would hold them. */
const suppressionRules = fc
    .uniqueArray(rawSuppressionRule(), { maxLength: 3, selector: (rule) => rule.name })
    .chain((rules) =>
        fc
            .option(
                fc.uniqueArray(fc.integer({ min: 1, max: 100 }), {
                    minLength: rules.length,
                    maxLength: rules.length,
                }),
            )
            .map((ranks) =>
                rules.map(({ rank: _rank, ...rule }, index) =>
                    ranks ? { ...rule, rank: ranks[index] } : rule,
                ),
            ),
    );

/**
 * Config values (full keys) that replace every key of a stack file: home region, governed regions, accounts,
 * and every section. Values are generated within the schema's rules; `validStackConfig` keeps the ones the
 * schema accepts.
 */
export function stackConfigValues(options: ConfigOptions): fc.Arbitrary<Record<string, unknown>> {
    const maxRegions = options.maxRegions ?? 4;
    const compliant = options.orgCompliant;
    const regions = fc
        .uniqueArray(fc.constantFrom(...KNOWN_REGIONS), { minLength: 1, maxLength: maxRegions })
        .chain((list) => fc.record({ regions: fc.constant(list), home: fc.constantFrom(...list) }));
    const accounts = fc
        .uniqueArray(accountId, { minLength: 2, maxLength: 2 })
        .chain(([management, securityAdmin]) =>
            fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,32}$/).map((role) => ({
                management,
                securityAdmin,
                managementRoleArn: `arn:aws:iam::${management}:role/${role}`,
            })),
        );
    const findingsExport = fc.integer({ min: 90, max: 3650 }).chain((retentionDays) =>
        fc.record({
            retentionDays: fc.constant(retentionDays),
            archiveAfterDays: fc.integer({ min: 1, max: retentionDays - 1 }),
            kmsDeletionWindowDays: fc.integer({ min: 7, max: 30 }),
            protectData: fc.boolean(),
        }),
    );
    const protections = compliant
        ? fc.shuffledSubarray([...REQUIRED_PROTECTIONS], { minLength: REQUIRED_PROTECTIONS.length })
        : fc
              .shuffledSubarray([...GUARDDUTY_PROTECTIONS])
              .filter(
                  (list) => !(list.includes("RUNTIME_MONITORING") && list.includes("EKS_RUNTIME_MONITORING")),
              );
    const threatLists = fc.dictionary(
        fc.stringMatching(/^[a-z][a-z0-9-]{2,15}$/),
        fc.uniqueArray(ipEntry, { minLength: 1, maxLength: 3 }),
        { maxKeys: 6, noNullPrototype: true },
    );
    const guardduty = fc.record({
        publishingFrequency: compliant
            ? fc.constant("FIFTEEN_MINUTES")
            : fc.constantFrom(...PUBLISHING_FREQUENCIES),
        protections,
        trustedIps: fc.uniqueArray(ipEntry, { maxLength: 4 }),
        threatLists,
        suppressionRules,
    });
    const standards = compliant
        ? fc.subarray(OTHER_STANDARDS).chain((extra) =>
              fc.shuffledSubarray([...REQUIRED_STANDARDS, ...extra], {
                  minLength: REQUIRED_STANDARDS.length + extra.length,
              }),
          )
        : fc.shuffledSubarray([...SECURITY_HUB_STANDARDS], { minLength: 1 });
    const securityHub = fc.record({
        standards,
        disabledControls: fc.uniqueArray(
            fc.record({
                controlId: fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,5}\.\d{1,3}$/),
                reason: fc.stringMatching(/^[A-Za-z][A-Za-z ,.]{9,40}$/),
            }),
            { maxLength: 2, selector: (control) => control.controlId },
        ),
    });
    const inspectorTypes = (
        compliant
            ? fc
                  .subarray(
                      INSPECTOR_RESOURCE_TYPES.filter((type) => !REQUIRED_INSPECTOR_TYPES.includes(type)),
                  )
                  .map((extra) => [...REQUIRED_INSPECTOR_TYPES, ...extra])
            : fc.shuffledSubarray([...INSPECTOR_RESOURCE_TYPES], { minLength: 1 })
    ).filter((types) => !types.includes("LAMBDA_CODE") || types.includes("LAMBDA"));
    const notifications = fc.record(
        {
            emails: fc.uniqueArray(email, { maxLength: 3 }),
            minSeverity: fc.oneof(
                fc.integer({ min: 1, max: 10 }),
                fc.double({ min: 1, max: 10, noNaN: true }),
            ),
            alwaysAlertOn: fc.uniqueArray(networkType, { maxLength: 3 }),
        },
        { requiredKeys: ["emails", "minSeverity"] },
    );
    return fc
        .record({
            regions,
            accounts,
            findingsExport,
            guardduty,
            securityHub,
            macie: fc.record({
                enabled: fc.boolean(),
                publishingFrequency: fc.constantFrom(...PUBLISHING_FREQUENCIES),
            }),
            detective: fc.record({ enabled: fc.boolean() }),
            inspector: fc.record({ enabled: fc.boolean(), resourceTypes: inspectorTypes }),
            notifications,
        })
        .map((c) => ({
            "aws:region": c.regions.home,
            [`${NS}:accounts`]: c.accounts,
            [`${NS}:regions`]: c.regions.regions,
            [`${NS}:findingsExport`]: c.findingsExport,
            [`${NS}:guardduty`]: c.guardduty,
            [`${NS}:securityHub`]: c.securityHub,
            [`${NS}:macie`]: c.macie,
            [`${NS}:detective`]: c.detective,
            [`${NS}:inspector`]: c.inspector,
            [`${NS}:notifications`]: c.notifications,
        }));
}

export interface GeneratedStack {
    /** Config overrides for `planStack` (full keys). */
    values: Record<string, unknown>;
    /** The same values as the schema reads them. */
    config: StackConfig;
}

/** Generated configurations the schema accepts (others are dropped). */
export function validStackConfig(options: ConfigOptions): fc.Arbitrary<GeneratedStack> {
    return stackConfigValues(options)
        .map((values): GeneratedStack | undefined => {
            try {
                return { values, config: parseStackConfig(values) };
            } catch (error) {
                if (error instanceof ConfigError) return undefined;
                throw error;
            }
        })
        .filter((stack): stack is GeneratedStack => stack !== undefined);
}
