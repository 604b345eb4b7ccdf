import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { GUARDDUTY_LEVEL_STARTS, type PagingLevel } from "../stacks/alert-config";
import { ALERT_INPUT_PATHS, ALERT_INPUT_TEMPLATES, NOT_A_SAMPLE } from "./notifications";
import { alertTopic, publishOnlyFrom, subscribeByEmail } from "./alert-topic";
import type { ServiceAlert } from "./service-alerts";
import { watched, type Watched } from "./watched";

/*
 * Routing by severity: the most severe findings also go to a second topic, for whoever is paged
 * (`notifications.paging`). In addition to the e-mail topic, never instead of it. Every page is matched in the
 * home region, on events that are already there: each service's regional rules forward everything at or
 * above its e-mail threshold, and a page is never below that threshold.
 */

/**
 * New GuardDuty findings that page: not archived, first occurrence, not a sample, at or above both
 * `minSeverity` and where the paging level starts (GUARDDUTY_LEVEL_STARTS). Later occurrences are e-mailed as
 * updates, not paged again. A sample (CreateSampleFindings, `service.additionalInfo.sample` true) is e-mailed
 * by its own rule, which says it is a test, and never pages: the page would read "NEW GuardDuty finding" and
 * wake whoever is on call for no incident (docs/aws-gotchas.md, 20).
 */
export function findingPagingPattern(minSeverity: number, level: PagingLevel): object {
    return {
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: {
            service: {
                archived: [false],
                count: [{ numeric: ["=", 1] }],
                additionalInfo: { sample: NOT_A_SAMPLE },
            },
            severity: [{ numeric: [">=", Math.max(minSeverity, GUARDDUTY_LEVEL_STARTS[level])] }],
        },
    };
}

export interface FindingPagesArgs {
    securityAccountId: string;
    homeRegion: string;
    /** The alert topic's key, which already lets EventBridge have SNS encrypt with it (aws-gotchas 8). */
    keyArn: pulumi.Input<string>;
    level: PagingLevel;
    /** GuardDuty's e-mail threshold (notifications.minSeverity): nothing below it pages. */
    minSeverity: number;
    /** The other services' paging alerts (serviceAlerts with the paging level). */
    services: ServiceAlert[];
    emails: string[];
}

/** The paging topic, its subscriptions, and one home-region rule per service that pages. */
export class FindingPages extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    /** Its rules and topic, for the failure alarms. */
    public readonly watched: Watched;

    constructor(name: string, args: FindingPagesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:notifications:FindingPages", name, {}, opts);
        const home = args.homeRegion;
        const topic = alertTopic(`${name}-topic`, home, "Security finding pages", args.keyArn, this);
        const alerts = [
            {
                key: "guardduty",
                description: `New GuardDuty findings of ${args.level} severity`,
                pattern: findingPagingPattern(args.minSeverity, args.level),
                inputPaths: ALERT_INPUT_PATHS,
                inputTemplate: ALERT_INPUT_TEMPLATES.new,
            },
            ...args.services.map((alert) => ({ ...alert, key: alert.service })),
        ];
        const rules = alerts.map((alert) => ({
            alert,
            rule: new aws.cloudwatch.EventRule(
                `${name}-${alert.key}-${home}`,
                {
                    region: home,
                    description: `Pages: ${alert.description}`,
                    eventPattern: JSON.stringify(alert.pattern),
                },
                { parent: this },
            ),
        }));
        const topicPolicy = publishOnlyFrom(
            `${name}-topic-policy`,
            home,
            args.securityAccountId,
            topic,
            rules.map(({ rule }) => rule),
            this,
        );
        for (const { alert, rule } of rules) {
            new aws.cloudwatch.EventTarget(
                `${name}-${alert.key}-${home}`,
                {
                    region: home,
                    rule: rule.name,
                    arn: topic.arn,
                    inputTransformer: { inputPaths: alert.inputPaths, inputTemplate: alert.inputTemplate },
                },
                { parent: this, dependsOn: [topicPolicy] },
            );
        }
        subscribeByEmail(name, home, topic, args.emails, this);
        this.watched = watched({
            rules: rules.map(({ alert, rule }) => ({
                key: `${name}-${alert.key}-${home}`,
                ruleName: rule.name,
                region: home,
                what: `pages (${alert.description})`,
                deadLetterQueue: false,
            })),
            topics: [{ key: `${name}-topic`, topicName: topic.name, region: home, what: "the pages" }],
        });
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
