import * as z from "zod";
import { remediationSchema, type RemediationAction } from "./remediation";

/*
 * The descriptions of the `remediation` keys, for docs/configuration.md (tools/config-reference.ts). The other
 * sections carry theirs in their schemas; these are registered from here because the responder's Lambda
 * bundle includes stacks/remediation.ts: text added there would change the function's code hash, and every
 * stack would redeploy the responder with nothing changed. stacks/namespace-config.ts imports this file, so
 * the descriptions are there wherever the schema is read as a whole.
 */

function describe(schema: z.ZodType, description: string): void {
    z.globalRegistry.add(schema, { description });
}

const { shape } = remediationSchema;
describe(
    shape.exemptTag,
    "Resources carrying this tag (key=value) are never acted on (EC2 instances by their tags).",
);
describe(
    shape.exemptAccounts,
    "Accounts never acted on, besides the management and security accounts, which never are.",
);
describe(shape.exemptOrganizationalUnits, "OUs whose accounts (nested OUs included) are never acted on.");

const ACTIONS: Record<RemediationAction, string> = {
    blockRemoteAddress:
        "Action 1: deny the remote address of a network finding in the network ACL of the instance's subnets.",
    isolateInstance:
        "Action 2: snapshot the instance's volumes, then swap its security groups for a quarantine group.",
    containCredentials:
        "Action 3: deactivate an IAM user's access key, or revoke a role's sessions issued before now.",
    blockPublicBucket: "Action 4: turn on the bucket's public access block.",
};
for (const [action, description] of Object.entries(ACTIONS) as [RemediationAction, string][]) {
    describe(shape[action], description);
    const keys = shape[action].unwrap().shape;
    describe(
        keys.mode,
        "The action's rung: off; notify (describe it on the topic, change nothing); dry-run (work it out fully without acting); act.",
    );
    describe(
        keys.findingTypes,
        "The finding types that trigger the action, each of a resource type the action acts on.",
    );
    describe(keys.minSeverity, "The lowest GuardDuty severity that triggers the action.");
    describe(
        keys.organizationalUnits,
        "Where the action may dry-run or act: accounts in these OUs, nested OUs included. Left out: the whole organization. The exemptions apply within it.",
    );
}
describe(shape.blockRemoteAddress.unwrap().shape.expiresAfterHours, "Hours after which the block is lifted.");
describe(
    shape.isolateInstance.unwrap().shape.stopInstance,
    "Also stop the instance once isolated (its memory is lost).",
);
