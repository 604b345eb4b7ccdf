import type { CoverageFunction } from "../../components/coverage-function";
import { COVERAGE_NAMESPACE } from "../../components/coverage-function";
import { SecurityDashboard } from "../../components/dashboard";
import {
    DRILL_DELIVERY_SECONDS_METRIC,
    DRILL_NAMESPACE,
    DRILL_PASSED_METRIC,
    type DrillFunction,
} from "../../components/drill-function";
import {
    alarmName,
    ALARMS_GUIDE,
    failureAlarmSpecs,
    FailureAlarms,
    heartbeatAlarmSpec,
    type AlarmSpec,
} from "../../components/failure-alarms";
import { PROTECTED_NAMES } from "../../components/guardrail-documents";
import type { FindingNotifications } from "../../components/notifications";
import type { FindingPages } from "../../components/paging";
import { RESPONDER_FUNCTION_NAME, type ResponseFunction } from "../../components/response-function";
import { WatchPath } from "../../components/watch-path";
import { allWatched, watched, type Watched } from "../../components/watched";
import { REPORT_WRITTEN_METRIC } from "../../functions/coverage/publish";
import { coverageExpectation } from "../coverage";
import { PARTITION } from "../regions";
import { watchEmails } from "../monitoring-config";
import type { StackContext } from "./context";

/** Reports stop arriving: the hourly coverage function wrote none for this many hours. */
export const COVERAGE_HEARTBEAT_HOURS = 3;

export interface Watchers {
    notifications: FindingNotifications;
    pages?: FindingPages;
    coverage: CoverageFunction;
    /** Functions, rules and queues of other capabilities (enrollment, responder, drill). */
    others: Watched[];
    response?: ResponseFunction;
    drill?: DrillFunction;
}

/** A drill that failed: its verdict is published once per drill (components/drill-function.ts). */
export function drillAlarmSpec(region: string): AlarmSpec {
    return {
        kind: "drill",
        name: alarmName("drill", "weekly"),
        region,
        description: `The weekly drill's sample finding did not reach the alert topic (or the responder acted on it). Its report, coverage/drill/latest.json, names the step. What to do: ${ALARMS_GUIDE} (drill).`,
        namespace: DRILL_NAMESPACE,
        metricName: DRILL_PASSED_METRIC,
        dimensions: {},
        statistic: "Minimum",
        // A drill's verdict is one datum a week: any failed one in a day alarms; no datum is no drill, not a failure.
        period: 86_400,
        evaluationPeriods: 1,
        threshold: 1,
        comparison: "LessThanThreshold",
        treatMissingData: "notBreaching",
    };
}

/**
 * Detection that watches itself: an alarm on every way the path from a finding to a person can fail silently,
 * in the region where it can fail, each reaching people by the watch path (components/watch-path.ts) rather than
 * the path it watches; the watch topic's own failures reach the alert topic. Then the dashboard.
 */
export function watchDetection({ config, providers }: StackContext, watchers: Watchers): WatchPath {
    const { homeRegion } = config;
    const provider = providers.security;
    const watchedPath = allWatched(
        watchers.notifications.watched,
        ...(watchers.pages ? [watchers.pages.watched] : []),
        watchers.coverage.watched,
        ...watchers.others,
    );
    const regions = [...new Set([homeRegion, ...alarmRegions(watchedPath)])];
    // Named under the alert component's prefix, so the security-account guardrail keeps its topics and keys.
    const path = new WatchPath(
        `${PROTECTED_NAMES.alertsComponentName}-watch`,
        {
            securityAccountId: config.accounts.securityAdmin,
            homeRegion,
            regions,
            emails: watchEmails(config.monitoring, config.notifications),
            kmsDeletionWindowDays: config.findingsExport.kmsDeletionWindowDays,
            protectData: config.findingsExport.protectData,
        },
        { provider },
    );
    const onPath: AlarmSpec[] = [
        ...failureAlarmSpecs(watchedPath),
        ...failureAlarmSpecs(watched({ queues: path.relayQueue ? [path.relayQueue] : [] })),
        heartbeatAlarmSpec({
            key: "coverage-reports",
            region: homeRegion,
            namespace: COVERAGE_NAMESPACE,
            metricName: REPORT_WRITTEN_METRIC,
            hours: COVERAGE_HEARTBEAT_HOURS,
            what: "coverage report written (the hourly coverage function is not running, or fails before it writes)",
        }),
        ...(watchers.drill ? [drillAlarmSpec(homeRegion)] : []),
    ];
    new FailureAlarms(
        "failure-alarms",
        { specs: onPath, actionIn: (region) => path.topicIn(region) },
        { provider },
    );
    // Each path watches the other: the watch topic's own failed deliveries go to the alert topic.
    const crossWatchSpecs = failureAlarmSpecs(
        watched({
            topics: [
                {
                    key: "watch-topic",
                    topicName: path.topicName,
                    region: homeRegion,
                    what: "the failure alarms",
                },
            ],
        }),
    );
    new FailureAlarms(
        "watch-path-alarms",
        { specs: crossWatchSpecs, actionIn: () => watchers.notifications.topicArn },
        { provider },
    );
    if (config.monitoring.dashboard) {
        const expectation = coverageExpectation(config);
        new SecurityDashboard(
            "dashboard",
            {
                homeRegion,
                coverage: {
                    namespace: COVERAGE_NAMESPACE,
                    rows: Object.entries(expectation.regions).flatMap(([service, list]) =>
                        (list ?? []).map((region) => ({ service, region })),
                    ),
                },
                // The alarm ARN, as the Service Authorization Reference writes it: known before the alarms exist.
                alarmArns: [...onPath, ...crossWatchSpecs].map(
                    (spec) =>
                        `arn:${PARTITION}:cloudwatch:${spec.region}:${config.accounts.securityAdmin}:alarm:${spec.name}`,
                ),
                ...(watchers.response ? { responderLogGroup: `/aws/lambda/${RESPONDER_FUNCTION_NAME}` } : {}),
                ...(watchers.drill
                    ? {
                          drill: {
                              namespace: DRILL_NAMESPACE,
                              passed: DRILL_PASSED_METRIC,
                              deliverySeconds: DRILL_DELIVERY_SECONDS_METRIC,
                          },
                      }
                    : {}),
            },
            { provider },
        );
    }
    return path;
}

function alarmRegions(w: Watched): string[] {
    return [...w.rules, ...w.functions, ...w.queues, ...w.topics].map((item) => item.region);
}
