import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RequiredPolicyType } from "../stacks/organization";
import { MAX_RCP_CHARACTERS, MAX_SCP_CHARACTERS, policyContent } from "./guardrail-documents";
import { GUARDRAIL_POLICY_NAMES, guardrailScps, type GuardrailParams } from "./guardrail-policies";
import { findingsResourceControlPolicy } from "./guardrail-perimeter";
import { findingsBucketName } from "./policy-documents";

/**
 * The policy types the guardrails attach. Neither needs a service's trusted access first; each must be
 * enabled on the root (Organizations API reference, EnablePolicyType; AttachPolicy fails with
 * PolicyTypeNotEnabledException otherwise).
 */
export const GUARDRAIL_POLICY_TYPES: RequiredPolicyType[] = [
    { type: "SERVICE_CONTROL_POLICY", configKey: "security-governance:guardrails.enabled" },
    { type: "RESOURCE_CONTROL_POLICY", configKey: "security-governance:guardrails.enabled" },
];

export interface GuardrailsArgs extends GuardrailParams {
    organizationId: string;
    /** Where the detection and footing SCPs are attached: the root ID (`r-xxxx`) or OU IDs. */
    targetIds: readonly string[];
    /** The findings key and the alert key, kept inside the organization by the RCP. */
    keyArns: pulumi.Input<string>[];
    /** Only the management account (or a delegated policy administrator) creates and attaches policies. */
    managementProvider: pulumi.ProviderResource;
}

/** Refuses, with the reason, a document Organizations would refuse at `pulumi up`. */
export function checkedContent(what: string, document: object, limit: number): string {
    const content = policyContent(document);
    if (content.length > limit) {
        throw new Error(
            `${what} is ${content.length} characters; Organizations takes at most ${limit} (orgs_reference_limits.html): name fewer roles in guardrails.exemptRoleArns and guardrails.breakGlassRoleArns`,
        );
    }
    return content;
}

/**
 * The guardrails (docs/guardrails.md): two service control policies on the targets that keep every member
 * account's detectors on and connected and what detection and response stand on in place, two on the security
 * account that keep what this stack owns there out of anyone's reach but the exempt roles, and a resource
 * control policy on the security account that keeps the findings bucket and keys inside the organization.
 *
 * SCPs do not apply to the management account nor to service-linked roles (Organizations user guide,
 * orgs_manage_policies_scps.html), so neither the services' own roles nor the management account are limited.
 * The policies and attachments are retained when the stack lets go of them, as the Inspector policy is:
 * `pulumi destroy` must not leave detection open to being switched off. Detaching is the organization
 * owners' decision, made in the management account.
 */
export class Guardrails extends pulumi.ComponentResource {
    public readonly policyIds: pulumi.Output<string>[];

    constructor(name: string, args: GuardrailsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:guardrails:Guardrails", name, {}, opts);
        const options = { parent: this, provider: args.managementProvider, retainOnDelete: true };

        const policy = (
            key: keyof typeof GUARDRAIL_POLICY_NAMES,
            type: string,
            description: string,
            content: pulumi.Input<string>,
            targets: readonly string[],
        ) => {
            const created = new aws.organizations.Policy(
                `${name}-${key}`,
                { name: GUARDRAIL_POLICY_NAMES[key], description, type, content },
                options,
            );
            for (const target of targets) {
                new aws.organizations.PolicyAttachment(
                    `${name}-${key}-${target}-attachment`,
                    { policyId: created.id, targetId: target },
                    { ...options, dependsOn: [created] },
                );
            }
            return created.id;
        };

        this.policyIds = [
            ...guardrailScps(args).map((scp) =>
                policy(
                    scp.key,
                    "SERVICE_CONTROL_POLICY",
                    scp.description,
                    checkedContent(`The ${scp.name} SCP`, scp.document, MAX_SCP_CHARACTERS),
                    scp.placement === "targets" ? args.targetIds : [args.securityAccountId],
                ),
            ),
            policy(
                "perimeter",
                "RESOURCE_CONTROL_POLICY",
                "The findings bucket and keys answer only the organization and services acting for it (security-governance)",
                pulumi.all(args.keyArns).apply((keyArns) =>
                    checkedContent(
                        "The findings RCP",
                        findingsResourceControlPolicy({
                            organizationId: args.organizationId,
                            bucketName: findingsBucketName(args.securityAccountId, args.homeRegion),
                            keyArns,
                        }),
                        MAX_RCP_CHARACTERS,
                    ),
                ),
                [args.securityAccountId],
            ),
        ];
        this.registerOutputs({ policyIds: this.policyIds });
    }
}
