import { DetectiveClient } from "@aws-sdk/client-detective";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { Inspector2Client } from "@aws-sdk/client-inspector2";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import {
    detectiveGraphArn,
    detectiveService,
    listOrganizationAccounts,
    macieService,
    organizationalUnitTree,
} from "../enrollment/adapters";
import { awsClients } from "../enrollment/aws";
import type { CoverageDependencies } from "./run-coverage";
import {
    guarddutyDetectorId,
    readGuardDuty,
    readInspector,
    readConfigRecording,
    readMembers,
    readSecurityHub,
    withSecurityHubPolicies,
} from "./readers";

/**
 * The real readers, one client per service and region, each trying once: retries are the run's (one budget).
 * The scheduled function passes no credentials (its role); `npm run coverage` passes the user's. In
 * `securityHubPolicyRegion` (the home region) Security Hub's configuration policy associations are read too.
 */
export function awsCoverageDependencies(
    options: {
        credentials?: AwsCredentialIdentityProvider;
        homeRegion?: string;
        securityHubPolicyRegion?: string;
    } = {},
): Pick<CoverageDependencies, "listAccounts" | "read" | "organizationalUnitTree"> {
    const { base, organizations } = awsClients(options);
    return {
        listAccounts: (run) => listOrganizationAccounts(organizations, run),
        organizationalUnitTree: (organizationalUnit, run) =>
            organizationalUnitTree(organizations, organizationalUnit, run),
        async read(service, region, accounts, run) {
            const config = { ...base, region };
            switch (service) {
                case "guardduty": {
                    const client = new GuardDutyClient(config);
                    const detectorId = await guarddutyDetectorId(client, run);
                    return detectorId === undefined
                        ? "the administrator has no detector in this region"
                        : readGuardDuty(client, detectorId, run);
                }
                case "securityhub": {
                    const client = new SecurityHubClient(config);
                    const members = await readSecurityHub(client, run);
                    return region === options.securityHubPolicyRegion
                        ? withSecurityHubPolicies(client, members, run)
                        : members;
                }
                case "macie":
                    return readMembers(macieService(new Macie2Client(config), region), run);
                case "detective": {
                    const client = new DetectiveClient(config);
                    const graph = await detectiveGraphArn(client, run);
                    return graph === undefined
                        ? "the administrator has no behavior graph in this region"
                        : readMembers(detectiveService(client, region, graph), run);
                }
                case "inspector":
                    return readInspector(new Inspector2Client(config), accounts, run);
                case "config":
                    // The home region's client (the Lambda's own region when none is given): its findings include
                    // every linked region's.
                    return readConfigRecording(
                        new SecurityHubClient({
                            ...base,
                            ...(options.homeRegion ? { region: options.homeRegion } : {}),
                        }),
                        region,
                        run,
                    );
            }
        },
    };
}
