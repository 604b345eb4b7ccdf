import { PROTECTED_NAMES } from "../../components/guardrail-documents";
import { FindingNotifications } from "../../components/notifications";
import { FindingPages } from "../../components/paging";
import { responseFindingTypes } from "../../components/response-function";
import { serviceAlerts } from "../../components/service-alerts";
import { offeredIn } from "../availability";
import type { StackContext } from "./context";

/**
 * Finding alerts by e-mail from every governed region (and the findings the responder acts on forwarded to
 * the home region), and the paging topic for the most severe ones when the config asks for it.
 */
export function alertOnFindings({ config, providers }: StackContext): {
    notifications: FindingNotifications;
    pages?: FindingPages;
} {
    const { accounts, regions, homeRegion } = config;
    const { security } = providers;
    // Named as the security-account guardrail expects its rules to be named.
    const notifications = new FindingNotifications(
        PROTECTED_NAMES.alertsComponentName,
        {
            securityAccountId: accounts.securityAdmin,
            homeRegion,
            regions,
            emails: config.notifications.emails,
            minSeverity: config.notifications.minSeverity,
            alwaysAlertOn: config.notifications.alwaysAlertOn,
            // The same regions each service is governed in (offeredIn, as its organization settings).
            services: serviceAlerts(
                config.notifications,
                { macie: config.macie.enabled, inspector: config.inspector.enabled },
                homeRegion,
            ).map((alert) => ({ alert, regions: offeredIn(alert.service, regions) })),
            ...(config.drill.enabled ? { drillFindingType: config.drill.findingType } : {}),
            forwardAlsoTypes: config.remediation ? responseFindingTypes(config.remediation) : [],
            kmsDeletionWindowDays: config.findingsExport.kmsDeletionWindowDays,
            protectData: config.findingsExport.protectData,
        },
        { provider: security },
    );
    const { paging } = config.notifications;
    if (paging === undefined) return { notifications };
    return {
        notifications,
        // Named under the alert component's prefix, so the security-account guardrail keeps its rules too.
        pages: new FindingPages(
            `${PROTECTED_NAMES.alertsComponentName}-paging`,
            {
                securityAccountId: accounts.securityAdmin,
                homeRegion,
                keyArn: notifications.keyArn,
                level: paging.minSeverity,
                minSeverity: config.notifications.minSeverity,
                services: serviceAlerts(
                    config.notifications,
                    { macie: config.macie.enabled, inspector: config.inspector.enabled },
                    homeRegion,
                    paging.minSeverity,
                ),
                emails: paging.emails,
            },
            { provider: security },
        ),
    };
}
