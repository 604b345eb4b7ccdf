import { Policies } from "@pulumi/policy";
import { detectivePolicies } from "./detective";
import { guarddutyPolicies } from "./guardduty";
import { guardrailPolicies } from "./guardrails";
import { inspectorPolicies } from "./inspector";
import { kmsPolicies } from "./kms";
import { maciePolicies } from "./macie";
import { monitoringPolicies } from "./monitoring";
import { noisePolicies } from "./noise";
import { notificationPolicies } from "./notifications";
import { organizationPolicies } from "./organization";
import { scoped } from "./scope";
import { securityhubPolicies } from "./securityhub";
import { storagePolicies } from "./storage";

/**
 * Every policy of the pack, each judging only this program's stacks (scope.ts). Kept apart from `index.ts` because constructing the `PolicyPack` starts
 * the analyzer server: tests and tools import this module instead.
 */
export const policies: Policies = scoped([
    ...guarddutyPolicies,
    ...storagePolicies,
    ...kmsPolicies,
    ...securityhubPolicies,
    ...maciePolicies,
    ...detectivePolicies,
    ...inspectorPolicies,
    ...organizationPolicies,
    ...notificationPolicies,
    ...guardrailPolicies,
    ...noisePolicies,
    ...monitoringPolicies,
]);
