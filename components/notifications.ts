import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PROTECTED_NAMES } from "./guardrail-documents";
import { PARTITION } from "../stacks/regions";
import { DEFAULT_ALWAYS_ALERT_ON } from "../stacks/notifications-config";
import { alertKeyPolicy, alertTopic, publishOnlyFrom, subscribeByEmail } from "./alert-topic";
import type { ServiceAlert } from "./service-alerts";
import { watched, type Watched, type WatchedRule } from "./watched";
import { SAMPLE_HEADLINE_PREFIX } from "../functions/drill/inbox";

/*
 * Why per-region GuardDuty rules rather than one Security Hub rule in the home region.
 *
 * The alert settings are GuardDuty's own: a numeric severity threshold and GuardDuty finding types. The
 * native "GuardDuty Finding" event carries both exactly (`detail.severity`, `detail.type`). In a Security
 * Hub "Findings - Imported" event they are only approximated: severity is a label (a threshold of 8 would
 * have to alert on 7.0), and the type is rewritten into the ASFF taxonomy by a table, not a rule
 * ("DefenseEvasion:EC2/UnusualDNSResolver" becomes "TTPs/DefenseEvasion/EC2:Unusual-DNS-Resolver",
 * "CredentialAccess:IAMUser/AnomalousBehavior" becomes "TTPs/Credential Access/IAMUser-AnomalousBehavior"),
 * so a configured type could silently never match. Imported events also fire for every update of every
 * product's findings (control checks included), and reach the home region only after GuardDuty's export to
 * Security Hub (up to five minutes) and cross-region replication.
 *
 * So each governed region matches GuardDuty findings where they are raised (the administrator receives its
 * members' finding events) and forwards them to the home region's default event bus; one rule there sends
 * them to the topic. SNS targets must be in the rule's region, hence the forwarding. GuardDuty sends no
 * events for findings archived by suppression rules, so those rules silence alerts too.
 */

/**
 * Alert-worthy GuardDuty findings: not archived, and at or above `minSeverity`, or of one of the
 * always-alert types (the defaults plus `alwaysAlertOn`), or a hit on one of the organization's own threat
 * lists: every `*.Custom` type (UnauthorizedAccess:EC2/MaliciousIPCaller.Custom,
 * Recon:IAMUser/MaliciousIPCaller.Custom, ...) whatever its severity.
 *
 * `detail.service.archived` is true once an analyst archived the finding; GuardDuty keeps sending its
 * updates, which must not page again. Suffix matching is documented in the EventBridge user guide
 * ("Content filtering in Amazon EventBridge event patterns", suffix matching).
 */
export function findingAlertPattern(
    minSeverity: number,
    alwaysAlertOn: readonly string[],
    occurrence?: Occurrence,
): object {
    const types = [...new Set([...DEFAULT_ALWAYS_ALERT_ON, ...alwaysAlertOn])].sort();
    return {
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: {
            service:
                occurrence === undefined
                    ? { archived: [false] }
                    : occurrence === "sample"
                      ? { archived: [false], additionalInfo: { sample: [true] } }
                      : {
                            archived: [false],
                            count: [{ numeric: OCCURRENCE_COUNT[occurrence] }],
                            additionalInfo: { sample: NOT_A_SAMPLE },
                        },
            $or: [
                { severity: [{ numeric: [">=", minSeverity] }] },
                { type: [...types, { suffix: CUSTOM_THREAT_LIST_SUFFIX }] },
            ],
        },
    };
}

/**
 * A new finding or a later occurrence of one. `detail.service.count` is "the total count of the occurrences
 * of this finding type" (GuardDuty API reference, Service): 1 when GuardDuty raises the finding, higher in
 * each event it sends for the occurrences aggregated into it since (guardduty_findings_eventbridge.html).
 * A sample (CreateSampleFindings: `service.additionalInfo.sample` true, the field GuardDuty's guide filters
 * samples by) is alerted by a rule of its own, whose e-mail says it is a test.
 */
export type Occurrence = "new" | "update" | "sample";
const OCCURRENCE_COUNT: Record<Exclude<Occurrence, "sample">, [string, number]> = {
    new: ["=", 1],
    update: [">", 1],
};

/**
 * Not a sample: no `sample` field, or false. An array is an OR of its values, and `exists` matches a leaf
 * (EventBridge user guide, "Amazon EventBridge event patterns": matching values, exists matching).
 */
export const NOT_A_SAMPLE = [{ exists: false }, false];

/** GuardDuty names a finding raised by a custom threat list with this suffix. */
export const CUSTOM_THREAT_LIST_SUFFIX = ".Custom";

/** Finding fields shown in the alert, by the name the template uses. */
export const ALERT_INPUT_PATHS: Record<string, string> = {
    severity: "$.detail.severity",
    type: "$.detail.type",
    account: "$.detail.accountId",
    region: "$.detail.region",
    resource: "$.detail.resource.resourceType",
    title: "$.detail.title",
    findingId: "$.detail.id",
    count: "$.detail.service.count",
    firstSeen: "$.detail.service.eventFirstSeen",
    lastSeen: "$.detail.service.eventLastSeen",
    createdAt: "$.detail.createdAt",
    updatedAt: "$.detail.updatedAt",
};

/**
 * The e-mail bodies, by occurrence: one quoted string per line, the form GuardDuty's own EventBridge guide
 * uses for SNS e-mail. The first line says whether the finding is new or an update of one already alerted
 * (GuardDuty aggregates repeated activity into the same finding and raises its count). The console link
 * opens the finding in the security account, which sees every member's findings.
 */
export const ALERT_INPUT_TEMPLATES: Record<Occurrence, string> = {
    new: alertTemplate('"NEW GuardDuty finding: <title>"'),
    update: alertTemplate('"UPDATED GuardDuty finding, occurrence <count>: <title>"'),
    sample: alertTemplate(
        `"${SAMPLE_HEADLINE_PREFIX} (made by CreateSampleFindings to test alerting: not an incident): <title>"`,
    ),
};

/**
 * The sample e-mail when the weekly drill is on. The rule cannot tell who made a sample (the event carries no
 * caller), so the e-mail says what the drill makes and that a person may make others: either way not an incident.
 */
export function drillSampleTemplate(drillFindingType: string): string {
    return alertTemplate(
        `"${SAMPLE_HEADLINE_PREFIX} (DRILL or test, not an incident: the weekly drill makes a ${drillFindingType} sample with CreateSampleFindings; a person may make others): <title>"`,
    );
}

function alertTemplate(headline: string): string {
    return [
        headline,
        '""',
        '"Severity: <severity> of 10 (4+ MEDIUM, 7+ HIGH, 9+ CRITICAL)"',
        '"Type: <type>"',
        '"Account: <account>"',
        '"Region: <region>"',
        '"Resource: <resource>"',
        '"Occurrences: <count>"',
        '"Activity first seen: <firstSeen>; last seen: <lastSeen>"',
        '"Finding created: <createdAt>; updated: <updatedAt>"',
        '""',
        '"Console (security account): https://<region>.console.aws.amazon.com/guardduty/home?region=<region>#/findings?macros=current&fId=<findingId>"',
    ].join("\n");
}

const HOME_RULE_SUFFIX: Record<Occurrence, string> = { new: "", update: "-updates", sample: "-samples" };
const HOME_RULE_WHAT: Record<Occurrence, string> = {
    new: "new findings",
    update: "updates",
    sample: "sample findings (tests, not incidents)",
};

/** The home region's default bus, where every region's forwarded findings arrive. */
export function homeEventBusArn(securityAccountId: string, homeRegion: string): string {
    return `arn:${PARTITION}:events:${homeRegion}:${securityAccountId}:event-bus/default`;
}

export interface FindingNotificationsArgs {
    /** The security account: owns the topic, key and rules, and is the only account EventBridge acts for. */
    securityAccountId: string;
    /** Home region: the topic, its key and the rule that publishes live here. */
    homeRegion: string;
    /** Governed regions: each one other than the home region forwards matching findings to it. */
    regions: string[];
    /** Addresses subscribed by e-mail (each must confirm the subscription). Default: none. */
    emails?: string[];
    /** Lowest GuardDuty severity alerted, 1-10 (4 MEDIUM, 7 HIGH, 9 CRITICAL). */
    minSeverity: number;
    /** Finding types alerted whatever their severity, in addition to DEFAULT_ALWAYS_ALERT_ON. Default: none. */
    alwaysAlertOn?: string[];
    /**
     * Finding types forwarded to the home region whatever their severity, without alerting: the responder's
     * triggers, which its rule in the home region matches. Default: none.
     */
    forwardAlsoTypes?: string[];
    /**
     * Alerts of the other services (components/service-alerts.ts), each with the governed regions where the
     * service runs; matched there and forwarded, or in the home region alone where `homeOnly`. Default: none.
     */
    services?: { alert: ServiceAlert; regions: string[] }[];
    /**
     * The weekly drill's finding type: its samples are alerted whatever their severity, and the sample e-mail says
     * the drill makes them. Default: no drill.
     */
    drillFindingType?: string;
    /** Waiting period before the topic's key can be deleted, 7-30 days. Default 30. */
    kmsDeletionWindowDays?: number;
    /** Protect the topic's key from deletion by Pulumi (and keep it if removed from the program). Default false. */
    protectData?: boolean;
}

/**
 * Important GuardDuty findings of every governed region, e-mailed from one KMS-encrypted SNS topic in the
 * home region: a CMK with rotation whose policy lets EventBridge encrypt (aws-gotchas 8), a topic
 * policy that lets only our alert rule publish, a rule per region (the non-home ones forwarding to the
 * home region's bus), and an input transformer that makes the e-mail readable by whoever is on call.
 */
export class FindingNotifications extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    public readonly keyArn: pulumi.Output<string>;
    /** The home-region rule that publishes new findings to the topic (a second one publishes updates). */
    public readonly alertRuleArn: pulumi.Output<string>;
    /** Every rule that delivers, and the topic, for the failure alarms. */
    public readonly watched: Watched;

    constructor(name: string, args: FindingNotificationsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:notifications:FindingNotifications", name, {}, opts);
        const home = args.homeRegion;
        const account = args.securityAccountId;
        const protectData = args.protectData ?? false;
        // What crosses regions: the alert-worthy findings and the responder's triggers. The home rules below
        // alert on the former only.
        const forwardAlso = args.forwardAlsoTypes ?? [];
        const pattern = JSON.stringify(
            findingAlertPattern(args.minSeverity, [...(args.alwaysAlertOn ?? []), ...forwardAlso]),
        );
        const description = `GuardDuty findings of severity ${args.minSeverity}+ or of an always-alert type`;

        const key = new aws.kms.Key(
            `${name}-key`,
            {
                region: home,
                description: "Encrypts the security finding alerts topic",
                enableKeyRotation: true,
                deletionWindowInDays: args.kmsDeletionWindowDays ?? 30,
                policy: JSON.stringify(alertKeyPolicy(account)),
                tags: { Purpose: PROTECTED_NAMES.alertsPurposeTag },
            },
            { parent: this, protect: protectData, retainOnDelete: protectData },
        );
        new aws.kms.Alias(
            `${name}-key-alias`,
            { region: home, name: `alias/${name}-finding-alerts`, targetKeyId: key.keyId },
            { parent: this },
        );
        const topic = alertTopic(`${name}-topic`, home, "Security finding alerts", key.arn, this);

        // Three home rules, so that the e-mail can say whether the finding is new, an update, or a sample.
        const homeRules = (["new", "update", "sample"] as const).map((occurrence) => {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${home}${HOME_RULE_SUFFIX[occurrence]}`,
                {
                    region: home,
                    description: `${description}: ${HOME_RULE_WHAT[occurrence]}`,
                    eventPattern: JSON.stringify(
                        findingAlertPattern(
                            args.minSeverity,
                            // The drill's samples whatever their severity, so that the drill never depends on it.
                            occurrence === "sample" && args.drillFindingType !== undefined
                                ? [...(args.alwaysAlertOn ?? []), args.drillFindingType]
                                : (args.alwaysAlertOn ?? []),
                            occurrence,
                        ),
                    ),
                },
                { parent: this },
            );
            return { occurrence, rule };
        });
        // One home rule per other service, named by it; its findings of other regions are forwarded below.
        const serviceRules = (args.services ?? []).map(({ alert, regions }) => ({
            alert,
            regions,
            rule: new aws.cloudwatch.EventRule(
                `${name}-${alert.service}-${home}`,
                { region: home, description: alert.description, eventPattern: JSON.stringify(alert.pattern) },
                { parent: this },
            ),
        }));
        const topicPolicy = publishOnlyFrom(
            `${name}-topic-policy`,
            home,
            account,
            topic,
            [...homeRules.map(({ rule }) => rule), ...serviceRules.map(({ rule }) => rule)],
            this,
        );
        const rules: WatchedRule[] = [
            ...homeRules.map(({ occurrence, rule }) => ({
                key: `${name}-${home}${HOME_RULE_SUFFIX[occurrence]}`,
                ruleName: rule.name,
                region: home,
                what: `GuardDuty alerts (${HOME_RULE_WHAT[occurrence]}) to the alert topic`,
                deadLetterQueue: false,
            })),
            ...serviceRules.map(({ alert, rule }) => ({
                key: `${name}-${alert.service}-${home}`,
                ruleName: rule.name,
                region: home,
                what: `${alert.description} to the alert topic`,
                deadLetterQueue: false,
            })),
        ];
        for (const { occurrence, rule } of homeRules) {
            new aws.cloudwatch.EventTarget(
                `${name}-${home}${HOME_RULE_SUFFIX[occurrence]}`,
                {
                    region: home,
                    rule: rule.name,
                    arn: topic.arn,
                    inputTransformer: {
                        inputPaths: ALERT_INPUT_PATHS,
                        inputTemplate:
                            occurrence === "sample" && args.drillFindingType !== undefined
                                ? drillSampleTemplate(args.drillFindingType)
                                : ALERT_INPUT_TEMPLATES[occurrence],
                    },
                },
                { parent: this, dependsOn: [topicPolicy] },
            );
        }
        for (const { alert, rule } of serviceRules) {
            new aws.cloudwatch.EventTarget(
                `${name}-${alert.service}-${home}`,
                {
                    region: home,
                    rule: rule.name,
                    arn: topic.arn,
                    inputTransformer: { inputPaths: alert.inputPaths, inputTemplate: alert.inputTemplate },
                },
                { parent: this, dependsOn: [topicPolicy] },
            );
        }
        subscribeByEmail(name, home, topic, args.emails ?? [], this);

        const forwarded = args.regions.filter((region) => region !== home);
        if (forwarded.length > 0) {
            const busArn = homeEventBusArn(account, home);
            const role = new aws.iam.Role(
                `${name}-forwarder`,
                {
                    description: "Lets EventBridge forward finding alerts to the home region's event bus",
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "events.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": account } },
                            },
                        ],
                    }),
                    tags: { Purpose: PROTECTED_NAMES.alertsPurposeTag },
                },
                { parent: this },
            );
            const rolePolicy = new aws.iam.RolePolicy(
                `${name}-forwarder`,
                {
                    role: role.name,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: busArn }],
                    }),
                },
                { parent: this },
            );
            for (const region of forwarded) {
                // Filtered where raised, so that only alert-worthy findings cross regions.
                const rule = new aws.cloudwatch.EventRule(
                    `${name}-${region}`,
                    {
                        region,
                        description: `${description}${forwardAlso.length > 0 ? " or a responder trigger" : ""}, forwarded to ${home}`,
                        eventPattern: pattern,
                    },
                    { parent: this },
                );
                new aws.cloudwatch.EventTarget(
                    `${name}-${region}`,
                    { region, rule: rule.name, arn: busArn, roleArn: role.arn },
                    { parent: this, dependsOn: [rolePolicy] },
                );
                rules.push({
                    key: `${name}-${region}`,
                    ruleName: rule.name,
                    region,
                    what: `GuardDuty findings of ${region} forwarded to ${home}`,
                    deadLetterQueue: false,
                });
            }
            for (const { alert, regions } of serviceRules) {
                if (alert.homeOnly) continue;
                for (const region of regions.filter((governed) => governed !== home)) {
                    const rule = new aws.cloudwatch.EventRule(
                        `${name}-${alert.service}-${region}`,
                        {
                            region,
                            description: `${alert.description}, forwarded to ${home}`,
                            eventPattern: JSON.stringify(alert.pattern),
                        },
                        { parent: this },
                    );
                    new aws.cloudwatch.EventTarget(
                        `${name}-${alert.service}-${region}`,
                        { region, rule: rule.name, arn: busArn, roleArn: role.arn },
                        { parent: this, dependsOn: [rolePolicy] },
                    );
                    rules.push({
                        key: `${name}-${alert.service}-${region}`,
                        ruleName: rule.name,
                        region,
                        what: `${alert.description} of ${region} forwarded to ${home}`,
                        deadLetterQueue: false,
                    });
                }
            }
        }

        this.watched = watched({
            rules,
            topics: [
                { key: `${name}-topic`, topicName: topic.name, region: home, what: "the finding alerts" },
            ],
        });
        this.topicArn = topic.arn;
        this.keyArn = key.arn;
        this.alertRuleArn = homeRules[0].rule.arn;
        this.registerOutputs({
            topicArn: this.topicArn,
            keyArn: this.keyArn,
            alertRuleArn: this.alertRuleArn,
        });
    }
}
