import type { FindingsExport } from "../../components/findings-export";
import { Guardrails } from "../../components/guardrails";
import type { FindingNotifications } from "../../components/notifications";
import { guardrailParams, guardrailTargetIds } from "../guardrails";
import type { StackContext } from "./context";

/**
 * The SCPs and the RCP that keep detection on, attached from the management account, when the config
 * enables them; they protect the export and alert keys by ARN.
 */
export function guardOrganization(
    { config, organization, providers }: StackContext,
    findingsExport: FindingsExport,
    notifications: FindingNotifications,
): void {
    if (config.guardrails.enabled) {
        const { guardrails } = config;
        new Guardrails(
            "guardrails",
            {
                organizationId: organization.id,
                targetIds: guardrailTargetIds(guardrails, organization.rootId),
                ...guardrailParams(guardrails, {
                    securityAccountId: config.accounts.securityAdmin,
                    homeRegion: config.homeRegion,
                    exemptTag: config.remediation?.exemptTag,
                    securityHubV2: config.securityHub.v2.enabled,
                }),
                keyArns: [findingsExport.keyArn, notifications.keyArn],
                managementProvider: providers.management,
            },
            { provider: providers.security },
        );
    }
}
