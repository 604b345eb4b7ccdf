import type {
    Policies,
    Policy,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

/**
 * The pack judges only this program. Enabled for a whole Pulumi organization (its default policy group), it
 * would otherwise hold every other stack's buckets, keys and topics to the findings bucket's rules, and fail
 * stack-level checks such as guardrails-attached on stacks that never meant to govern detection.
 *
 * This program is recognised by its project, read from the URN Pulumi gives every resource
 * (`urn:pulumi:<stack>::<project>::<type>::<name>`, sdk/go/common/resource/urn/urn.go): the engine writes it,
 * a resource cannot set it, and the program refuses to run under another project name (stacks/load.ts), so
 * its stacks are never mistaken for someone else's, nor the other way round.
 */
export const PROJECT = "security-governance";

/** The project segment of a URN; undefined for anything that is not one. */
export function projectOf(urn: string): string | undefined {
    const match = /^urn:pulumi:[^:]+::([^:]+)::/.exec(urn);
    return match?.[1];
}

const elsewhere = (project: string | undefined) =>
    `judges only the ${PROJECT} project's stacks; this is ${project === undefined ? "no project's" : `project ${project}'s`}`;

type ResourceValidation = Extract<
    NonNullable<ResourceValidationPolicy["validateResource"]>,
    (...args: never[]) => unknown
>;

function scopedValidation(validate: ResourceValidation): ResourceValidation {
    const scopedOne: ResourceValidation = (args: ResourceValidationArgs, report) => {
        const project = projectOf(args.urn);
        if (project !== PROJECT) args.notApplicable(elsewhere(project));
        return validate(args, report);
    };
    // validateResourceOfType tags its function with the resource type; the server then skips other types
    // without calling it. Copying the tag keeps that.
    return Object.assign(scopedOne, validate);
}

function scopedResourcePolicy(policy: ResourceValidationPolicy): ResourceValidationPolicy {
    // A remediation would change other projects' resources; the pack has none, and one must be scoped first.
    if (policy.remediateResource !== undefined) {
        throw new Error(
            `policy ${policy.name}: remediateResource is not scoped to this project (policies/scope.ts)`,
        );
    }
    const validations = policy.validateResource;
    if (validations === undefined) return policy;
    return {
        ...policy,
        validateResource: Array.isArray(validations)
            ? validations.map(scopedValidation)
            : scopedValidation(validations),
    };
}

function scopedStackPolicy(policy: StackValidationPolicy): StackValidationPolicy {
    const validate = policy.validateStack;
    const scopedOne: typeof validate = (args: StackValidationArgs, report) => {
        // The stack resource itself carries the project; any resource does.
        const projects = new Set(args.resources.map((resource) => projectOf(resource.urn)));
        if (!projects.has(PROJECT)) args.notApplicable(elsewhere([...projects][0]));
        return validate(args, report);
    };
    // As for resource policies: whatever validateStackResourcesOfType attached stays.
    return { ...policy, validateStack: Object.assign(scopedOne, validate) };
}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
    return "validateStack" in policy;
}

/** Every policy, made to skip what is not this program's (reported as not applicable, with the reason). */
export function scoped(policies: Policies): Policies {
    return policies.map((policy) =>
        isStackPolicy(policy)
            ? scopedStackPolicy(policy)
            : scopedResourcePolicy(policy as ResourceValidationPolicy),
    );
}
