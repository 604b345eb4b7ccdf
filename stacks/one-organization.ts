import { ListDelegatedAdministratorsCommand } from "@aws-sdk/client-organizations";
import type { DelegatedService } from "../components/delegated-admin";
import { callOrganizations, organizationsClient, type DiscoveryOptions } from "./organization";

/*
 * One stack governs one organization, through one security account. What the plan can see of a second stack
 * (or an earlier setup) over the same organization: another account already registered as a service's
 * delegated administrator. The designation here would fail on it halfway through an update; it is said first.
 */

/**
 * The service principal under which Organizations registers each service's delegated administrator. The
 * management account's designation through the service (guardduty:EnableOrganizationAdminAccount, ...) needs
 * organizations:RegisterDelegatedAdministrator and ListDelegatedAdministrators for that reason (GuardDuty user
 * guide, "Permissions required to designate a delegated GuardDuty administrator account"). Principals:
 * Organizations user guide, "AWS services that you can use with AWS Organizations".
 */
export const DELEGATED_PRINCIPALS: Record<DelegatedService, string> = {
    guardduty: "guardduty.amazonaws.com",
    securityhub: "securityhub.amazonaws.com",
    macie: "macie.amazonaws.com",
    detective: "detective.amazonaws.com",
    inspector: "inspector2.amazonaws.com",
};

/** Per service principal, the accounts Organizations lists as its delegated administrators (every page). */
export async function delegatedAdministrators(
    options: DiscoveryOptions,
    services: readonly DelegatedService[],
): Promise<Map<string, string[]>> {
    const client = organizationsClient(options);
    const found = new Map<string, string[]>();
    for (const service of services) {
        const principal = DELEGATED_PRINCIPALS[service];
        const ids: string[] = [];
        let nextToken: string | undefined;
        do {
            const page = await callOrganizations(options, "ListDelegatedAdministrators", () =>
                client.send(
                    new ListDelegatedAdministratorsCommand({
                        ServicePrincipal: principal,
                        NextToken: nextToken,
                    }),
                ),
            );
            ids.push(
                ...(page.DelegatedAdministrators ?? []).flatMap((admin) => (admin.Id ? [admin.Id] : [])),
            );
            nextToken = page.NextToken;
        } while (nextToken !== undefined);
        found.set(principal, ids);
    }
    return found;
}

/** One line per other administrator, naming what to do; empty when the security account is the only one. */
export function administratorProblems(
    found: Map<string, string[]>,
    securityAdmin: string,
    organizationId: string,
): string[] {
    const byAccount = new Map<string, string[]>();
    for (const [principal, ids] of found) {
        for (const id of ids.filter((id) => id !== securityAdmin)) {
            byAccount.set(id, [...(byAccount.get(id) ?? []), principal]);
        }
    }
    return [...byAccount].map(
        ([id, principals]) =>
            `security-governance:accounts.securityAdmin = "${securityAdmin}": organization ${organizationId} already has ${id} as the delegated administrator of ${principals.join(", ")}; one stack governs one organization through one security account, so another stack or an earlier setup (a Control Tower audit account) holds these services: set accounts.securityAdmin to ${id}, or remove that designation from the management account first (docs/deploying.md, "An administrator is already designated elsewhere")`,
    );
}

/** The services index.ts designates the security account for: GuardDuty and Security Hub always. */
export function designatedServices(config: {
    macie: { enabled: boolean };
    detective: { enabled: boolean };
    inspector: { enabled: boolean };
}): DelegatedService[] {
    return [
        "guardduty",
        "securityhub",
        ...(config.macie.enabled ? (["macie"] as const) : []),
        ...(config.detective.enabled ? (["detective"] as const) : []),
        ...(config.inspector.enabled ? (["inspector"] as const) : []),
    ];
}
