import { strict as assert } from "node:assert";
import type { z } from "zod";
import {
    ConfigError,
    DEFAULT_ALWAYS_ALERT_ON,
    defaultMessage,
    parseStackConfig,
    type StackConfig,
} from "../stacks/config";
import { GUARDDUTY_FINDING_TYPES } from "../stacks/known-names";
import { MEMBER_QUOTAS, membersWithinQuota } from "../stacks/quotas";
import { regionsLacking, standardArn } from "../stacks/security-hub-standards";
import { readStackConfigValues } from "../tools/plan-runtime";

/**
 * The exact line a user reads for each kind of mistake. The bad-input catalogue proves each mistake stops
 * the plan with one line naming the key and the value; this table pins the wording of what is allowed, so a
 * rule that loses its message (and falls back to zod's "Invalid input") or its bounds is seen.
 */

const NS = "security-governance";
type Values = Record<string, unknown>;
type Sections = Record<string, Record<string, unknown>>;

const dev = readStackConfigValues("dev");

/** A copy of the dev stack with `edit` applied to its sections (keys without the namespace). */
function devWith(edit: (s: Sections & { raw: Values }) => void): Values {
    const raw = structuredClone(dev);
    const sections = new Proxy(raw, {
        get(target, key) {
            if (key === "raw") return target;
            const name = typeof key === "string" && !key.includes(":") ? `${NS}:${key}` : String(key);
            target[name] ??= {};
            return target[name];
        },
        set(target, key, value) {
            target[`${NS}:${String(key)}`] = value;
            return true;
        },
    }) as Sections & { raw: Values };
    edit(sections);
    return raw;
}

function rule(s: Sections, index: number): Record<string, unknown> {
    return (s.guardduty.suppressionRules as Record<string, unknown>[])[index];
}

function problems(values: Values): string[] {
    try {
        parseStackConfig(values);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    return [];
}

function parsed(values: Values): StackConfig {
    const found = problems(values);
    assert.deepEqual(found, []);
    return parseStackConfig(values);
}

const ROLE_ARN = "an IAM role ARN such as arn:aws:iam::111111111111:role/SecurityGovernanceDeployer";
const RULE_NAME = "a rule name of 3-64 letters, digits, '-', '_' or '.'";
const LIST_NAME = "a list name of 3-64 letters, digits, '-', '_' or '.'";
const PORT = "a port number 0-65535";
const SEVERITY = "a GuardDuty severity from 1 to 10 (4 = MEDIUM, 7 = HIGH, 9 = CRITICAL)";
const ACCOUNT = 'a 12-digit AWS account ID, such as "111111111111"';
const R0 = `${NS}:guardduty.suppressionRules[0]`;
const R1 = `${NS}:guardduty.suppressionRules[1]`;

const CASES: [string, (s: Sections & { raw: Values }) => void, string][] = [
    [
        "an account ID as a number",
        (s) => (s.accounts.management = 1111),
        `${NS}:accounts.management = 1111: expected a 12-digit AWS account ID as a quoted string, such as "111111111111"`,
    ],
    [
        "11 digits",
        (s) => (s.accounts.management = "11111111111"),
        `${NS}:accounts.management = "11111111111": expected ${ACCOUNT}`,
    ],
    [
        "13 digits",
        (s) => (s.accounts.management = "1111111111112"),
        `${NS}:accounts.management = "1111111111112": expected ${ACCOUNT}`,
    ],
    [
        "a letter before",
        (s) => (s.accounts.management = "x111111111111"),
        `${NS}:accounts.management = "x111111111111": expected ${ACCOUNT}`,
    ],
    [
        "a letter after",
        (s) => (s.accounts.securityAdmin = "222222222222x"),
        `${NS}:accounts.securityAdmin = "222222222222x": expected ${ACCOUNT}`,
    ],
    [
        "a region as a number",
        (s) => (s.raw[`${NS}:regions`] = ["eu-west-1", 5]),
        `${NS}:regions[1] = 5: expected a region code such as "eu-west-1"`,
    ],
    [
        "a value longer than 120 characters is cut",
        (s) => (s.raw[`${NS}:regions`] = ["x".repeat(200)]),
        `${NS}:regions[0] = "${"x".repeat(116)}...: expected one of the commercial regions: `,
    ],
    [
        "an address as a number",
        (s) => (s.guardduty.trustedIps = [42]),
        `${NS}:guardduty.trustedIps[0] = 42: expected an IPv4 or IPv6 address or CIDR as a string`,
    ],
    ["a rule name as a number", (s) => (rule(s, 0).name = 7), `${R0}.name = 7: expected ${RULE_NAME}`],
    [
        "a rule name of two letters",
        (s) => (rule(s, 0).name = "ab"),
        `${R0}.name = "ab": expected ${RULE_NAME}`,
    ],
    [
        "a rule name with a bad start",
        (s) => (rule(s, 0).name = "!!abc"),
        `${R0}.name = "!!abc": expected ${RULE_NAME}`,
    ],
    [
        "a rule name with a bad end",
        (s) => (rule(s, 0).name = "abc!!"),
        `${R0}.name = "abc!!": expected ${RULE_NAME}`,
    ],
    [
        "a port above 65535",
        (s) => (rule(s, 0).localPorts = [70000]),
        `${R0}.localPorts[0] = 70000: expected ${PORT}`,
    ],
    [
        "a fractional port",
        (s) => (rule(s, 0).localPorts = [1.5]),
        `${R0}.localPorts[0] = 1.5: expected ${PORT}`,
    ],
    [
        "a port as text",
        (s) => (rule(s, 0).localPorts = ["22"]),
        `${R0}.localPorts[0] = "22": expected ${PORT}`,
    ],
    ["a negative port", (s) => (rule(s, 0).localPorts = [-1]), `${R0}.localPorts[0] = -1: expected ${PORT}`],
    [
        "no remote ports",
        (s) => (rule(s, 1).remotePorts = []),
        `${R1}.remotePorts = []: expected a non-empty list`,
    ],
    [
        "no remote addresses",
        (s) => (rule(s, 1).remoteIps = []),
        `${R1}.remoteIps = []: expected a non-empty list`,
    ],
    ["no accounts", (s) => (rule(s, 1).accountIds = []), `${R1}.accountIds = []: expected a non-empty list`],
    [
        "no finding types",
        (s) => (rule(s, 1).findingTypes = []),
        `${R1}.findingTypes = []: expected at least one finding type`,
    ],
    [
        "a description of 513 characters",
        (s) => (rule(s, 1).description = "x".repeat(513)),
        `${R1}.description = "${"x".repeat(116)}...: expected at most 512 characters`,
    ],
    [
        "a severity as text",
        (s) => (rule(s, 1).belowSeverity = "5"),
        `${R1}.belowSeverity = "5": expected a whole-number severity from 1 to 7`,
    ],
    [
        "an empty tag value",
        (s) => (rule(s, 1).resourceTags = { Role: "" }),
        `${R1}.resourceTags.Role = "": expected a non-empty text`,
    ],
    [
        "a role ARN with a prefix",
        (s) => (s.accounts.managementRoleArn = "xarn:aws:iam::111111111111:role/X"),
        `${NS}:accounts.managementRoleArn = "xarn:aws:iam::111111111111:role/X": expected ${ROLE_ARN}`,
    ],
    [
        "a role ARN with a space",
        (s) => (s.accounts.managementRoleArn = "arn:aws:iam::111111111111:role/X Y"),
        `${NS}:accounts.managementRoleArn = "arn:aws:iam::111111111111:role/X Y": expected ${ROLE_ARN}`,
    ],
    [
        "fractional retention",
        (s) => (s.findingsExport.retentionDays = 90.5),
        `${NS}:findingsExport.retentionDays = 90.5: expected a whole number of days, at least 90`,
    ],
    [
        "retention NaN, as YAML writes it",
        (s) => (s.findingsExport.retentionDays = NaN),
        `${NS}:findingsExport.retentionDays = .nan: expected a whole number of days, at least 90`,
    ],
    [
        "retention -infinity",
        (s) => (s.findingsExport.retentionDays = -Infinity),
        `${NS}:findingsExport.retentionDays = -.inf: expected a whole number of days, at least 90`,
    ],
    [
        "retention infinity",
        (s) => (s.findingsExport.retentionDays = Infinity),
        `${NS}:findingsExport.retentionDays = .inf: expected a whole number of days, at least 90`,
    ],
    [
        "archive days as text",
        (s) => (s.findingsExport.archiveAfterDays = "30"),
        `${NS}:findingsExport.archiveAfterDays = "30": expected a whole number of days, at least 1`,
    ],
    [
        "fractional archive days",
        (s) => (s.findingsExport.archiveAfterDays = 2.5),
        `${NS}:findingsExport.archiveAfterDays = 2.5: expected a whole number of days, at least 1`,
    ],
    [
        "archive after 0 days",
        (s) => (s.findingsExport.archiveAfterDays = 0),
        `${NS}:findingsExport.archiveAfterDays = 0: expected at least 1 day`,
    ],
    [
        "archive after 36501 days",
        (s) => ((s.findingsExport.archiveAfterDays = 36501), (s.findingsExport.retentionDays = 36500)),
        `${NS}:findingsExport.archiveAfterDays = 36501: expected at most 36500 days (100 years)`,
    ],
    [
        "archive as late as retention, at the 90-day minimum",
        (s) => ((s.findingsExport.retentionDays = 90), (s.findingsExport.archiveAfterDays = 90)),
        `${NS}:findingsExport.archiveAfterDays = 90: expected fewer days than retentionDays (90): objects would expire before they are archived`,
    ],
    [
        "a deletion window as text",
        (s) => (s.findingsExport.kmsDeletionWindowDays = "7"),
        `${NS}:findingsExport.kmsDeletionWindowDays = "7": expected a whole number of days from 7 to 30`,
    ],
    [
        "a fractional deletion window",
        (s) => (s.findingsExport.kmsDeletionWindowDays = 7.5),
        `${NS}:findingsExport.kmsDeletionWindowDays = 7.5: expected a whole number of days from 7 to 30`,
    ],
    [
        "protectData as text",
        (s) => (s.findingsExport.protectData = "yes"),
        `${NS}:findingsExport.protectData = "yes": expected true or false`,
    ],
    [
        "macie.enabled as text",
        (s) => (s.macie = { enabled: "yes" }),
        `${NS}:macie.enabled = "yes": expected true or false`,
    ],
    [
        "detective.enabled as text",
        (s) => (s.detective = { enabled: "yes" }),
        `${NS}:detective.enabled = "yes": expected true or false`,
    ],
    [
        "inspector.enabled as text",
        (s) => (s.inspector = { enabled: "yes" }),
        `${NS}:inspector.enabled = "yes": expected true or false`,
    ],
    [
        "no Inspector resource types",
        (s) => (s.inspector = { resourceTypes: [] }),
        `${NS}:inspector.resourceTypes = []: expected at least one resource type`,
    ],
    [
        "a list name with a bad start",
        (s) => (s.guardduty.threatLists = { "!!abc": ["192.0.2.66"] }),
        `${NS}:guardduty.threatLists.!!abc = "!!abc": expected ${LIST_NAME}`,
    ],
    [
        "a list name with a bad end",
        (s) => (s.guardduty.threatLists = { "abc!!": ["192.0.2.66"] }),
        `${NS}:guardduty.threatLists.abc!! = "abc!!": expected ${LIST_NAME}`,
    ],
    [
        "a threat list of the whole IPv4 internet",
        (s) => (s.guardduty.threatLists = { "known-c2": ["0.0.0.0/0"] }),
        `${NS}:guardduty.threatLists.known-c2[0] = "0.0.0.0/0": expected a specific network: /0 would trust the whole internet and silence GuardDuty`,
    ],
    [
        "a short reason",
        (s) => (s.securityHub = { disabledControls: [{ controlId: "IAM.6", reason: "short" }] }),
        `${NS}:securityHub.disabledControls[0].reason = "short": expected a reason of at least 10 characters`,
    ],
    [
        "a severity as text",
        (s) => (s.notifications.minSeverity = "7"),
        `${NS}:notifications.minSeverity = "7": expected ${SEVERITY}`,
    ],
    [
        "severity 0",
        (s) => (s.notifications.minSeverity = 0),
        `${NS}:notifications.minSeverity = 0: expected ${SEVERITY}`,
    ],
    [
        "severity 11",
        (s) => (s.notifications.minSeverity = 11),
        `${NS}:notifications.minSeverity = 11: expected ${SEVERITY}`,
    ],
    [
        "a port-probe rule with remote ports",
        (s) => (rule(s, 0).remotePorts = [22]),
        `${R0}.remotePorts = [22]: expected no remotePorts on a port-probe rule: port-probe findings have no remote port, so the filter would match nothing; use localPorts`,
    ],
    [
        "port probes mixed with other types, with addresses",
        (s) =>
            (rule(s, 0).findingTypes = [
                "Recon:EC2/PortProbeUnprotectedPort",
                "UnauthorizedAccess:EC2/SSHBruteForce",
            ]),
        `${R0}.findingTypes = ["Recon:EC2/PortProbeUnprotectedPort","UnauthorizedAccess:EC2/SSHBruteForce"]: expected finding types that are all port probes (Recon:*/PortProbe*) or none when remoteIps or localPorts are set`,
    ],
    [
        "port probes mixed with other types, with local ports only",
        (s) => {
            const r = rule(s, 0);
            delete r.remoteIps;
            r.localPorts = [22];
            r.findingTypes = ["Recon:EC2/PortProbeUnprotectedPort", "UnauthorizedAccess:EC2/SSHBruteForce"];
        },
        `${R0}.findingTypes = ["Recon:EC2/PortProbeUnprotectedPort","UnauthorizedAccess:EC2/SSHBruteForce"]: expected finding types that are all port probes (Recon:*/PortProbe*) or none when remoteIps or localPorts are set`,
    ],
    [
        "a profile name with a space",
        (s) => (s.raw["aws:profile"] = "my profile!"),
        `aws:profile = "my profile!": expected the name of a profile in your AWS config files, such as security-deployer`,
    ],
    [
        "a profile name of 65 characters",
        (s) => (s.raw["aws:profile"] = "p".repeat(65)),
        `aws:profile = "${"p".repeat(65)}": expected the name of a profile in your AWS config files, such as security-deployer`,
    ],
    [
        "adopting Macie in a region the stack does not govern",
        (s) => (s.adopt = { macieAccounts: ["ap-south-1"] }),
        `${NS}:adopt.macieAccounts.ap-south-1: expected a governed region (eu-west-1, us-east-1): the program creates nothing to adopt in ap-south-1`,
    ],
    [
        "adopting a GuardDuty detector in a region the stack does not govern",
        (s) => (s.adopt = { guarddutyDetectors: { "ap-south-1": "0123456789abcdef0123456789abcdef" } }),
        `${NS}:adopt.guarddutyDetectors.ap-south-1: expected a governed region (eu-west-1, us-east-1): the program creates nothing to adopt in ap-south-1`,
    ],
    [
        "adopting a graph of another account",
        (s) =>
            (s.adopt = {
                detectiveGraphs: {
                    "eu-west-1": `arn:aws:detective:eu-west-1:333333333333:graph:${"a".repeat(32)}`,
                },
            }),
        `${NS}:adopt.detectiveGraphs.eu-west-1 = "arn:aws:detective:eu-west-1:333333333333:graph:${"a".repeat(32)}": expected a graph of the security account 222222222222 in eu-west-1`,
    ],
    [
        "adopting a graph of another region",
        (s) =>
            (s.adopt = {
                detectiveGraphs: {
                    "eu-west-1": `arn:aws:detective:us-east-1:222222222222:graph:${"a".repeat(32)}`,
                },
            }),
        `${NS}:adopt.detectiveGraphs.eu-west-1 = "arn:aws:detective:us-east-1:222222222222:graph:${"a".repeat(32)}": expected a graph of the security account 222222222222 in eu-west-1`,
    ],
];

const IPV4 = "a single IPv4 address such as 198.51.100.7 (filters match addresses, not CIDRs)";
const EXPORT_KEYS =
    "retentionDays, archiveAfterDays, accessLogRetentionDays, kmsDeletionWindowDays, protectData, objectLock";
const ONLY = `this program reads only ${NS}: keys, aws:region and aws:profile`;

/** Mistakes reported as exactly these lines, in this order. */
const EXACT: [string, (s: Sections & { raw: Values }) => void, string[]][] = [
    ...[
        "256.1.1.1",
        "01.2.3.4",
        "1.2.3.4x",
        "x1.2.3.4",
        "2a5.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "198.51.100.0/24",
    ].map((ip): [string, (s: Sections & { raw: Values }) => void, string[]] => [
        `a remote address ${ip}`,
        (s) => (rule(s, 0).remoteIps = [ip]),
        [`${R0}.remoteIps[0] = "${ip}": expected ${IPV4}`],
    ]),
    [
        "retention below 90 days, archiving after it",
        (s) => ((s.findingsExport.retentionDays = 89), (s.findingsExport.archiveAfterDays = 100)),
        [`${NS}:findingsExport.retentionDays = 89: expected at least 90 days`],
    ],
    [
        "an unknown key inside a section with defaults",
        (s) => (s.findingsExport.retention = 5),
        [`${NS}:findingsExport.retention: unknown key; allowed keys here: ${EXPORT_KEYS}`],
    ],
    [
        "an unknown key inside a list entry",
        (s) => (rule(s, 0).foo = 5),
        [
            `${R0}.foo: unknown key; allowed keys here: name, description, rank, findingTypes, resourceTags, remoteIps, remotePorts, localPorts, accountIds, belowSeverity`,
        ],
    ],
    [
        "GuardDuty plans per OU, which the pinned provider cannot create: the line says so",
        (s) =>
            (s.raw[`${NS}:organizationalUnits`] = [
                {
                    id: "ou-ab12-cd34ef56",
                    name: "sandbox",
                    inspector: { resourceTypes: ["EC2"] },
                    guardduty: {},
                },
            ]),
        [
            `${NS}:organizationalUnits[0].guardduty: unknown key; allowed keys here: id, name, securityHub, inspector; GuardDuty plans per OU need a provider that accepts GUARDDUTY_POLICY (docs/operations.md, Known limits)`,
        ],
    ],
    [
        "an unknown key of the same name elsewhere gets no such reason",
        (s) => (s.findingsExport.guardduty = 1),
        [`${NS}:findingsExport.guardduty: unknown key; allowed keys here: ${EXPORT_KEYS}`],
    ],
    [
        "two unknown keys, one line each as the report prints them",
        (s) => ((s.findingsExport.a = 1), (s.findingsExport.b = 2)),
        [
            `${NS}:findingsExport.a: unknown key; allowed keys here: ${EXPORT_KEYS}\n  - ` +
                `${NS}:findingsExport.b: unknown key; allowed keys here: ${EXPORT_KEYS}`,
        ],
    ],
    [
        "a section that is not a map",
        (s) => (s.raw[`${NS}:findingsExport`] = 5),
        [`${NS}:findingsExport = 5: expected a map with the keys ${EXPORT_KEYS}`],
    ],
    [
        "a threat list that is not a list",
        (s) => (s.guardduty.threatLists = { "known-c2": 5 }),
        [`${NS}:guardduty.threatLists.known-c2 = 5: expected a list`],
    ],
    [
        "a missing account ID",
        (s) => delete s.accounts.securityAdmin,
        [
            `${NS}:accounts.securityAdmin = (missing): expected a 12-digit AWS account ID as a quoted string, such as "111111111111"`,
        ],
    ],
    [
        "the namespace misspelt by one letter",
        (s) => (s.raw["security-governence:regions"] = ["eu-west-1"]),
        [
            `security-governence:regions: unknown namespace security-governence; expected ${NS}:regions (${ONLY})`,
        ],
    ],
    [
        "the namespace misspelt by two letters",
        (s) => (s.raw["secrity-goverance:x"] = 1),
        [`secrity-goverance:x: unknown namespace secrity-goverance; expected ${NS}:x (${ONLY})`],
    ],
    [
        "the namespace misspelt by three letters reads as another program's",
        (s) => (s.raw["secrty-goverance:x"] = 1),
        [
            `secrty-goverance:x: unknown namespace secrty-goverance; expected only ${NS}: keys, aws:region and aws:profile`,
        ],
    ],
    [
        "another provider's namespace",
        (s) => (s.raw["aws-native:region"] = "eu-west-1"),
        [
            `aws-native:region: unknown namespace aws-native; expected only ${NS}: keys, aws:region and aws:profile`,
        ],
    ],
    [
        "adopting a graph in a region the stack does not govern",
        (s) =>
            (s.adopt = {
                detectiveGraphs: {
                    "ap-south-1": `arn:aws:detective:ap-south-1:222222222222:graph:${"a".repeat(32)}`,
                },
            }),
        [
            `${NS}:adopt.detectiveGraphs.ap-south-1: expected a governed region (eu-west-1, us-east-1): the program creates nothing to adopt in ap-south-1`,
        ],
    ],
    [
        "the same finding type twice in a rule",
        (s) =>
            (rule(s, 1).findingTypes = [
                "UnauthorizedAccess:EC2/SSHBruteForce",
                "UnauthorizedAccess:EC2/SSHBruteForce",
            ]),
        [`${R1}.findingTypes[1] = "UnauthorizedAccess:EC2/SSHBruteForce": expected each finding type once`],
    ],
    [
        "the same finding type twice in alwaysAlertOn",
        (s) =>
            (s.notifications.alwaysAlertOn = [
                "UnauthorizedAccess:EC2/SSHBruteForce",
                "UnauthorizedAccess:EC2/SSHBruteForce",
            ]),
        [
            `${NS}:notifications.alwaysAlertOn[1] = "UnauthorizedAccess:EC2/SSHBruteForce": expected each finding type once`,
        ],
    ],
    [
        "the tagging standard with a region that lacks it",
        (s) => (
            (s.raw[`${NS}:regions`] = ["eu-west-1", "ca-west-1"]),
            (s.securityHub = { standards: ["aws-resource-tagging-standard/v/1.0.0"] })
        ),
        [
            `${NS}:securityHub.standards[0] = "aws-resource-tagging-standard/v/1.0.0": expected a standard Security Hub offers in every governed region; not offered in ca-west-1 (Security Hub CSPM user guide, Regional limits); remove the standard or those regions`,
        ],
    ],
    [
        "a Detective priority account twice",
        (s) => (s.detective = { priorityAccounts: ["333333333333", "333333333333"] }),
        [`${NS}:detective.priorityAccounts[1] = "333333333333": expected each account once`],
    ],
    [
        "a Detective priority that is no account ID",
        (s) => (s.detective = { priorityAccounts: ["33333333333"] }),
        [`${NS}:detective.priorityAccounts[0] = "33333333333": expected ${ACCOUNT}`],
    ],
    [
        "a Detective priority OU that is no OU ID",
        (s) => (s.detective = { priorityOrganizationalUnits: ["ou-AB12-cd34ef56"] }),
        [
            `${NS}:detective.priorityOrganizationalUnits[0] = "ou-AB12-cd34ef56": expected an OU ID: "ou-", 4 to 32 lowercase letters or digits, "-", then 8 to 32 more, such as "ou-ab12-cd34ef56"`,
        ],
    ],
    [
        "a Detective priority OU with too short a second part",
        (s) => (s.detective = { priorityOrganizationalUnits: ["ou-ab12-cd34ef5"] }),
        [`${NS}:detective.priorityOrganizationalUnits[0] = "ou-ab12-cd34ef5": expected an OU ID: `],
    ],
    [
        "a Detective priority OU twice",
        (s) => (s.detective = { priorityOrganizationalUnits: ["ou-ab12-cd34ef56", "ou-ab12-cd34ef56"] }),
        [`${NS}:detective.priorityOrganizationalUnits[1] = "ou-ab12-cd34ef56": expected each OU once`],
    ],
    [
        "a Detective priority OU that is a number",
        (s) => (s.detective = { priorityOrganizationalUnits: [12] }),
        [`${NS}:detective.priorityOrganizationalUnits[0] = 12: expected an OU ID as a quoted string`],
    ],
    [
        "the security account excluded from Macie",
        (s) => (s.macie = { excludedAccounts: [s.accounts.securityAdmin] }),
        [
            `${NS}:macie.excludedAccounts[0] = "222222222222": expected a member account; 222222222222 is the security account (accounts.securityAdmin), the administrator`,
        ],
    ],
    [
        "the security account excluded from Detective",
        (s) => (s.detective = { excludedAccounts: ["444444444444", s.accounts.securityAdmin] }),
        [`${NS}:detective.excludedAccounts[1] = "222222222222": expected a member account; `],
    ],
    [
        "a Detective account both first and excluded",
        (s) => (s.detective = { priorityAccounts: ["444444444444"], excludedAccounts: ["444444444444"] }),
        [
            `${NS}:detective.excludedAccounts[0] = "444444444444": expected an account not also in detective.priorityAccounts; keep it in one of the two`,
        ],
    ],
    [
        "an excluded Macie account twice",
        (s) => (s.macie = { excludedAccounts: ["444444444444", "444444444444"] }),
        [`${NS}:macie.excludedAccounts[1] = "444444444444": expected each account once`],
    ],
    [
        "a value of exactly 120 characters is shown whole",
        (s) => (s.raw[`${NS}:regions`] = ["x".repeat(118)]),
        [`${NS}:regions[0] = "${"x".repeat(118)}": expected one of the commercial regions: `],
    ],
];

describe("stack configuration messages", () => {
    for (const [name, edit, expected] of CASES) {
        it(`${name}: ${expected.slice(0, 60)}...`, () => {
            const found = problems(devWith(edit));
            // 36501 archive days break two rules, each reported.
            assert.equal(found.length, name === "archive after 36501 days" ? 2 : 1, found.join("\n"));
            assert.ok(found[0].startsWith(expected), `expected\n  ${expected}\ngot\n  ${found[0]}`);
        });
    }

    for (const [name, edit, expected] of EXACT) {
        it(`${name}: ${expected[0].slice(0, 60)}...`, () => {
            const found = problems(devWith(edit));
            assert.equal(found.length, expected.length, found.join("\n"));
            expected.forEach((line, i) =>
                assert.ok(found[i].startsWith(line), `expected\n  ${line}\ngot\n  ${found[i]}`),
            );
        });
    }

    it("refuses a home region that is unknown, not text, or opt-in, naming each", () => {
        for (const value of ["mars-1", 5]) {
            const [line] = problems(devWith((s) => (s.raw["aws:region"] = value)));
            assert.ok(
                line.startsWith(
                    `aws:region = ${JSON.stringify(value)}: expected the home region, one of the commercial regions: us-east-1,`,
                ),
                line,
            );
        }
        const [optIn] = problems(devWith((s) => (s.raw["aws:region"] = "ap-east-1")));
        assert.ok(
            optIn.startsWith(
                'aws:region = "ap-east-1": expected a home region enabled by default (us-east-1,',
            ),
            optIn,
        );
        assert.ok(
            optIn.endsWith(
                "Security Hub cannot aggregate findings into an opt-in region; govern it as a linked region instead",
            ),
        );
    });

    it("accepts well-formed IPv4 addresses, two controls, two local ports and a graph to adopt", () => {
        const graph = `arn:aws:detective:eu-west-1:222222222222:graph:${"a".repeat(32)}`;
        const config = parsed(
            devWith((s) => {
                rule(s, 0).remoteIps = ["255.250.249.200", "199.100.10.9", "1.0.0.0"];
                rule(s, 0).localPorts = [22, 80];
                s.securityHub = {
                    disabledControls: [
                        { controlId: "IAM.6", reason: "hardware MFA is handled by the IdP" },
                        { controlId: "EC2.10", reason: "no VPC endpoints in this organization" },
                    ],
                };
                s.adopt = { detectiveGraphs: { "eu-west-1": graph } };
            }),
        );
        assert.deepEqual(config.guardduty.suppressionRules[0].remoteIps, [
            "255.250.249.200",
            "199.100.10.9",
            "1.0.0.0",
        ]);
        assert.deepEqual(config.guardduty.suppressionRules[0].localPorts, [22, 80]);
        assert.equal(config.securityHub.disabledControls.length, 2);
        assert.deepEqual(config.adopt.detectiveGraphs, { "eu-west-1": graph });
    });

    it("accepts the boundaries: 2,000 trusted entries, six threat lists, two ports, two accounts, any pulumi: key", () => {
        const addresses = Array.from(
            { length: 2000 },
            (_, i) => `8.8.${Math.floor(i / 250)}.${(i % 250) + 1}`,
        );
        const config = parsed(
            devWith((s) => {
                s.guardduty.trustedIps = addresses;
                s.guardduty.threatLists = Object.fromEntries(
                    Array.from({ length: 6 }, (_, i) => [`list-${i}`, [`192.0.2.${i + 1}`]]),
                );
                rule(s, 1).remotePorts = [22, 443];
                rule(s, 1).accountIds = ["333333333333", "444444444444"];
                s.raw["pulumi:template"] = "aws-typescript";
            }),
        );
        assert.equal(config.guardduty.trustedIps.length, 2000);
        assert.equal(Object.keys(config.guardduty.threatLists).length, 6);
        assert.deepEqual(config.guardduty.suppressionRules[1].remotePorts, [22, 443]);
        // One more of each is refused.
        const more = problems(devWith((s) => (s.guardduty.trustedIps = [...addresses, "9.9.9.9"])));
        assert.match(more.join("\n"), /expected at most 2000 distinct entries .*; this list has 2001$/);
        const seven = problems(
            devWith(
                (s) =>
                    (s.guardduty.threatLists = Object.fromEntries(
                        Array.from({ length: 7 }, (_, i) => [`list-${i}`, [`192.0.2.${i + 1}`]]),
                    )),
            ),
        );
        assert.match(seven.join("\n"), /expected at most 6 threat lists \(GuardDuty's limit per detector\)$/);
    });

    it("keeps the AWS profile named in aws:profile", () => {
        const config = parsed(devWith((s) => (s.raw["aws:profile"] = "security-deployer")));
        assert.equal(config.awsProfile, "security-deployer");
        assert.equal(
            parsed(devWith((s) => (s.raw["aws:profile"] = "p".repeat(64)))).awsProfile,
            "p".repeat(64),
        );
    });

    it("fills the service defaults of a stack that names none", () => {
        const config = parsed({
            "aws:region": "eu-west-1",
            [`${NS}:accounts`]: dev[`${NS}:accounts`],
            [`${NS}:regions`]: ["eu-west-1"],
        });
        assert.equal(config.macie.enabled, true);
        assert.equal(config.macie.publishingFrequency, "FIFTEEN_MINUTES");
        assert.equal(config.detective.enabled, true);
        assert.equal(config.inspector.enabled, true);
        assert.deepEqual(config.guardduty.suppressionRules, []);
        assert.deepEqual(config.securityHub.disabledControls, []);
        assert.deepEqual(config.notifications.emails, []);
        assert.deepEqual(config.notifications.alwaysAlertOn, []);
    });

    it("alerts by default on the custom threat-list match and the SEC206 high-priority types, all current", () => {
        assert.deepEqual([...DEFAULT_ALWAYS_ALERT_ON].sort(), [
            "CryptoCurrency:EC2/BitcoinTool.B",
            "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            "UnauthorizedAccess:EC2/TorClient",
            "UnauthorizedAccess:EC2/TorRelay",
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
            "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
            "UnauthorizedAccess:IAMUser/TorIPCaller",
        ]);
        for (const type of DEFAULT_ALWAYS_ALERT_ON) assert.ok(GUARDDUTY_FINDING_TYPES.has(type), type);
    });
});

describe("the wording of rules that do not say what they expect", () => {
    const issue = (fields: Record<string, unknown>) =>
        ({ path: [], input: undefined, ...fields }) as unknown as z.core.$ZodRawIssue;

    it("names each expected type in words", () => {
        assert.equal(defaultMessage(issue({ code: "invalid_type", expected: "array" })), "a list");
        assert.equal(defaultMessage(issue({ code: "invalid_type", expected: "int" })), "a whole number");
        assert.equal(defaultMessage(issue({ code: "invalid_type", expected: "boolean" })), "true or false");
        assert.equal(defaultMessage(issue({ code: "invalid_type", expected: "string" })), "a string");
        assert.equal(
            defaultMessage(issue({ code: "invalid_type", expected: "object", path: ["findingsExport"] })),
            "a map with the keys retentionDays, archiveAfterDays, accessLogRetentionDays, kmsDeletionWindowDays, protectData, objectLock",
        );
        assert.equal(
            defaultMessage(issue({ code: "invalid_type", expected: "object", path: ["regions", 0] })),
            "a map",
        );
    });

    it("states bounds on texts, lists and numbers", () => {
        const bound = (code: string, origin: string, value: number, inclusive = true) =>
            defaultMessage(
                issue({
                    code,
                    origin,
                    inclusive,
                    ...(code === "too_small" ? { minimum: value } : { maximum: value }),
                }),
            );
        assert.equal(bound("too_small", "string", 1), "a non-empty text");
        assert.equal(bound("too_small", "string", 3), "at least 3 characters");
        assert.equal(bound("too_big", "string", 1), "at most 1 characters");
        assert.equal(bound("too_big", "string", 64), "at most 64 characters");
        assert.equal(bound("too_small", "array", 1), "a non-empty list");
        assert.equal(bound("too_small", "array", 2), "at least 2 entries");
        assert.equal(bound("too_big", "array", 1), "at most 1 entries");
        assert.equal(bound("too_small", "number", 1), "at least 1");
        assert.equal(bound("too_big", "number", 10), "at most 10");
        assert.equal(bound("too_small", "number", 0, false), "more than 0");
        assert.equal(bound("too_big", "number", 10, false), "less than 10");
    });

    it("leaves other issues to their rule", () => {
        assert.equal(defaultMessage(issue({ code: "custom", message: "x" })), undefined);
        assert.equal(
            defaultMessage(issue({ code: "invalid_key", issues: [{ message: "a list name" }] })),
            "a list name",
        );
        assert.equal(defaultMessage(issue({ code: "invalid_key", issues: [] })), undefined);
    });
});

describe("member quotas and standard ARNs", () => {
    it("holds each service's documented member quota", () => {
        assert.deepEqual(
            Object.fromEntries(
                Object.entries(MEMBER_QUOTAS).map(([service, quota]) => [service, quota.members]),
            ),
            { guardduty: 50_000, securityhub: 10_000, macie: 10_000, detective: 1_200, inspector: 10_000 },
        );
        for (const quota of Object.values(MEMBER_QUOTAS))
            assert.match(quota.source, /user guide, [\w-]+\.html$/);
    });

    it("enrolls the management account first, never the administrator, and cuts at the quota", () => {
        const accounts = Array.from({ length: 1_300 }, (_, i) => ({ id: String(100000000000 + i) }));
        const admin = accounts[3].id;
        const management = accounts[1_250].id;
        const split = membersWithinQuota("detective", accounts, admin, management);
        assert.equal(split.members.length, 1_200);
        assert.equal(split.members[0].id, management);
        assert.equal(split.members[1].id, accounts[0].id);
        assert.ok(!split.members.some((a) => a.id === admin));
        assert.equal(split.beyond.length, 1_300 - 1 - 1_200);
        assert.equal(split.beyond[0].id, accounts[1_200].id);
        assert.ok(!split.beyond.some((a) => a.id === admin || a.id === management));
        const all = membersWithinQuota("macie", accounts, admin, management);
        assert.equal(all.members.length, 1_299);
        assert.deepEqual(all.beyond, []);
    });

    it("knows the regions that lack the tagging standard, and that the others lack none", () => {
        const all = ["ap-east-2", "ap-southeast-6", "ca-west-1", "eu-west-1"];
        assert.deepEqual(regionsLacking("aws-resource-tagging-standard/v/1.0.0", all), [
            "ap-east-2",
            "ap-southeast-6",
            "ca-west-1",
        ]);
        assert.deepEqual(regionsLacking("cis-aws-foundations-benchmark/v/3.0.0", all), []);
    });

    it("names CIS 1.2.0 by its global ruleset ARN and every other standard by region", () => {
        assert.equal(
            standardArn("aws", "eu-west-1", "cis-aws-foundations-benchmark/v/1.2.0"),
            "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
        );
        assert.equal(
            standardArn("aws", "eu-west-1", "cis-aws-foundations-benchmark/v/3.0.0"),
            "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
        );
    });
});
