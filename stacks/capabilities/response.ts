import type { FindingsExport } from "../../components/findings-export";
import type { FindingNotifications } from "../../components/notifications";
import { changingActions, ResponseFunction } from "../../components/response-function";
import { memberRoleTargets, ResponseMemberRole } from "../../components/response-member-role";
import { PARTITION } from "../regions";
import type { StackContext } from "./context";

/**
 * The response ladder, only when the stack has a remediation section: the responder in the security
 * account, and the role it acts through in members once a rung may change something (dry-run or act).
 */
export function respondToFindings(
    { config, organization, providers }: StackContext,
    findingsExport: FindingsExport,
    notifications: FindingNotifications,
): ResponseFunction | undefined {
    const { accounts, homeRegion } = config;
    if (config.remediation) {
        const response = new ResponseFunction(
            "response",
            {
                securityAccountId: accounts.securityAdmin,
                managementAccountId: accounts.management,
                homeRegion,
                remediation: config.remediation,
                neverTouch: {
                    [accounts.management]: "the management account",
                    [accounts.securityAdmin]: "the security account, where the responder runs",
                },
                bucketName: findingsExport.bucketName,
                bucketKeyArn: findingsExport.keyArn,
                topicArn: notifications.topicArn,
                topicKeyArn: notifications.keyArn,
                ...(config.drill.enabled ? { drillFindingType: config.drill.findingType } : {}),
            },
            { provider: providers.security },
        );
        const actions = changingActions(config.remediation);
        if (actions.length > 0)
            new ResponseMemberRole("response-member-role", {
                partition: PARTITION,
                securityAccountId: accounts.securityAdmin,
                organizationId: organization.id,
                targetIds: memberRoleTargets(config.remediation, actions, organization.rootId),
                homeRegion,
                responderRoleArn: response.roleArn,
                actions,
                stopInstance: config.remediation.isolateInstance.stopInstance,
                managementProvider: providers.management,
            });
        return response;
    }
    return undefined;
}
