import type { SimulationIdentityPolicy } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../components/policy-documents";
import type { PlanDocument } from "../../tools/plan-runtime";
import type { Call } from "./iam-calls";
import { simulate, type Decision } from "./iam";
import { readDocument, TEMPLATES, type Json } from "./iam-templates";

/*
 * The four roles of iam/ as a test calls them: the documents attached to each role in its CloudFormation template,
 * with the template's variables filled in for a stack, and simulated with @cloud-copilot/iam-simulate in Strict
 * mode (test/helpers/iam.ts).
 */

export type RoleKey = "deployer" | "preview" | "management" | "reader";

const ROLE_LOGICAL_IDS: Record<RoleKey, [template: string, logicalId: string]> = {
    deployer: ["security-account.template.yaml", "DeployerRole"],
    preview: ["security-account.template.yaml", "PreviewRole"],
    management: ["management-account.template.yaml", "ManagementRole"],
    reader: ["management-account.template.yaml", "ReaderRole"],
};

export const REPOSITORY = "octo-org/security-governance";

function roleSpec(key: RoleKey) {
    const [template, logicalId] = ROLE_LOGICAL_IDS[key];
    const role = TEMPLATES[template].roles.find((candidate) => candidate.logicalId === logicalId);
    if (role === undefined) throw new Error(`no ${logicalId} in ${template}`);
    return {
        ...role,
        account: template.startsWith("security") ? ("security" as const) : ("management" as const),
    };
}

export interface Stack {
    security: string;
    management: string;
    /** The GitHub environment that deploys the stack: the stack's name (docs/permissions.md). */
    environment: string;
}

export function stackOf(plan: PlanDocument): Stack {
    return {
        security: plan.accounts.securityAdmin,
        management: plan.accounts.management,
        environment: plan.stack,
    };
}

export function accountOf(key: RoleKey, stack: Stack): string {
    return roleSpec(key).account === "security" ? stack.security : stack.management;
}

export function roleArnOf(key: RoleKey, stack: Stack): string {
    return `arn:aws:iam::${accountOf(key, stack)}:role/${roleSpec(key).roleName}`;
}

/** CloudFormation's substitution of the template parameters and pseudo parameters, for the account of `key`. */
export function substitute(document: Json, key: RoleKey, stack: Stack): Json {
    const values: Record<string, string> = {
        "AWS::Partition": "aws",
        "AWS::AccountId": accountOf(key, stack),
        ManagementAccountId: stack.management,
        SecurityAccountId: stack.security,
        GitHubRepository: REPOSITORY,
        DeployEnvironment: stack.environment,
    };
    const walk = (value: Json): Json => {
        if (typeof value === "string") {
            return value.replace(/\$\{([A-Za-z:]+)\}/g, (whole, name: string) => {
                const replacement = values[name];
                if (replacement === undefined) throw new Error(`no value for ${whole}`);
                return replacement;
            });
        }
        if (Array.isArray(value)) return value.map(walk);
        if (value !== null && typeof value === "object") {
            return Object.fromEntries(Object.entries(value).map(([k, inner]) => [k, walk(inner)]));
        }
        return value;
    };
    return walk(document);
}

export function identityPolicies(key: RoleKey, stack: Stack): SimulationIdentityPolicy[] {
    return Object.values(roleSpec(key).policies).map((file) => ({
        name: file,
        policy: substitute(readDocument(file), key, stack) as unknown as PolicyDocument,
    }));
}

export function trustPolicy(key: RoleKey, stack: Stack): PolicyDocument {
    return substitute(readDocument(roleSpec(key).trust), key, stack) as unknown as PolicyDocument;
}

/** Whether `key` may make `call` in `account` (an identity-policy decision: the resource is the role's own account's). */
export async function decide(
    key: RoleKey,
    stack: Stack,
    call: Call,
    resource = call.resource,
): Promise<Decision> {
    const outcome = await simulate(
        {
            principal: roleArnOf(key, stack),
            action: call.action,
            resource,
            resourceAccount: accountOf(key, stack),
            context: call.context ?? {},
            identityPolicies: identityPolicies(key, stack),
        },
        call.resourcePolicy,
    );
    return outcome.decision;
}
