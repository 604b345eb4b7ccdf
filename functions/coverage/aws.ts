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
} from "../enrollment/adapters";
import { awsClients } from "../enrollment/aws";
import type { CoverageDependencies } from "./run-coverage";
import { guarddutyDetectorId, readGuardDuty, readInspector, readMembers, readSecurityHub } from "./readers";

/**
 * The real readers, one client per service and region, each trying once: retries are the run's (one budget).
 * The scheduled function passes no credentials (its role); `npm run coverage` passes the user's.
 */
export function awsCoverageDependencies(
    options: { credentials?: AwsCredentialIdentityProvider; homeRegion?: string } = {},
): Pick<CoverageDependencies, "listAccounts" | "read"> {
    const { base, organizations } = awsClients(options);
    return {
        listAccounts: (run) => listOrganizationAccounts(organizations, run),
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
                case "securityhub":
                    return readSecurityHub(new SecurityHubClient(config), run);
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
            }
        },
    };
}
