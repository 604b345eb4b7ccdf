import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { generateOrganization, mockOrganizationsClient } from "../tools/org-fixture";
import { runPlanCommand } from "../tools/plan-cli";
import { parseStackConfig } from "../stacks/config";
import { PROJECT, readStackConfigValues, REPO_ROOT } from "../tools/plan-runtime";
import { projectDir, runPlanCli } from "./helpers/plan";

/**
 * The bad-input catalogue (CONTRIBUTING.md, "Bad input: what is checked"): every case is one mistake in
 * a copy of Pulumi.dev.yaml, or in the plan's flags, and must stop the plan with exit code 2 and ONE
 * message naming the key path (or flag), the bad value and what is allowed, with no stack trace and
 * before any resource is registered.
 */

const NS = "security-governance";
const FIXTURES = path.join(__dirname, "fixtures", "bad-input");
const DEV_YAML = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");

type Settings = Record<string, unknown>;

/** Pulumi.<stack>.yaml as js-yaml reads it. */
interface StackDocument {
    config: Settings;
}

function devDocument(): StackDocument {
    return yaml.load(DEV_YAML) as StackDocument;
}

/** The `security-governance:<name>` map of a stack document, created if the stack file leaves it out. */
function section(doc: StackDocument, name: string): Settings {
    const key = `${NS}:${name}`;
    const existing = doc.config[key];
    if (existing !== undefined) return existing as Settings;
    const created: Settings = {};
    doc.config[key] = created;
    return created;
}

function removeKey(doc: StackDocument, key: string): void {
    doc.config = Object.fromEntries(Object.entries(doc.config).filter(([name]) => name !== key));
}

function rules(doc: StackDocument): Settings[] {
    return section(doc, "guardduty").suppressionRules as Settings[];
}

interface BaseCase {
    name: string;
    /** The config key path or flag the message must name. */
    key: string;
    /**
     * The bad value as the message renders it (JSON; `(missing)` for an absent key). Omitted for an
     * unknown key or flag: there the name itself is the bad value.
     */
    value?: string;
    /** What is allowed, as the message says it. */
    expect: RegExp;
    /** Also run as a real `npm run plan` process. */
    subprocess?: boolean;
}

interface ConfigCase extends BaseCase {
    kind: "config";
    /** The one mistake, made in a copy of Pulumi.dev.yaml. */
    mutate(doc: StackDocument): void;
    /** Also run index.ts under the Pulumi runtime, counting registered resources. */
    program?: boolean;
}

interface FlagCase extends BaseCase {
    kind: "flags";
    argv: string[];
}

type Case = ConfigCase | FlagCase;

function config(
    name: string,
    key: string,
    value: string | undefined,
    expect: RegExp,
    mutate: (doc: StackDocument) => void,
    options: { subprocess?: boolean; program?: boolean } = {},
): ConfigCase {
    return {
        kind: "config",
        name,
        // Paths inside the namespace are written without it; aws:region and misspelt namespaces in full.
        key: key.includes(":") ? key : `${NS}:${key}`,
        value,
        expect,
        mutate,
        ...options,
    };
}

function flags(
    name: string,
    key: string,
    value: string | undefined,
    expect: RegExp,
    argv: string[],
    options: { subprocess?: boolean } = {},
): FlagCase {
    return { kind: "flags", name, key, value, expect, argv, ...options };
}

const fixture = (name: string): string => path.join(FIXTURES, name);
const json = (value: unknown): string => JSON.stringify(value);

/** Forty deployer roles: more than one SCP can name. */
const MANY_DEPLOYERS = Array.from(
    { length: 40 },
    (_, i) => `arn:aws:iam::222222222222:role/SecurityGovernanceDeployer${i}`,
);

/** One OU more than the configuration policies Security Hub allows beside the root's. */
const MANY_SCOPES = Array.from({ length: 20 }, (_, i) => ({
    id: `ou-ab12-sandbo${String(i).padStart(2, "0")}`,
    name: `sandbox-${i}`,
    securityHub: { standards: ["aws-foundational-security-best-practices/v/1.0.0"] },
}));

const CASES: Case[] = [
    // accounts
    config(
        "malformed management account ID",
        "accounts.management",
        json("11111111111"),
        /expected a 12-digit AWS account ID, such as "111111111111"$/,
        (doc) => {
            section(doc, "accounts").management = "11111111111";
        },
        { program: true },
    ),
    config(
        "reserved security admin account ID",
        "accounts.securityAdmin",
        json("000000000000"),
        /expected a real account ID: 000000000000 is reserved$/,
        (doc) => {
            section(doc, "accounts").securityAdmin = "000000000000";
        },
    ),
    config(
        // A 12-digit number is what `pulumi config set --path` writes for a typed ID, and is read as that ID
        // (test/pulumi-cli-files.test.ts); a shorter one lost digits or was never an ID.
        "account ID of the wrong type (an unquoted 11-digit number)",
        "accounts.management",
        "11111111111",
        /expected a 12-digit AWS account ID as a quoted string/,
        (doc) => {
            section(doc, "accounts").management = 11111111111;
        },
    ),
    config(
        "securityAdmin equal to management",
        "accounts.securityAdmin",
        json("111111111111"),
        /expected an account other than accounts\.management/,
        (doc) => {
            section(doc, "accounts").securityAdmin = "111111111111";
        },
    ),
    config(
        "role ARN outside the management account",
        "accounts.managementRoleArn",
        json("arn:aws:iam::999999999999:role/SecurityGovernanceDeployer"),
        /expected a role in the management account 111111111111$/,
        (doc) => {
            section(doc, "accounts").managementRoleArn =
                "arn:aws:iam::999999999999:role/SecurityGovernanceDeployer";
        },
        { subprocess: true, program: true },
    ),
    config(
        "role name instead of a role ARN",
        "accounts.managementRoleArn",
        json("SecurityGovernanceDeployer"),
        /expected an IAM role ARN such as arn:aws:iam::111111111111:role\/SecurityGovernanceDeployer$/,
        (doc) => {
            section(doc, "accounts").managementRoleArn = "SecurityGovernanceDeployer";
        },
    ),
    config(
        "missing required key (accounts)",
        "accounts",
        "(missing)",
        /expected a map with the keys management, securityAdmin, managementRoleArn$/,
        (doc) => {
            removeKey(doc, `${NS}:accounts`);
        },
    ),
    config(
        "missing required key (accounts.managementRoleArn)",
        "accounts.managementRoleArn",
        "(missing)",
        /expected an IAM role ARN/,
        (doc) => {
            delete section(doc, "accounts").managementRoleArn;
        },
    ),
    config(
        "unknown key under accounts",
        "accounts.auditAccount",
        undefined,
        /allowed keys here: management, securityAdmin, managementRoleArn$/,
        (doc) => {
            section(doc, "accounts").auditAccount = "444444444444";
        },
    ),

    // regions and the home region
    config(
        "unknown region",
        "regions[2]",
        json("eu-west-9"),
        /expected one of the commercial regions: us-east-1, /,
        (doc) => {
            doc.config[`${NS}:regions`] = ["eu-west-1", "us-east-1", "eu-west-9"];
        },
    ),
    config("duplicate region", "regions[2]", json("eu-west-1"), /expected each region once$/, (doc) => {
        doc.config[`${NS}:regions`] = ["eu-west-1", "us-east-1", "eu-west-1"];
    }),
    config(
        "regions of the wrong type (one string)",
        "regions",
        json("eu-west-1"),
        /expected a list of region codes$/,
        (doc) => {
            doc.config[`${NS}:regions`] = "eu-west-1";
        },
    ),
    config("no regions", "regions", "[]", /expected at least one region$/, (doc) => {
        doc.config[`${NS}:regions`] = [];
    }),
    config(
        "home region not governed",
        "regions",
        json(["eu-west-1", "us-east-1"]),
        /expected a list that includes the home region aws:region \(eu-central-1\)$/,
        (doc) => {
            doc.config["aws:region"] = "eu-central-1";
        },
        { program: true },
    ),
    config(
        "unknown home region",
        "aws:region",
        json("europe"),
        /expected the home region, one of the commercial regions: us-east-1, /,
        (doc) => {
            doc.config["aws:region"] = "europe";
        },
    ),
    config(
        "missing home region",
        "aws:region",
        "(missing)",
        /expected the home region, one of the commercial regions: /,
        (doc) => {
            removeKey(doc, "aws:region");
        },
    ),

    // findingsExport
    config(
        "retention under 90 days",
        "findingsExport.retentionDays",
        "60",
        /expected at least 90 days$/,
        (doc) => {
            section(doc, "findingsExport").retentionDays = 60;
        },
    ),
    config(
        "retention that is not a whole number",
        "findingsExport.retentionDays",
        "365.5",
        /expected a whole number of days, at least 90$/,
        (doc) => {
            section(doc, "findingsExport").retentionDays = 365.5;
        },
    ),
    config(
        "access logs kept under 90 days",
        "findingsExport.accessLogRetentionDays",
        "30",
        /expected at least 90 days$/,
        (doc) => {
            section(doc, "findingsExport").accessLogRetentionDays = 30;
        },
    ),
    config(
        "access log retention that is not a whole number",
        "findingsExport.accessLogRetentionDays",
        "365.5",
        /expected a whole number of days, at least 90$/,
        (doc) => {
            section(doc, "findingsExport").accessLogRetentionDays = 365.5;
        },
    ),
    config(
        "archive after expiry",
        "findingsExport.archiveAfterDays",
        "180",
        /expected fewer days than retentionDays \(180\): objects would expire before they are archived$/,
        (doc) => {
            section(doc, "findingsExport").archiveAfterDays = 180;
        },
    ),
    config(
        "deletion window under 7 days",
        "findingsExport.kmsDeletionWindowDays",
        "5",
        /expected from 7 to 30 days$/,
        (doc) => {
            section(doc, "findingsExport").kmsDeletionWindowDays = 5;
        },
    ),
    config(
        "deletion window over 30 days",
        "findingsExport.kmsDeletionWindowDays",
        "31",
        /expected from 7 to 30 days$/,
        (doc) => {
            section(doc, "findingsExport").kmsDeletionWindowDays = 31;
        },
    ),
    config(
        "protectData of the wrong type",
        "findingsExport.protectData",
        json("yes"),
        /expected true or false$/,
        (doc) => {
            section(doc, "findingsExport").protectData = "yes";
        },
    ),

    // guardduty
    config(
        "unknown publishing frequency",
        "guardduty.publishingFrequency",
        json("HOURLY"),
        /expected one of FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS$/,
        (doc) => {
            section(doc, "guardduty").publishingFrequency = "HOURLY";
        },
    ),
    config(
        "typo in a guardduty key",
        "guardduty.publishingFrequncy",
        undefined,
        /allowed keys here: publishingFrequency, protections, protectionsNotOfferedIn, trustedIps, threatLists, suppressionRules$/,
        (doc) => {
            const guardduty = section(doc, "guardduty");
            guardduty.publishingFrequncy = guardduty.publishingFrequency;
            delete guardduty.publishingFrequency;
        },
    ),
    config(
        "unknown protection",
        "guardduty.protections[1]",
        json("MALWARE_SCAN"),
        /expected a GuardDuty protection: one of S3_DATA_EVENTS, EKS_AUDIT_LOGS, /,
        (doc) => {
            section(doc, "guardduty").protections = ["S3_DATA_EVENTS", "MALWARE_SCAN"];
        },
    ),
    config(
        "the GuardDuty Investigation preview asked for as a protection",
        "guardduty.protections[1]",
        json("AI_ANALYST"),
        /expected a GuardDuty protection plan: AI_ANALYST \(GuardDuty Investigation\) is a preview that cannot be set for the organization/,
        (doc) => {
            section(doc, "guardduty").protections = ["AI_PROTECTION", "AI_ANALYST"];
        },
    ),
    config(
        "a region GuardDuty refuses a plan in that is no region",
        "guardduty.protectionsNotOfferedIn.AI_PROTECTION[0]",
        json("eu-west-9"),
        /expected one of the commercial regions: us-east-1, /,
        (doc) => {
            section(doc, "guardduty").protectionsNotOfferedIn = { AI_PROTECTION: ["eu-west-9"] };
        },
    ),
    config(
        "a plan refused in regions with no region named",
        "guardduty.protectionsNotOfferedIn.AI_PROTECTION",
        json([]),
        /expected at least one region: leave the plan out instead$/,
        (doc) => {
            section(doc, "guardduty").protectionsNotOfferedIn = { AI_PROTECTION: [] };
        },
    ),
    config(
        "both runtime-monitoring features",
        "guardduty.protections",
        json(["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"]),
        /expected RUNTIME_MONITORING or EKS_RUNTIME_MONITORING, not both/,
        (doc) => {
            section(doc, "guardduty").protections = ["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"];
        },
    ),
    config(
        "a protection listed twice",
        "guardduty.protections",
        json(["S3_DATA_EVENTS", "S3_DATA_EVENTS"]),
        /expected each protection once$/,
        (doc) => {
            section(doc, "guardduty").protections = ["S3_DATA_EVENTS", "S3_DATA_EVENTS"];
        },
    ),
    config(
        "invalid CIDR in the trusted list",
        "guardduty.trustedIps[0]",
        json("203.0.113.0/33"),
        /expected an IPv4 or IPv6 address or CIDR, such as 203\.0\.113\.0\/24/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[])[0] = "203.0.113.0/33";
        },
    ),
    config(
        "trusted entry that is no address",
        "guardduty.trustedIps[1]",
        json("office-egress"),
        /expected an IPv4 or IPv6 address or CIDR/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[])[1] = "office-egress";
        },
    ),
    config(
        "CIDR with host bits set",
        "guardduty.trustedIps[0]",
        json("203.0.113.1/24"),
        /expected a network address with no host bits set: did you mean 203\.0\.113\.0\/24\?$/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[])[0] = "203.0.113.1/24";
        },
    ),
    config(
        "IPv4 /0 in the trusted list",
        "guardduty.trustedIps[0]",
        json("0.0.0.0/0"),
        /expected a specific network: \/0 would trust the whole internet and silence GuardDuty$/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[])[0] = "0.0.0.0/0";
        },
        { program: true },
    ),
    config(
        "IPv6 /0 in the trusted list",
        "guardduty.trustedIps[1]",
        json("::/0"),
        /expected a specific network: \/0 would trust the whole internet/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[])[1] = "::/0";
        },
    ),
    config(
        "more than 2,000 trusted entries",
        "guardduty.trustedIps",
        // Values over 120 characters are cut short in the message.
        json(["20.0.0.0", "20.0.0.1"]).slice(0, -1),
        /expected at most 2000 distinct entries \(GuardDuty's limit for a trusted IP list\); this list has 2001$/,
        (doc) => {
            section(doc, "guardduty").trustedIps = Array.from(
                { length: 2001 },
                (_, index) => `20.0.${index >> 8}.${index & 255}`,
            );
        },
    ),
    config(
        "a private network in the trusted list",
        "guardduty.trustedIps[2]",
        json("10.20.0.0/16"),
        /expected a public address or network: 10\.20\.0\.0\/16 is private \(RFC 1918\), and GuardDuty's lists act on public addresses only$/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[]).push("10.20.0.0/16");
        },
    ),
    config(
        "a loopback address in a threat list",
        "guardduty.threatLists.known-c2[0]",
        json("127.0.0.1"),
        /expected a public address or network: 127\.0\.0\.1 is loopback/,
        (doc) => {
            const lists = section(doc, "guardduty").threatLists as Record<string, string[]>;
            lists[Object.keys(lists)[0]].unshift("127.0.0.1");
        },
        { program: false },
    ),
    config(
        "shared address space (carrier-grade NAT) in the trusted list",
        "guardduty.trustedIps[2]",
        json("100.64.1.1"),
        /100\.64\.1\.1 is shared address space \(RFC 6598\)/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[]).push("100.64.1.1");
        },
    ),
    config(
        "an IPv6 link-local address in the trusted list",
        "guardduty.trustedIps[2]",
        json("fe80::1"),
        /fe80::1 is link-local/,
        (doc) => {
            (section(doc, "guardduty").trustedIps as string[]).push("fe80::1");
        },
    ),
    config(
        "an address both trusted and a threat",
        "guardduty.threatLists.known-c2[0]",
        json("203.0.113.50"),
        /expected an address no trusted entry covers: 203\.0\.113\.0\/24 in trustedIps covers it, and GuardDuty raises no finding for a trusted address, threat or not$/,
        (doc) => {
            const lists = section(doc, "guardduty").threatLists as Record<string, string[]>;
            lists[Object.keys(lists)[0]].unshift("203.0.113.50");
        },
    ),
    config(
        "trusted list of the wrong type (one string)",
        "guardduty.trustedIps",
        json("203.0.113.0/24"),
        /expected a list$/,
        (doc) => {
            section(doc, "guardduty").trustedIps = "203.0.113.0/24";
        },
    ),
    config(
        "more than 6 threat lists",
        "guardduty.threatLists",
        json({ "known-c2": ["192.0.2.66"] }).slice(0, 12),
        /expected at most 6 threat lists \(GuardDuty's limit per detector\)$/,
        (doc) => {
            const lists = section(doc, "guardduty").threatLists as Settings;
            for (let n = 1; n <= 6; n++) lists[`extra-${n}`] = [`198.51.100.${n}`];
        },
    ),
    config(
        "empty threat list",
        "guardduty.threatLists.known-c2",
        "[]",
        /expected at least one address or CIDR: an empty threat list cannot be activated$/,
        (doc) => {
            (section(doc, "guardduty").threatLists as Settings)["known-c2"] = [];
        },
    ),
    config(
        "invalid address in a threat list",
        "guardduty.threatLists.known-c2[0]",
        json("192.0.2.300"),
        /expected an IPv4 or IPv6 address or CIDR/,
        (doc) => {
            (section(doc, "guardduty").threatLists as Settings)["known-c2"] = ["192.0.2.300"];
        },
    ),
    config(
        "invalid threat list name",
        "guardduty.threatLists.c2!",
        json("c2!"),
        /expected a list name of 3-64 letters, digits, '-', '_' or '\.'$/,
        (doc) => {
            (section(doc, "guardduty").threatLists as Settings)["c2!"] = ["192.0.2.1"];
        },
    ),
    config(
        "duplicate rule names",
        "guardduty.suppressionRules[1].name",
        json("approved-scanner-port-probes"),
        /expected a name used by no other rule$/,
        (doc) => {
            rules(doc)[1].name = rules(doc)[0].name;
        },
    ),
    config(
        "a rank given (ranks are positions: GuardDuty refuses gaps)",
        "guardduty.suppressionRules[0].rank",
        "2",
        /expected no rank: a rule's rank is its position in suppressionRules \(GuardDuty needs ranks 1\.\.N without gaps\); reorder the list instead$/,
        (doc) => {
            rules(doc)[0].rank = 2;
        },
    ),
    config(
        "suppression rule with no narrowing criterion",
        "guardduty.suppressionRules[2]",
        json({ name: "severity-only", belowSeverity: 3 }),
        /expected a rule that narrows by at least one of findingTypes, resourceTags, remoteIps, remotePorts, localPorts, accountIds/,
        (doc) => {
            rules(doc).push({ name: "severity-only", belowSeverity: 3 });
        },
    ),
    config(
        "suppression rule with two tags, whose keys and values GuardDuty would cross-match",
        "guardduty.suppressionRules[1].resourceTags",
        json({ Role: "bastion", Owner: "secops" }),
        /expected exactly one tag \(key: value\): GuardDuty matches tag keys and tag values separately, so two pairs would also match their crossings .*; write one rule per tag$/,
        (doc) => {
            rules(doc)[1].resourceTags = { Role: "bastion", Owner: "secops" };
        },
    ),
    config(
        "suppression rule with an empty tag map",
        "guardduty.suppressionRules[1].resourceTags",
        "{}",
        /expected exactly one tag \(key: value\)/,
        (doc) => {
            rules(doc)[1].resourceTags = {};
        },
    ),
    config(
        "suppression rule that would archive severity 7 and above",
        "guardduty.suppressionRules[1].belowSeverity",
        "8",
        /expected at most 7: a rule must never archive HIGH \(7\+\) findings$/,
        (doc) => {
            rules(doc)[1].belowSeverity = 8;
        },
        { program: true },
    ),
    config(
        "suppression rule with a fractional severity bound",
        "guardduty.suppressionRules[1].belowSeverity",
        "4.5",
        /expected a whole-number severity from 1 to 7 \(filters compare whole numbers\)$/,
        (doc) => {
            rules(doc)[1].belowSeverity = 4.5;
        },
    ),
    config(
        "suppression rule mixing port probes and other types with remote IPs",
        "guardduty.suppressionRules[0].findingTypes",
        json(["Recon:EC2/PortProbeUnprotectedPort", "Recon:EC2/Portscan"]),
        /expected finding types that are all port probes \(Recon:\*\/PortProbe\*\) or none when remoteIps or localPorts are set/,
        (doc) => {
            (rules(doc)[0].findingTypes as string[]).push("Recon:EC2/Portscan");
        },
    ),
    config(
        "port-probe rule with remote ports",
        "guardduty.suppressionRules[0].remotePorts",
        json([443]),
        /expected no remotePorts on a port-probe rule: port-probe findings have no remote port/,
        (doc) => {
            rules(doc)[0].remotePorts = [443];
        },
    ),
    config(
        "suppression rule matching a network instead of an address",
        "guardduty.suppressionRules[0].remoteIps[0]",
        json("198.51.100.0/24"),
        /expected a single IPv4 address such as 198\.51\.100\.7 \(filters match addresses, not CIDRs\)$/,
        (doc) => {
            rules(doc)[0].remoteIps = ["198.51.100.0/24"];
        },
    ),
    config(
        "port out of range",
        "guardduty.suppressionRules[0].localPorts[0]",
        "70000",
        /expected a port number 0-65535$/,
        (doc) => {
            rules(doc)[0].localPorts = [70000];
        },
    ),
    config(
        "malformed finding type",
        "guardduty.suppressionRules[1].findingTypes[0]",
        json("SSHBruteForce"),
        /expected one of the \d+ GuardDuty finding types AWS publishes \(stacks\/data\/guardduty-finding-types\.json\); SSHBruteForce is not one$/,
        (doc) => {
            rules(doc)[1].findingTypes = ["SSHBruteForce"];
        },
    ),
    config(
        "typo in a suppression rule key",
        "guardduty.suppressionRules[1].severityBelow",
        undefined,
        /allowed keys here: name, description, rank, findingTypes, resourceTags, remoteIps, remotePorts, localPorts, accountIds, belowSeverity$/,
        (doc) => {
            rules(doc)[1].severityBelow = rules(doc)[1].belowSeverity;
            delete rules(doc)[1].belowSeverity;
        },
    ),

    // securityHub
    config(
        "unknown standard",
        "securityHub.standards[0]",
        json("cis-aws-foundations-benchmark/v/6.0.0"),
        /expected one of aws-foundational-security-best-practices\/v\/1\.0\.0, cis-aws-foundations-benchmark\/v\/5\.0\.0, /,
        (doc) => {
            section(doc, "securityHub").standards = ["cis-aws-foundations-benchmark/v/6.0.0"];
        },
    ),
    config(
        "a standard one governed region lacks",
        "securityHub.standards[1]",
        json("aws-resource-tagging-standard/v/1.0.0"),
        /expected a standard Security Hub offers in every governed region; not offered in ca-west-1 \(/,
        (doc) => {
            doc.config[`${NS}:regions`] = ["eu-west-1", "us-east-1", "ca-west-1"];
            section(doc, "securityHub").standards = [
                "aws-foundational-security-best-practices/v/1.0.0",
                "aws-resource-tagging-standard/v/1.0.0",
            ];
        },
    ),
    config("no standard", "securityHub.standards", "[]", /expected at least one standard$/, (doc) => {
        section(doc, "securityHub").standards = [];
    }),
    config(
        "unknown control ID",
        "securityHub.disabledControls[0].controlId",
        json("EC2-10"),
        /expected one of the \d+ Security Hub control IDs AWS publishes \(stacks\/data\/securityhub-control-ids\.json\); EC2-10 is not one$/,
        (doc) => {
            section(doc, "securityHub").disabledControls = [
                { controlId: "EC2-10", reason: "Default security groups are managed by a central team." },
            ];
        },
    ),
    config(
        "disabled control without a reason",
        "securityHub.disabledControls[0].reason",
        "(missing)",
        /expected a reason of at least 10 characters$/,
        (doc) => {
            section(doc, "securityHub").disabledControls = [{ controlId: "EC2.10" }];
        },
    ),

    config(
        "unknown Security Hub feature",
        "securityHub.v2.features.NETWORK_SCAN",
        undefined,
        /allowed keys here: NETWORK_SCANNING$/,
        (doc) => {
            section(doc, "securityHub").v2 = { features: { NETWORK_SCAN: true } };
        },
    ),
    config(
        "a Security Hub feature switched by a word",
        "securityHub.v2.features.NETWORK_SCANNING",
        json("on"),
        /expected true \(ENABLED\) or false \(DISABLED\)$/,
        (doc) => {
            section(doc, "securityHub").v2 = { features: { NETWORK_SCANNING: "on" } };
        },
    ),
    config(
        "a Security Hub feature with the new Security Hub off",
        "securityHub.v2.features",
        json({ NETWORK_SCANNING: true }),
        /expected no features while securityHub\.v2\.enabled is false: a feature needs the new Security Hub on$/,
        (doc) => {
            section(doc, "securityHub").v2 = { enabled: false, features: { NETWORK_SCANNING: true } };
        },
    ),

    // macie, detective, inspector
    config(
        "macie.enabled of the wrong type",
        "macie.enabled",
        json("no"),
        /expected true or false$/,
        (doc) => {
            section(doc, "macie").enabled = "no";
        },
    ),
    config(
        "unknown Macie publishing frequency",
        "macie.publishingFrequency",
        json("DAILY"),
        /expected one of FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS$/,
        (doc) => {
            section(doc, "macie").publishingFrequency = "DAILY";
        },
    ),
    config(
        "detective.enabled of the wrong type",
        "detective.enabled",
        json("yes"),
        /expected true or false$/,
        (doc) => {
            section(doc, "detective").enabled = "yes";
        },
    ),
    config(
        "typo in a detective key",
        "detective.enable",
        undefined,
        /allowed keys here: enabled, priorityAccounts, priorityOrganizationalUnits, excludedAccounts$/,
        (doc) => {
            section(doc, "detective").enable = false;
        },
    ),
    config(
        "section of the wrong type",
        "inspector",
        "false",
        /expected a map with the keys enabled, resourceTypes$/,
        (doc) => {
            doc.config[`${NS}:inspector`] = false;
        },
    ),
    config(
        "inspector.enabled of the wrong type",
        "inspector.enabled",
        "1",
        /expected true or false$/,
        (doc) => {
            section(doc, "inspector").enabled = 1;
        },
    ),
    config(
        "unknown Inspector resource type",
        "inspector.resourceTypes[1]",
        json("EKS"),
        /expected one of EC2, ECR, LAMBDA, LAMBDA_CODE, CODE_REPOSITORY$/,
        (doc) => {
            section(doc, "inspector").resourceTypes = ["EC2", "EKS"];
        },
    ),
    config(
        "Lambda code scanning without Lambda scanning",
        "inspector.resourceTypes",
        json(["EC2", "LAMBDA_CODE"]),
        /expected LAMBDA as well when LAMBDA_CODE is listed/,
        (doc) => {
            section(doc, "inspector").resourceTypes = ["EC2", "LAMBDA_CODE"];
        },
    ),

    // notifications
    config(
        "invalid e-mail",
        "notifications.emails[0]",
        json("secops-at-example.com"),
        /expected an e-mail address such as secops@example\.com$/,
        (doc) => {
            section(doc, "notifications").emails = ["secops-at-example.com"];
        },
    ),
    config(
        "severity out of range",
        "notifications.minSeverity",
        "11",
        /expected a GuardDuty severity from 1 to 10 \(4 = MEDIUM, 7 = HIGH, 9 = CRITICAL\)$/,
        (doc) => {
            section(doc, "notifications").minSeverity = 11;
        },
    ),
    config(
        "malformed always-alert finding type",
        "notifications.alwaysAlertOn[0]",
        json("TorClient"),
        /expected one of the \d+ GuardDuty finding types AWS publishes/,
        (doc) => {
            section(doc, "notifications").alwaysAlertOn = ["TorClient"];
        },
    ),
    config(
        "a retired finding type",
        "notifications.alwaysAlertOn[0]",
        json("CryptoCurrency:EC2/BitcoinTool.A"),
        /expected a current GuardDuty finding type: AWS has retired CryptoCurrency:EC2\/BitcoinTool\.A$/,
        (doc) => {
            section(doc, "notifications").alwaysAlertOn = ["CryptoCurrency:EC2/BitcoinTool.A"];
        },
    ),
    config(
        "a finding type in the wrong case",
        "notifications.alwaysAlertOn[0]",
        json("recon:ec2/portscan"),
        /expected a GuardDuty finding type spelt as AWS does: Recon:EC2\/Portscan$/,
        (doc) => {
            section(doc, "notifications").alwaysAlertOn = ["recon:ec2/portscan"];
        },
    ),
    config(
        "a retired Security Hub control",
        "securityHub.disabledControls[0].controlId",
        json("S3.4"),
        /expected a current Security Hub control ID: AWS has retired S3\.4$/,
        (doc) => {
            section(doc, "securityHub").disabledControls = [
                { controlId: "S3.4", reason: "Replaced by default encryption on every bucket." },
            ];
        },
    ),
    config(
        "the same control disabled twice",
        "securityHub.disabledControls[1]",
        json({ controlId: "EC2.10", reason: "Listed twice by mistake in a merge." }),
        /expected each control once$/,
        (doc) => {
            section(doc, "securityHub").disabledControls = [
                { controlId: "EC2.10", reason: "VPC endpoints are managed by the network team." },
                { controlId: "EC2.10", reason: "Listed twice by mistake in a merge." },
            ];
        },
    ),
    config(
        "an e-mail address listed twice in another case",
        "notifications.emails[1]",
        json("SecOps-Dev@example.com"),
        /expected each address \(compared ignoring case\) once$/,
        (doc) => {
            section(doc, "notifications").emails = ["secops-dev@example.com", "SecOps-Dev@example.com"];
        },
    ),
    config(
        "a standard listed twice",
        "securityHub.standards[1]",
        json("aws-foundational-security-best-practices/v/1.0.0"),
        /expected each standard once$/,
        (doc) => {
            section(doc, "securityHub").standards = [
                "aws-foundational-security-best-practices/v/1.0.0",
                "aws-foundational-security-best-practices/v/1.0.0",
            ];
        },
    ),
    config(
        "an Inspector resource type listed twice",
        "inspector.resourceTypes[1]",
        json("EC2"),
        /expected each resource type once$/,
        (doc) => {
            section(doc, "inspector").resourceTypes = ["EC2", "EC2"];
        },
    ),
    config(
        "two threat lists whose names differ only by case",
        "guardduty.threatLists.Known-C2",
        json("Known-C2"),
        /expected a list name that differs from known-c2 by more than case$/,
        (doc) => {
            const lists = section(doc, "guardduty").threatLists as Record<string, string[]>;
            lists["Known-C2"] = ["192.0.2.99"];
        },
    ),
    config(
        "belowSeverity 1, which archives nothing",
        "guardduty.suppressionRules[1].belowSeverity",
        "1",
        /expected a whole-number severity from 2 to 7: no finding is below 1, so 1 would archive nothing$/,
        (doc) => {
            rules(doc)[1].belowSeverity = 1;
        },
    ),
    config(
        "an absurd retention",
        "findingsExport.retentionDays",
        "1000000000",
        /expected at most 36500 days \(100 years\)$/,
        (doc) => {
            section(doc, "findingsExport").retentionDays = 1e9;
        },
    ),
    config(
        "an infinite retention",
        "findingsExport.retentionDays",
        ".inf",
        /expected a whole number of days, at least 90$/,
        (doc) => {
            section(doc, "findingsExport").retentionDays = Infinity;
        },
    ),
    config(
        "typo in a top-level key",
        "notification",
        undefined,
        /allowed keys here: accounts, regions, findingsExport, guardduty, securityHub, macie, detective, inspector, notifications, monitoring, adopt, remediation, drill, guardrails, organizationalUnits, noiseRules$/,
        (doc) => {
            doc.config[`${NS}:notification`] = doc.config[`${NS}:notifications`];
            removeKey(doc, `${NS}:notifications`);
        },
        { subprocess: true, program: true },
    ),

    config(
        "typo in the namespace",
        "security-governace:notifications",
        undefined,
        /: unknown namespace security-governace; expected security-governance:notifications \(this program reads only security-governance: keys, aws:region and aws:profile\)$/,
        (doc) => {
            doc.config["security-governace:notifications"] = doc.config[`${NS}:notifications`];
            removeKey(doc, `${NS}:notifications`);
        },
    ),
    config(
        "a section's name used as the namespace",
        "guardduty:protections",
        undefined,
        /: unknown namespace guardduty; expected security-governance:guardduty, with protections inside it \(this program reads only/,
        (doc) => {
            doc.config["guardduty:protections"] = ["S3_DATA_EVENTS"];
        },
    ),
    config(
        "another provider's namespace, which this program never reads",
        "gcp:project",
        undefined,
        /: unknown namespace gcp; expected only security-governance: keys, aws:region and aws:profile$/,
        (doc) => {
            doc.config["gcp:project"] = "my-project";
        },
    ),
    config(
        "an aws: setting the explicit providers would ignore",
        "aws:assumeRoles",
        undefined,
        /: unknown setting for this program; expected only aws:region and aws:profile: its AWS providers are explicit and read no other aws: setting \(set credentials through aws:profile or the AWS_\* environment variables\)$/,
        (doc) => {
            doc.config["aws:assumeRoles"] = [{ roleArn: "arn:aws:iam::222222222222:role/Deployer" }];
        },
    ),
    config(
        "an aws:profile that is not a profile name",
        "aws:profile",
        json("my profile; rm -rf"),
        /expected the name of a profile in your AWS config files, such as security-deployer$/,
        (doc) => {
            doc.config["aws:profile"] = "my profile; rm -rf";
        },
    ),

    // guardrails and Object Lock
    config(
        "an exempt role with a wildcard",
        "guardrails.exemptRoleArns[0]",
        json("arn:aws:iam::*:role/Deployer"),
        /expected an IAM role ARN without wildcards, such as arn:aws:iam::333333333333:role\/SecurityGovernanceDeployer$/,
        (doc) => {
            section(doc, "guardrails").exemptRoleArns = ["arn:aws:iam::*:role/Deployer"];
        },
    ),
    config(
        "an exempt role of a member account",
        "guardrails.exemptRoleArns[0]",
        json("arn:aws:iam::444444444444:role/Admin"),
        /expected a role of the security account 222222222222 or the management account 111111111111: a member account's administrator can create a role of that name and be exempt from every guardrail$/,
        (doc) => {
            section(doc, "guardrails").exemptRoleArns = ["arn:aws:iam::444444444444:role/Admin"];
        },
        { program: true },
    ),
    config(
        "a break-glass role of a member account",
        "guardrails.breakGlassRoleArns[0]",
        json("arn:aws:iam::444444444444:role/BreakGlass"),
        /expected a role of the security account 222222222222 or the management account 111111111111: a member account's administrator can create a role of that name and be exempt from every guardrail$/,
        (doc) => {
            section(doc, "guardrails").breakGlassRoleArns = ["arn:aws:iam::444444444444:role/BreakGlass"];
        },
        { program: true },
    ),
    ...["arn:aws:iam::222222222222:role/Deployer*", "arn:aws:iam::222222222222:role/Deploy?r"].map((arn) =>
        config(
            `a break-glass role named by pattern (${arn.slice(-9)})`,
            "guardrails.breakGlassRoleArns[0]",
            json(arn),
            /expected an IAM role ARN without wildcards, such as arn:aws:iam::333333333333:role\/SecurityGovernanceDeployer$/,
            (doc) => {
                section(doc, "guardrails").breakGlassRoleArns = [arn];
            },
        ),
    ),
    config(
        "an exempt role named by pattern",
        "guardrails.exemptRoleArns[0]",
        json("arn:aws:iam::222222222222:role/*"),
        /expected an IAM role ARN without wildcards, such as arn:aws:iam::333333333333:role\/SecurityGovernanceDeployer$/,
        (doc) => {
            section(doc, "guardrails").exemptRoleArns = ["arn:aws:iam::222222222222:role/*"];
        },
    ),
    config(
        "guardrails on without the security account's deployer",
        "guardrails.exemptRoleArns",
        json(["arn:aws:iam::111111111111:role/SecurityGovernanceDeployer"]),
        /expected the role that runs pulumi up in the security account 222222222222 when guardrails.enabled is true: the guardrails deny everyone else the changes an update makes$/,
        (doc) => {
            Object.assign(section(doc, "guardrails"), {
                enabled: true,
                exemptRoleArns: ["arn:aws:iam::111111111111:role/SecurityGovernanceDeployer"],
            });
        },
        { subprocess: true },
    ),
    config(
        "the root and an OU as targets",
        "guardrails.targets",
        json(["root", "ou-ab12-cd34ef56"]),
        /expected either root alone or OU IDs: the root already covers every OU$/,
        (doc) => {
            section(doc, "guardrails").targets = ["root", "ou-ab12-cd34ef56"];
        },
    ),
    config(
        "a target that is neither the root nor an OU",
        "guardrails.targets[0]",
        json("r-ab12"),
        /expected root, or an OU ID such as "ou-ab12-cd34ef56"$/,
        (doc) => {
            section(doc, "guardrails").targets = ["r-ab12"];
        },
    ),
    config(
        "so many exempt roles that the SCP would exceed its quota",
        "guardrails.exemptRoleArns",
        `${json(MANY_DEPLOYERS).slice(0, 117)}...`,
        /expected fewer roles: with breakGlassRoleArns, 40 roles make the SCP security-governance-[a-z-]+ \d{5} characters; Organizations takes at most 5120 \(Organizations quotas\)$/,
        (doc) => {
            Object.assign(section(doc, "guardrails"), {
                enabled: true,
                exemptRoleArns: MANY_DEPLOYERS,
            });
        },
    ),
    config(
        "an Object Lock mode AWS does not have",
        "findingsExport.objectLock.mode",
        json("LEGAL_HOLD"),
        /expected one of GOVERNANCE, COMPLIANCE$/,
        (doc) => {
            section(doc, "findingsExport").objectLock = { mode: "LEGAL_HOLD", days: 30 };
        },
    ),
    config(
        "an Object Lock longer than the retention",
        "findingsExport.objectLock.days",
        "400",
        /expected at most retentionDays \(180\): the lifecycle cannot delete a version while it is locked$/,
        (doc) => {
            section(doc, "findingsExport").objectLock = { mode: "COMPLIANCE", days: 400 };
        },
    ),
    // organizationalUnits
    config(
        "an OU scope that names no service",
        "organizationalUnits[0]",
        json({ id: "ou-ab12-sandbox1", name: "sandbox" }),
        /expected securityHub, inspector or both: an OU with neither changes nothing; remove the entry$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = [{ id: "ou-ab12-sandbox1", name: "sandbox" }];
        },
    ),
    config(
        "an OU scope whose Security Hub section is empty",
        "organizationalUnits[0].securityHub",
        json({}),
        /expected standards, disabledControls or both: without either the OU gets the root's policy; remove securityHub here$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = [
                { id: "ou-ab12-sandbox1", name: "sandbox", securityHub: {} },
            ];
        },
    ),
    config(
        "an OU scope on the root's ID",
        "organizationalUnits[0].id",
        json("r-ab12"),
        /expected an OU ID: "ou-", 4 to 32 lowercase letters or digits, "-", then 8 to 32 more, such as "ou-ab12-cd34ef56"$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = [
                { id: "r-ab12", name: "everything", inspector: { resourceTypes: ["EC2"] } },
            ];
        },
    ),
    config(
        "the same OU scoped twice",
        "organizationalUnits[1].id",
        json("ou-ab12-sandbox1"),
        /expected each OU once$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = [
                { id: "ou-ab12-sandbox1", name: "sandbox", inspector: { resourceTypes: ["EC2"] } },
                { id: "ou-ab12-sandbox1", name: "sandbox-2", inspector: { resourceTypes: ["ECR"] } },
            ];
        },
    ),
    config(
        "an OU scope name with capitals",
        "organizationalUnits[0].name",
        json("Sandbox"),
        /expected a short name such as sandbox: a lowercase letter, then up to 31 lowercase letters, digits or -$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = [
                { id: "ou-ab12-sandbox1", name: "Sandbox", inspector: { resourceTypes: ["EC2"] } },
            ];
        },
    ),
    config(
        "an OU's scan types with Inspector off",
        "organizationalUnits[0].inspector",
        json({ resourceTypes: ["EC2"] }),
        /expected inspector.enabled true: an OU's scan types are an Inspector policy, and Inspector is off$/,
        (doc) => {
            section(doc, "inspector").enabled = false;
            doc.config[`${NS}:organizationalUnits`] = [
                { id: "ou-ab12-sandbox1", name: "sandbox", inspector: { resourceTypes: ["EC2"] } },
            ];
        },
    ),
    config(
        "an OU's Lambda code scanning without Lambda scanning",
        "organizationalUnits[0].inspector.resourceTypes",
        json(["LAMBDA_CODE"]),
        /expected LAMBDA as well when LAMBDA_CODE is listed: Inspector scans Lambda code only with Lambda standard scanning on$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = [
                { id: "ou-ab12-sandbox1", name: "sandbox", inspector: { resourceTypes: ["LAMBDA_CODE"] } },
            ];
        },
    ),
    config(
        "more OU configuration policies than Security Hub allows",
        "organizationalUnits",
        `${json(MANY_SCOPES).slice(0, 117)}...`,
        /expected at most 19 OUs with securityHub, not 20: Security Hub allows 20 custom configuration policies and the root has one \(configuration-policies-overview.html\)$/,
        (doc) => {
            doc.config[`${NS}:organizationalUnits`] = MANY_SCOPES;
        },
    ),
    // notifications of the other services
    config(
        "a Macie alert threshold in Inspector's words",
        "notifications.macie.minSeverity",
        json("HIGH"),
        /expected one of Low, Medium, High \(Macie severity\)$/,
        (doc) => {
            section(doc, "notifications").macie = { minSeverity: "HIGH" };
        },
    ),
    config(
        "an Inspector alert threshold off the scale",
        "notifications.inspector.minSeverity",
        json("INFORMATIONAL"),
        /expected one of LOW, MEDIUM, HIGH, CRITICAL \(Inspector severity\)$/,
        (doc) => {
            section(doc, "notifications").inspector = { minSeverity: "INFORMATIONAL" };
        },
    ),
    config(
        "a paging topic nobody is subscribed to",
        "notifications.paging.emails",
        json([]),
        /expected at least one address: pages sent to nobody are lost$/,
        (doc) => {
            section(doc, "notifications").paging = { minSeverity: "CRITICAL", emails: [] };
        },
    ),
    // monitoring and the drill
    config(
        "a failure-alarm address that is not one",
        "monitoring.emails[0]",
        json("secops"),
        /expected an e-mail address such as secops@example\.com$/,
        (doc) => {
            section(doc, "monitoring").emails = ["secops"];
        },
    ),
    config(
        "the dashboard switched by a word",
        "monitoring.dashboard",
        json("off"),
        /expected true or false$/,
        (doc) => {
            section(doc, "monitoring").dashboard = "off";
        },
    ),
    config(
        "a drill schedule that is not a schedule expression",
        "drill.schedule",
        json("weekly"),
        /expected an EventBridge schedule expression: cron\(minutes hours day-of-month month day-of-week year\) or rate\(value unit\), such as cron\(0 9 \? \* MON \*\)$/,
        (doc) => {
            section(doc, "drill").schedule = "weekly";
        },
    ),
    // noiseRules
    config(
        "a noise rule that would hide HIGH findings",
        "noiseRules[0].severities[1]",
        json("HIGH"),
        /expected one of INFORMATIONAL, LOW, MEDIUM: no rule may hide a HIGH or CRITICAL finding$/,
        (doc) => {
            doc.config[`${NS}:noiseRules`] = [
                {
                    name: "quiet-sandbox",
                    service: "securityhub",
                    reason: "Sandbox accounts are noisy by design",
                    severities: ["MEDIUM", "HIGH"],
                    controlIds: ["EC2.10"],
                },
            ];
        },
    ),
    config(
        "a Security Hub noise rule that names no control",
        "noiseRules[0].controlIds",
        "(missing)",
        /expected the control IDs a securityhub rule hides: a control's severity is its own, another product's finding can rise to HIGH after it was suppressed$/,
        (doc) => {
            doc.config[`${NS}:noiseRules`] = [
                {
                    name: "quiet",
                    service: "securityhub",
                    reason: "Everything low is noise here",
                    severities: ["LOW"],
                },
            ];
        },
    ),
    config(
        "a Macie noise rule on a severity Macie does not have",
        "noiseRules[0].severities",
        json(["INFORMATIONAL"]),
        /expected LOW or MEDIUM on a macie rule: Macie's severities are Low, Medium and High$/,
        (doc) => {
            doc.config[`${NS}:noiseRules`] = [
                {
                    name: "quiet-macie",
                    service: "macie",
                    reason: "Log buckets hold no personal data",
                    severities: ["INFORMATIONAL"],
                    bucketNames: ["example-logs"],
                },
            ];
        },
    ),
    config(
        "a Macie noise rule narrowed by severity alone",
        "noiseRules[0].findingTypes",
        "(missing)",
        /expected accountIds, findingTypes or bucketNames on a macie rule: a rule narrowed by severity alone would hide every such finding everywhere$/,
        (doc) => {
            doc.config[`${NS}:noiseRules`] = [
                {
                    name: "quiet-macie",
                    service: "macie",
                    reason: "Low Macie findings are noise here",
                    severities: ["LOW"],
                },
            ];
        },
    ),
    config(
        "a Macie noise rule while Macie is off",
        "noiseRules[0].service",
        json("macie"),
        /expected macie\.enabled true: the rule is a Macie findings filter, and the service is off$/,
        (doc) => {
            section(doc, "macie").enabled = false;
            doc.config[`${NS}:noiseRules`] = [
                {
                    name: "quiet-macie",
                    service: "macie",
                    reason: "Log buckets hold no personal data",
                    severities: ["LOW"],
                    bucketNames: ["example-logs"],
                },
            ];
        },
    ),
    // flags
    flags(
        "--accounts not a number",
        "--accounts",
        json("ten"),
        /expected a whole number of accounts from 2 to 100000$/,
        ["--accounts", "ten"],
        { subprocess: true },
    ),
    flags(
        "--accounts below 2",
        "--accounts",
        json("1"),
        /expected a whole number of accounts from 2 to 100000$/,
        ["--accounts", "1"],
    ),
    flags(
        "--accounts above 100000",
        "--accounts",
        json("100001"),
        /expected a whole number of accounts from 2 to 100000$/,
        ["--accounts", "100001"],
    ),
    flags(
        "--accounts not a whole number",
        "--accounts",
        json("2.5"),
        /expected a whole number of accounts from 2 to 100000$/,
        ["--accounts", "2.5"],
    ),
    flags(
        "unknown flag",
        "'--acounts'",
        undefined,
        /^Unknown option '--acounts': expected one of --stack NAME, --accounts N, --org FILE, --json FILE, --help$/,
        ["--acounts", "10"],
        { subprocess: true },
    ),
    flags(
        "a stack name without --stack",
        "'prod'",
        undefined,
        /^Unexpected argument 'prod': expected one of --stack NAME, /,
        ["prod"],
    ),
    flags(
        "--stack without a value",
        "'--stack <value>'",
        undefined,
        /argument missing: expected one of --stack NAME, /,
        ["--stack"],
    ),
    flags(
        "--accounts with --org",
        "--accounts",
        `${json("10")} with --org ${json(fixture("org-bad-account-id.json"))}`,
        /expected one or the other, not both$/,
        ["--accounts", "10", "--org", fixture("org-bad-account-id.json")],
    ),
    flags(
        "unknown --stack",
        "--stack",
        json("staging"),
        /no such stack file \(Pulumi\.staging\.yaml\); available stacks: dev$/,
        ["--stack", "staging"],
    ),
    flags("empty --json path", "--json", json(""), /expected the path of the file to write the plan to$/, [
        "--json",
        "",
    ]),

    // --org fixtures
    flags(
        "missing --org file",
        "--org",
        json(fixture("no-such-org.json")),
        /file not found; expected a JSON file like \{ "Accounts": \[\.\.\.\] \}/,
        ["--org", fixture("no-such-org.json")],
    ),
    flags(
        "unreadable --org file (a directory)",
        "--org",
        json(FIXTURES),
        /cannot read file \(EISDIR: .*\); expected a JSON file like/,
        ["--org", FIXTURES],
    ),
    flags(
        "--org file that is not JSON",
        "--org",
        json(fixture("org-not-json.txt")),
        /not valid JSON \(.*\); expected a JSON file like \{ "Accounts": \[\.\.\.\] \}/,
        ["--org", fixture("org-not-json.txt")],
        { subprocess: true },
    ),
    flags(
        "a flag given twice",
        "--stack",
        undefined,
        /^--stack given 2 times \("dev", "prod"\): expected each flag once$/,
        ["--stack", "dev", "--stack", "prod"],
    ),
    flags(
        "--json into a folder that does not exist",
        "--json",
        json("no-such-folder/plan.json"),
        /: expected a file in an existing folder; .*no-such-folder does not exist$/,
        ["--json", "no-such-folder/plan.json"],
    ),
    flags(
        "--org listing cut short (a NextToken left in it)",
        "--org",
        json(fixture("org-cut-short.json")),
        /: NextToken "eyJ.*": the listing was cut short; expected every account \(run aws organizations list-accounts without --max-items\)\.$/,
        ["--org", fixture("org-cut-short.json")],
    ),
    flags(
        "--org fixture with a malformed account ID",
        "--org",
        json(fixture("org-bad-account-id.json")),
        /not an organization fixture: Accounts\[1\]\.Id: expected a 12-digit account ID, got "2222"$/,
        ["--org", fixture("org-bad-account-id.json")],
    ),
    flags(
        "--org fixture with an unknown account state",
        "--org",
        json(fixture("org-unknown-state.json")),
        /Accounts\[1\]\.State: expected one of ACTIVE, .*SUSPENDED, got "ENABLED"$/,
        ["--org", fixture("org-unknown-state.json")],
    ),
    flags(
        "--org fixture that is a bare list",
        "--org",
        json(fixture("org-top-level-array.json")),
        /\(top level\): expected an object like \{ "Accounts": \[\.\.\.\] \}.*, got an array$/,
        ["--org", fixture("org-top-level-array.json")],
    ),
    flags(
        "--org fixture listing an account twice",
        "--org",
        json(fixture("org-duplicate-account.json")),
        /Accounts\[2\]\.Id: duplicate account ID "222222222222" \(also Accounts\[1\]\); expected each account once\.$/,
        ["--org", fixture("org-duplicate-account.json")],
    ),
    flags(
        "--org fixture without the security admin account",
        "--org",
        json(fixture("org-without-security-admin.json")),
        /Accounts: expected an ACTIVE account 222222222222 \(the stack's security-governance:accounts\.securityAdmin\), got none\.$/,
        ["--org", fixture("org-without-security-admin.json")],
        { subprocess: true },
    ),
    flags(
        "--org fixture with the security admin account suspended",
        "--org",
        json(fixture("org-security-admin-suspended.json")),
        /expected an ACTIVE account 222222222222 \(the stack's security-governance:accounts\.securityAdmin\), got one in state SUSPENDED\.$/,
        ["--org", fixture("org-security-admin-suspended.json")],
    ),
    flags(
        "--org fixture of another organization",
        "--org",
        json(fixture("org-other-management.json")),
        /ManagementAccountId: expected the stack's security-governance:accounts\.management 111111111111, got "999999999999"\.$/,
        ["--org", fixture("org-other-management.json")],
    ),
];

interface Outcome {
    code: number;
    stdout: string;
    stderr: string;
}

/** A throwaway project holding the case's stack file (or the unchanged dev stack, for flag cases). */
function caseProject(c: Case): string {
    if (c.kind === "flags") return projectDir({ "Pulumi.dev.yaml": DEV_YAML });
    const doc = devDocument();
    c.mutate(doc);
    return projectDir({ "Pulumi.dev.yaml": yaml.dump(doc, { lineWidth: -1 }) });
}

function caseArgv(c: Case): string[] {
    return c.kind === "flags" ? c.argv : ["--stack", "dev"];
}

/** `npm run plan` minus the process: the same function, run from the project directory. */
async function planInProcess(argv: string[], dir: string): Promise<Outcome> {
    const previous = process.cwd();
    const output = { stdout: "", stderr: "" };
    process.chdir(dir);
    try {
        const code = await runPlanCommand(argv, {
            stdout: (text) => (output.stdout += text),
            stderr: (text) => (output.stderr += text),
        });
        return { code, ...output };
    } finally {
        process.chdir(previous);
    }
}

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Exit 2, nothing on stdout, one problem naming the key, the value and what is allowed, no trace. */
function assertOneProblem(c: Case, outcome: Outcome): void {
    const report = `exit ${outcome.code}\nstdout: ${outcome.stdout}\nstderr: ${outcome.stderr}`;
    assert.equal(outcome.code, 2, report);
    assert.equal(outcome.stdout, "", report);
    assert.doesNotMatch(outcome.stderr, /^[ \t]+at /m, `a stack trace:\n${report}`);
    let problem: string;
    if (c.kind === "config") {
        const match = /^Invalid stack configuration:\n {2}- ([^\n]+)\n$/.exec(outcome.stderr);
        assert.ok(match, `not exactly one problem line:\n${report}`);
        problem = match[1];
        const head = c.value === undefined ? `${c.key}: unknown ` : `${c.key} = ${c.value}`;
        assert.ok(problem.startsWith(head), `expected the problem to start with ${head}:\n${problem}`);
        assert.match(problem, c.value === undefined ? /; (allowed keys here: |expected )/ : /: expected /);
    } else {
        const match = /^([^\n]+)\n$/.exec(outcome.stderr);
        assert.ok(match, `not exactly one line:\n${report}`);
        problem = match[1];
        assert.ok(problem.includes(c.key), `${c.key} not named:\n${problem}`);
        if (c.value !== undefined) {
            assert.match(problem, new RegExp(`^${escape(c.key)} ${escape(c.value)}[:;,]? `), problem);
        }
        assert.match(problem, /expected |available stacks: /);
    }
    assert.match(problem, c.expect);
}

/** Config values as the Pulumi engine hands them to the program: strings, objects as JSON text. */
function engineConfig(doc: StackDocument): Record<string, string> {
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config)) {
        values[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return values;
}

/**
 * Runs index.ts as `pulumi up` would, under mocks that count resource registrations, with the
 * fixture organization the plan uses for the dev stack.
 */
async function runProgram(doc: StackDocument): Promise<{ error: unknown; registered: string[] }> {
    const registered: string[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                // The root stack is the runtime's own, registered before the program runs.
                if (args.type !== "pulumi:pulumi:Stack") registered.push(`${args.type}::${args.name}`);
                return {
                    id: `${args.name}-id`,
                    state: { ...args.inputs, arn: `arn:aws:mock:::${args.name}` },
                };
            },
            call() {
                return {};
            },
        },
        PROJECT,
        "dev",
        false,
    );
    pulumi.runtime.setAllConfig(engineConfig(doc));
    const organization = generateOrganization(12, {
        management: "111111111111",
        securityAdmin: "222222222222",
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require("../index") as typeof import("../index");
    let error: unknown;
    try {
        await pulumi.runtime.runInPulumiStack(() =>
            main({ organizationsClient: mockOrganizationsClient(organization), progress: () => undefined }),
        );
    } catch (caught) {
        error = caught;
    } finally {
        // As tools/plan-runtime.ts does: later plans in this process need a clean runtime.
        await pulumi.runtime.disconnect();
    }
    return { error, registered };
}

describe("bad input: each mistake stops the plan with exit 2 and one message", function () {
    this.timeout(120_000);
    const dirs: string[] = [];
    after(() => {
        for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("has a catalogue of at least 40 cases with unique names, covering every configuration key", () => {
        assert.ok(CASES.length >= 40, `${CASES.length} cases`);
        assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);
        const keys = [
            "aws:region",
            "accounts",
            "accounts.management",
            "accounts.securityAdmin",
            "accounts.managementRoleArn",
            "regions",
            "findingsExport.retentionDays",
            "findingsExport.archiveAfterDays",
            "findingsExport.kmsDeletionWindowDays",
            "findingsExport.protectData",
            "guardduty.publishingFrequency",
            "guardduty.protections",
            "guardduty.trustedIps",
            "guardduty.threatLists",
            "guardduty.suppressionRules",
            "securityHub.standards",
            "securityHub.disabledControls",
            "macie.enabled",
            "macie.publishingFrequency",
            "detective.enabled",
            "inspector.enabled",
            "inspector.resourceTypes",
            "notifications.emails",
            "notifications.minSeverity",
            "notifications.alwaysAlertOn",
            "organizationalUnits",
            "noiseRules",
        ].map((key) => (key === "aws:region" ? key : `${NS}:${key}`));
        const covered = CASES.filter((c) => c.kind === "config").map((c) => c.key);
        for (const key of keys) {
            assert.ok(
                covered.some(
                    (path) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`),
                ),
                `no case for ${key}`,
            );
        }
        const flagKeys = CASES.filter((c) => c.kind === "flags").map((c) => c.key);
        for (const flag of ["--accounts", "--stack", "--org", "--json", "'--acounts'"]) {
            assert.ok(flagKeys.includes(flag), `no case for ${flag}`);
        }
        assert.ok(CASES.filter((c) => c.subprocess).length >= 5);
    });

    it("accepts the dev stack as the cases write it, unchanged (so each case is exactly one mistake)", () => {
        const dir = projectDir({ "Pulumi.dev.yaml": yaml.dump(devDocument(), { lineWidth: -1 }) });
        dirs.push(dir);
        const values = readStackConfigValues("dev", dir);
        assert.deepEqual(values, devDocument().config);
        assert.deepEqual(parseStackConfig(values).regions, ["eu-west-1", "us-east-1"]);
    });

    for (const c of CASES) {
        it(`${c.name}: names ${c.key}`, async () => {
            const dir = caseProject(c);
            dirs.push(dir);
            assertOneProblem(c, await planInProcess(caseArgv(c), dir));
        });
    }

    describe("as real processes (npm run plan)", function () {
        this.timeout(180_000);
        for (const c of CASES.filter((candidate) => candidate.subprocess)) {
            it(`${c.name}: exit 2, empty stdout, no stack trace`, () => {
                const dir = caseProject(c);
                dirs.push(dir);
                const result = runPlanCli(caseArgv(c), dir);
                assert.ok(result.status !== null, "the process was killed");
                assertOneProblem(c, { code: result.status, stdout: result.stdout, stderr: result.stderr });
            });
        }
    });

    describe("through index.ts under the Pulumi runtime (as pulumi up runs it)", function () {
        this.timeout(180_000);

        it("registers resources for the unchanged dev stack (the counter works)", async () => {
            const { error, registered } = await runProgram(devDocument());
            assert.equal(error, undefined, String(error));
            assert.ok(registered.length > 50, `${registered.length} resources`);
        });

        for (const c of CASES.filter(
            (candidate): candidate is ConfigCase => candidate.kind === "config" && candidate.program === true,
        )) {
            it(`${c.name}: fails with the plan's message and registers no resource`, async () => {
                const dir = caseProject(c);
                dirs.push(dir);
                const planned = await planInProcess(caseArgv(c), dir);
                const doc = devDocument();
                c.mutate(doc);
                const { error, registered } = await runProgram(doc);
                assert.ok(pulumi.RunError.isInstance(error), `expected a RunError, got ${String(error)}`);
                assert.equal((error as Error).message, planned.stderr.trimEnd());
                assert.deepEqual(registered, []);
            });
        }
    });
});

describe("CONTRIBUTING.md's bad-input catalogue", () => {
    const guide = fs.readFileSync(path.join(__dirname, "..", "CONTRIBUTING.md"), "utf8");
    const start = guide.indexOf("\n## Bad input: what is checked\n");
    const end = guide.indexOf("\n## ", start + 1);
    const section = guide.slice(start, end === -1 ? undefined : end);

    it("finds its section", () => {
        assert.ok(start !== -1, 'CONTRIBUTING.md has a section "Bad input: what is checked"');
    });

    /** `guardduty.threatLists.known-c2[0]` -> `guardduty.threatLists.<name>[i]`, as the catalogue writes keys. */
    function normalized(key: string): string {
        let index = 0;
        return key
            .replace(/^security-governance:/, "")
            .replace(/threatLists\.[^[]+/, "threatLists.<name>")
            .replace(/\[\d+\]/g, () => `[${"ijk"[index++] ?? "n"}]`)
            .replace(/^(adopt\.\w+)\..*$/, "$1");
    }

    it("states the number of cases the test runs", () => {
        const stated = /\((\d+) cases, one mistake each;/.exec(section);
        assert.ok(stated, "the catalogue states its number of cases");
        assert.equal(Number(stated[1]), CASES.length);
    });

    it("has a row for the key or flag of every case", () => {
        const documented = [...section.matchAll(/^\| ([^|]+)\|/gm)].flatMap((row) =>
            [...row[1].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/^…/, "")),
        );
        // A case without a value is an unknown key, namespace or argument: the rows for those cover it.
        const generic = (c: (typeof CASES)[number]) =>
            c.value === undefined &&
            (c.kind === "config"
                ? section.includes("\n| any key, at any level") && section.includes("\n| the namespace")
                : section.includes("\n| any other argument"));
        const missing = CASES.filter((c) => !generic(c))
            .map((c) => normalized(c.key))
            .filter(
                (key) =>
                    !documented.some(
                        (doc) =>
                            doc === key ||
                            key.endsWith(doc) ||
                            (doc.endsWith(".*") && key.startsWith(doc.slice(0, -1))),
                    ),
            );
        assert.deepEqual([...new Set(missing)], []);
    });
});
