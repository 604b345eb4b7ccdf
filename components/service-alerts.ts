import {
    atOrAbove,
    INSPECTOR_SEVERITIES,
    MACIE_SEVERITIES,
    SECURITYHUB_SEVERITIES,
    SERVICE_LEVELS,
    type PagingLevel,
    type ServiceAlertsConfig,
} from "../stacks/alert-config";
import { NOT_A_SAMPLE } from "./notifications";

type MacieSeverity = (typeof MACIE_SEVERITIES)[number];
type InspectorSeverity = (typeof INSPECTOR_SEVERITIES)[number];
type SecurityHubSeverity = (typeof SECURITYHUB_SEVERITIES)[number];

/*
 * Alerts for the findings of Macie, Inspector and Security Hub CSPM, beside GuardDuty's
 * (components/notifications.ts): each matched on the service's own EventBridge event, with the service's own
 * severity words, and rendered into an e-mail that says what, where, how many times, when, and where to look.
 *
 * Event shapes, as each service documents them:
 * - Macie: "Macie Finding" from aws.macie, one per new finding and per later occurrence of a policy finding;
 *   none for findings a suppression rule archives (Macie user guide, findings-publish-event-schemas.html,
 *   findings-publish-frequency.html). `detail.severity.description` is "Low", "Medium" or "High".
 * - Inspector: "Inspector2 Finding" from aws.inspector2, "for newly generated findings and aggregated
 *   findings" and "for any changes to the state of a finding", to the delegated administrator as well as the
 *   member (Inspector user guide, eventbridge-integration.html). `detail.status` ACTIVE, SUPPRESSED or CLOSED.
 * - Security Hub CSPM: "Security Hub Findings - Imported" from aws.securityhub, one finding per event; "in an
 *   aggregation Region, the event feed includes events for findings from the aggregation Region and the
 *   linked Regions" (Security Hub CSPM user guide, securityhub-cwe-integration-types.html). A control finding
 *   has the ProductArn `arn:<partition>:securityhub:<region>::product/aws/securityhub`; GuardDuty's, Macie's
 *   and Inspector's imported copies carry their own products and are alerted on natively instead.
 */

export type AlertedService = "macie" | "inspector" | "securityhub";

/** One service's alert: its rule pattern and the input transformer that writes the e-mail. */
export interface ServiceAlert {
    service: AlertedService;
    /** The EventBridge pattern, the same in every region it is matched in. */
    pattern: object;
    /** Rule description. */
    description: string;
    inputPaths: Record<string, string>;
    inputTemplate: string;
    /**
     * Matched in the home region only: Security Hub CSPM already brings the linked regions' findings there, and
     * a rule in every region would alert on each finding twice.
     */
    homeOnly: boolean;
}

/** A Security Hub CSPM control finding's product: the service itself, in any region. */
export const CSPM_PRODUCT_SUFFIX = "::product/aws/securityhub";

const lines = (...text: string[]) => text.map((line) => JSON.stringify(line)).join("\n");

/**
 * Macie's alert; with `page`, a sample finding (CreateSampleFindings, `sample` true: "Depending on the findings
 * filters and publication settings for your Macie account, you can also work with the samples by using Amazon
 * EventBridge", Macie API reference, findings-sample.html) is left out: a page must mean an incident.
 */
export function macieAlert(severities: readonly MacieSeverity[], page = false): ServiceAlert {
    return {
        service: "macie",
        description: `Macie findings of severity ${severities.join(", ")}`,
        pattern: {
            source: ["aws.macie"],
            "detail-type": ["Macie Finding"],
            detail: {
                severity: { description: [...severities] },
                // Archived by hand: its later updates must not alert again.
                archived: [false],
                ...(page ? { sample: NOT_A_SAMPLE } : {}),
            },
        },
        inputPaths: {
            title: "$.detail.title",
            type: "$.detail.type",
            category: "$.detail.category",
            severity: "$.detail.severity.description",
            account: "$.detail.accountId",
            region: "$.detail.region",
            bucket: "$.detail.resourcesAffected.s3Bucket.name",
            object: "$.detail.resourcesAffected.s3Object.key",
            count: "$.detail.count",
            createdAt: "$.detail.createdAt",
            updatedAt: "$.detail.updatedAt",
            findingId: "$.detail.id",
        },
        inputTemplate: lines(
            "Macie finding, severity <severity>: <title>",
            "",
            "Type: <type> (<category>)",
            "Account: <account>",
            "Region: <region>",
            "Bucket: <bucket>",
            "Object: <object>",
            "Occurrences: <count>",
            "First seen: <createdAt>; last seen: <updatedAt>",
            "Finding ID: <findingId>",
            "",
            "Console (security account): https://<region>.console.aws.amazon.com/macie/home?region=<region>#/findings",
        ),
        homeOnly: false,
    };
}

export function inspectorAlert(severities: readonly InspectorSeverity[]): ServiceAlert {
    return {
        service: "inspector",
        description: `Active Inspector findings of severity ${severities.join(", ")}`,
        pattern: {
            source: ["aws.inspector2"],
            "detail-type": ["Inspector2 Finding"],
            // Suppressed and closed findings send events too; only an active one is news.
            detail: { severity: [...severities], status: ["ACTIVE"] },
        },
        inputPaths: {
            title: "$.detail.title",
            severity: "$.detail.severity",
            type: "$.detail.type",
            score: "$.detail.inspectorScore",
            account: "$.detail.awsAccountId",
            region: "$.detail.resources[0].region",
            resource: "$.detail.resources[0].id",
            resourceType: "$.detail.resources[0].type",
            firstSeen: "$.detail.firstObservedAt",
            lastSeen: "$.detail.lastObservedAt",
            updatedAt: "$.detail.updatedAt",
            findingArn: "$.detail.findingArn",
        },
        inputTemplate: lines(
            "Inspector finding, severity <severity>: <title>",
            "",
            "Type: <type>; Inspector score: <score>",
            "Account: <account>",
            "Region: <region>",
            "Resource: <resource> (<resourceType>)",
            // Inspector keeps one finding per vulnerability and resource and sends it again when it changes.
            "Occurrences: one finding per vulnerability and resource, sent again each time it changes",
            "First seen: <firstSeen>; last seen: <lastSeen>; updated: <updatedAt>",
            "Finding: <findingArn>",
            "",
            "Console (security account): https://<region>.console.aws.amazon.com/inspector/v2/home?region=<region>#/findings",
        ),
        homeOnly: false,
    };
}

export function securityHubAlert(
    severities: readonly SecurityHubSeverity[],
    homeRegion: string,
): ServiceAlert {
    return {
        service: "securityhub",
        description: `Security Hub CSPM control failures of severity ${severities.join(", ")}`,
        pattern: {
            source: ["aws.securityhub"],
            "detail-type": ["Security Hub Findings - Imported"],
            detail: {
                findings: {
                    ProductArn: [{ suffix: CSPM_PRODUCT_SUFFIX }],
                    Compliance: { Status: ["FAILED"] },
                    Severity: { Label: [...severities] },
                    // Archived when the resource is gone or the control is disabled.
                    RecordState: ["ACTIVE"],
                    // Every periodic check re-imports a failing control; marking the finding NOTIFIED (or
                    // SUPPRESSED) is how an analyst says it has been seen, and stops the repeats.
                    Workflow: { Status: ["NEW"] },
                },
            },
        },
        inputPaths: {
            title: "$.detail.findings[0].Title",
            control: "$.detail.findings[0].Compliance.SecurityControlId",
            severity: "$.detail.findings[0].Severity.Label",
            account: "$.detail.findings[0].AwsAccountId",
            region: "$.detail.findings[0].Region",
            resource: "$.detail.findings[0].Resources[0].Id",
            firstSeen: "$.detail.findings[0].FirstObservedAt",
            lastSeen: "$.detail.findings[0].LastObservedAt",
            updatedAt: "$.detail.findings[0].UpdatedAt",
            findingId: "$.detail.findings[0].Id",
        },
        inputTemplate: lines(
            "Security Hub CSPM control failed, severity <severity>: <control> <title>",
            "",
            "Account: <account>",
            "Region: <region>",
            "Resource: <resource>",
            "Occurrences: sent again at each check while the control fails and the finding's workflow is NEW",
            "First seen: <firstSeen>; last seen: <lastSeen>; updated: <updatedAt>",
            "Finding: <findingId>",
            "",
            `Console (security account, home region): https://${homeRegion}.console.aws.amazon.com/securityhub/home?region=${homeRegion}#/findings`,
        ),
        homeOnly: true,
    };
}

/** The alerts the config turns on, for the services the stack runs; with `paging`, only what pages. */
export function serviceAlerts(
    config: ServiceAlertsConfig,
    running: { macie: boolean; inspector: boolean },
    homeRegion: string,
    paging?: PagingLevel,
): ServiceAlert[] {
    // A page is an alert of the paging level or above: never a finding below the service's own threshold. With
    // the threshold above the paging level, pages start at the threshold; a scale without the paging level
    // (Macie's, for CRITICAL) pages nothing.
    const levels = <T extends string>(
        scale: readonly T[],
        threshold: T,
        starts: Readonly<Record<PagingLevel, T | undefined>>,
    ): T[] => {
        const alerted = atOrAbove(scale, threshold);
        if (paging === undefined) return alerted;
        const start = starts[paging];
        return start === undefined ? [] : alerted.filter((level) => atOrAbove(scale, start).includes(level));
    };
    const macie = levels(MACIE_SEVERITIES, config.macie.minSeverity, SERVICE_LEVELS.macie);
    const inspector = levels(INSPECTOR_SEVERITIES, config.inspector.minSeverity, SERVICE_LEVELS.inspector);
    const securityHub = levels(
        SECURITYHUB_SEVERITIES,
        config.securityHub.minSeverity,
        SERVICE_LEVELS.securityHub,
    );
    return [
        ...(running.macie && config.macie.enabled && macie.length > 0
            ? [macieAlert(macie, paging !== undefined)]
            : []),
        ...(running.inspector && config.inspector.enabled && inspector.length > 0
            ? [inspectorAlert(inspector)]
            : []),
        ...(config.securityHub.enabled && securityHub.length > 0
            ? [securityHubAlert(securityHub, homeRegion)]
            : []),
    ];
}
