import { DetectiveClient } from "@aws-sdk/client-detective";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import {
    accountsUnderOrganizationalUnit,
    detectiveGraphArn,
    detectiveService,
    listOrganizationAccounts,
    macieService,
} from "./adapters";
import type { EnrollmentDependencies } from "./run-enrollment";

/** Said when the administrator has no graph yet: Detective is enabled by the stack before it enrolls anyone. */
export const NO_GRAPH = "no behavior graph in this region yet";

/**
 * What every client of an in-account run starts from: one attempt (retries are the run's, one budget for
 * the whole run), the given credentials or the SDK's chain; and the Organizations client (global: the SDK's
 * endpoint rules map any region to its endpoint).
 */
export function awsClients(options: { credentials?: AwsCredentialIdentityProvider; homeRegion?: string }) {
    const base = { maxAttempts: 1, ...(options.credentials ? { credentials: options.credentials } : {}) };
    const organizations = new OrganizationsClient({
        ...base,
        ...(options.homeRegion ? { region: options.homeRegion } : {}),
    });
    return { base, organizations };
}

/**
 * The real enrollment dependencies, one client per service and region, each trying once: retries are the
 * run's (one budget). The function passes no credentials (its role); `npm run coverage -- --repair` passes
 * the user's. Organizations is global; the SDK's endpoint rules map any region to its endpoint.
 */
export function awsEnrollmentDependencies(
    options: {
        credentials?: AwsCredentialIdentityProvider;
        homeRegion?: string;
        progress?: (service: string, region: string) => void;
    } = {},
): EnrollmentDependencies {
    const { base, organizations } = awsClients(options);
    return {
        listAccounts: (run) => listOrganizationAccounts(organizations, run),
        accountsUnder: (organizationalUnit, run) =>
            accountsUnderOrganizationalUnit(organizations, organizationalUnit, run),
        async service(service, region, run) {
            options.progress?.(service, region);
            if (service === "macie") return macieService(new Macie2Client({ ...base, region }), region);
            const client = new DetectiveClient({ ...base, region });
            const graph = await detectiveGraphArn(client, run);
            return graph === undefined ? NO_GRAPH : detectiveService(client, region, graph);
        },
    };
}
