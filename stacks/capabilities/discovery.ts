import * as pulumi from "@pulumi/pulumi";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { GUARDRAIL_POLICY_TYPES } from "../../components/guardrails";
import { INSPECTOR_POLICY_TYPE } from "../../components/inspector";
import { SECURITYHUB_POLICY_TYPE } from "../../components/security-hub-v2";
import type { StackConfig } from "../config";
import { attachmentProblems, describeAttachments, guardrailAttachments } from "../guardrail-quotas";
import { guardrailTargetIds } from "../guardrails";
import { administratorProblems, delegatedAdministrators, designatedServices } from "../one-organization";
import {
    DiscoveryError,
    discoverOrganization,
    organizationsClient,
    requirePolicyTypes,
    type DiscoveryOptions,
    type Organization,
} from "../organization";

/** What the entry point may be given instead of AWS: the offline plan and the tests answer from a fixture. */
export interface DiscoveryDependencies {
    organizationsClient?: OrganizationsClient;
    progress?: (message: string) => void;
}

/**
 * The organization as the management role sees it, read before any resource is planned, with the checks
 * that must pass before the first change: the policy types the config needs are enabled, no other account
 * administers a service this stack designates (stacks/one-organization.ts), and the guardrails' targets have
 * room for their policies. A failed check stops the program with its message alone.
 */
export async function discoverGovernedOrganization(
    config: StackConfig,
    dependencies: DiscoveryDependencies,
): Promise<Organization> {
    const { accounts, homeRegion } = config;
    try {
        const discovery: DiscoveryOptions = {
            managementRoleArn: accounts.managementRoleArn,
            region: homeRegion,
            profile: config.awsProfile,
            expectedAccounts: { management: accounts.management, securityAdmin: accounts.securityAdmin },
            client: dependencies.organizationsClient,
            progress: dependencies.progress ?? ((message) => pulumi.log.info(message)),
        };
        // One client for every call: the management role is assumed once.
        discovery.client = organizationsClient(discovery);
        const organization = await discoverOrganization(discovery);
        requirePolicyTypes(organization, [
            ...(config.inspector.enabled ? [INSPECTOR_POLICY_TYPE] : []),
            ...(config.securityHub.v2.enabled ? [SECURITYHUB_POLICY_TYPE] : []),
            ...(config.guardrails.enabled ? GUARDRAIL_POLICY_TYPES : []),
        ]);
        // Before any resource: another administrator of a service this stack designates means a second stack
        // (or an earlier setup) over this organization, and the designation would fail halfway through.
        const administrators = await delegatedAdministrators(discovery, designatedServices(config));
        const others = administratorProblems(administrators, accounts.securityAdmin, organization.id);
        if (others.length > 0) throw new DiscoveryError(others.join("\n"));
        if (config.guardrails.enabled) {
            // Before any resource: a target already full refuses the attachment halfway through an update.
            const found = await guardrailAttachments(
                discovery,
                guardrailTargetIds(config.guardrails, organization.rootId),
                accounts.securityAdmin,
            );
            const problems = attachmentProblems(found);
            if (problems.length > 0) throw new DiscoveryError(problems.join("\n"));
            for (const target of found) discovery.progress?.(`guardrails: ${describeAttachments(target)}`);
        }
        return organization;
    } catch (error) {
        if (error instanceof DiscoveryError) throw new pulumi.RunError(error.message);
        throw error;
    }
}
