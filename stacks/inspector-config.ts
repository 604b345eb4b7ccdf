import * as z from "zod";
import type { ResourceScanType } from "@aws-sdk/client-inspector2";
import { uniqueArray } from "./schema-parts";

/*
 * The `inspector` section, and the scan-type list an OU scope (stacks/organizational-units.ts) may replace.
 */

/**
 * Every scan type Inspector's `Enable` accepts: the `ResourceScanType` enum of @aws-sdk/client-inspector2
 * (models/enums.d.ts). `satisfies` keeps this list inside the SDK's enum, and test/first-contact checks that it
 * covers all of it.
 */
export const INSPECTOR_RESOURCE_TYPES = [
    "EC2",
    "ECR",
    "LAMBDA",
    "LAMBDA_CODE",
    "CODE_REPOSITORY",
] as const satisfies readonly ResourceScanType[];

/**
 * On unless the stack says otherwise: every scan type that works with no further setup. CODE_REPOSITORY is
 * left to an explicit choice: it scans nothing until each account connects GitHub or GitLab
 * (CreateCodeSecurityIntegration, Inspector API reference), and AWS publishes no per-region table for it
 * that we could check, while `Enable` refuses a feature "in an unsupported AWS Region" with AccessDenied.
 */
export const DEFAULT_INSPECTOR_RESOURCE_TYPES = ["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"] as const;

/** Scan types: at least one, and Lambda code scanning only with Lambda standard scanning. */
export const resourceTypesList = uniqueArray(
    z.enum(INSPECTOR_RESOURCE_TYPES, { error: `one of ${INSPECTOR_RESOURCE_TYPES.join(", ")}` }),
    "resource type",
)
    .min(1, { error: "at least one resource type" })
    .superRefine((types, ctx) => {
        if (types.includes("LAMBDA_CODE") && !types.includes("LAMBDA")) {
            ctx.addIssue({
                code: "custom",
                input: types,
                message:
                    "LAMBDA as well when LAMBDA_CODE is listed: Inspector scans Lambda code only with Lambda standard scanning on",
            });
        }
    });

export const inspectorSchema = z.strictObject({
    /** Turn Inspector on organization-wide. Default true. */
    enabled: z
        .boolean({ error: "true or false" })
        .default(true)
        .describe("Turn Inspector on organization-wide."),
    /** Resource types scanned. Default: EC2, ECR, LAMBDA, LAMBDA_CODE (CODE_REPOSITORY on request). */
    resourceTypes: resourceTypesList
        .default([...DEFAULT_INSPECTOR_RESOURCE_TYPES])
        .describe(
            "Resource types scanned. CODE_REPOSITORY only on request (it needs a GitHub or GitLab integration); LAMBDA_CODE needs LAMBDA.",
        ),
});
