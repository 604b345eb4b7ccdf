import { DrillFunction } from "../../components/drill-function";
import type { FindingsExport } from "../../components/findings-export";
import type { FindingNotifications } from "../../components/notifications";
import { responseFindingTypes } from "../../components/response-function";
import { deliveryBoundMinutes } from "../drill-config";
import type { Administrators } from "./administrators";
import type { StackContext } from "./context";

/** Why the drill does not check the responder, or undefined when it does. */
export function responderNote(config: StackContext["config"]): string | undefined {
    if (config.remediation === undefined) return "the stack has no remediation section, so no responder";
    if (responseFindingTypes(config.remediation).includes(config.drill.findingType)) return undefined;
    return `no remediation rung that is on names ${config.drill.findingType}, so the responder is not invoked for it`;
}

/**
 * The weekly drill, on unless `drill.enabled` is false: a GuardDuty sample down the alert path to the topic (and
 * through the responder when it is invoked for the type), checked end to end, the result in the coverage report.
 */
export function drillAlertPath(
    { config, providers }: StackContext,
    administrators: Administrators,
    findingsExport: FindingsExport,
    notifications: FindingNotifications,
): DrillFunction | undefined {
    if (!config.drill.enabled) return undefined;
    const note = responderNote(config);
    return new DrillFunction(
        "drill",
        {
            securityAccountId: config.accounts.securityAdmin,
            homeRegion: config.homeRegion,
            findingType: config.drill.findingType,
            schedule: config.drill.schedule,
            boundMinutes: deliveryBoundMinutes(config.drill, config.guardduty.publishingFrequency),
            bucketName: findingsExport.bucketName,
            bucketKeyArn: findingsExport.keyArn,
            topicArn: notifications.topicArn,
            checksResponder: note === undefined,
            ...(note === undefined ? {} : { responderNote: note }),
            after: [administrators.detectors.detectors[config.homeRegion]].filter((d) => d !== undefined),
        },
        { provider: providers.security },
    );
}
