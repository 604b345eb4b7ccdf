import * as z from "zod";
import { uniqueArray } from "./schema-parts";
import { RETIRED_SECURITY_HUB_CONTROL_IDS, SECURITY_HUB_CONTROL_IDS, knownName } from "./known-names";
import {
    DEFAULT_SECURITY_HUB_STANDARDS,
    regionsLacking,
    SECURITY_HUB_STANDARDS,
    type SecurityHubStandard,
} from "./security-hub-standards";

/*
 * The `securityHub` section, and the two lists an OU scope (stacks/organizational-units.ts) may replace: a
 * configuration policy is whole, so an OU's standards or disabled controls replace the root's, never merge.
 */

/** Standards a configuration policy enables: at least one, each offered by Security Hub (security-hub-standards.ts). */
export const standardsList = uniqueArray(
    z.enum(SECURITY_HUB_STANDARDS, { error: `one of ${SECURITY_HUB_STANDARDS.join(", ")}` }),
    "standard",
).min(1, { error: "at least one standard" });

/** Controls a configuration policy turns off, each with the reason a reviewer will read. */
export const disabledControlsList = uniqueArray(
    z.strictObject({
        controlId: knownName(
            '"EC2.10" or "IAM.6"',
            SECURITY_HUB_CONTROL_IDS,
            RETIRED_SECURITY_HUB_CONTROL_IDS,
            "Security Hub control ID",
            "stacks/data/securityhub-control-ids.json",
        ).describe("A Security Hub control ID, such as EC2.10."),
        reason: z
            .string({ error: "a reason of at least 10 characters" })
            .min(10, { error: "a reason of at least 10 characters" })
            .describe("Why the control is off, for whoever reviews the policy."),
    }),
    "control",
    (control) => control.controlId.toLowerCase(),
);

/**
 * The new Security Hub's opt-in features, as its API names them: EnableSecurityHubFeatureV2 `FeatureName`, "Valid
 * Values: NETWORK_SCANNING" (Security Hub API reference; the same list in @pulumi/aws 7.48.0 FeatureV2
 * `featureName` and terraform-provider-aws securityhub/feature_v2.go). A feature AWS adds later is added here.
 */
export const SECURITY_HUB_V2_FEATURES = ["NETWORK_SCANNING"] as const;
export type SecurityHubV2Feature = (typeof SECURITY_HUB_V2_FEATURES)[number];

/**
 * Each known feature true (ENABLED) or false (DISABLED); a feature left out is not managed, as a feature left out
 * of an Organizations Security Hub policy "is not managed by the policy" (orgs_manage_policies_security_hub_syntax).
 */
const v2Features = z
    .strictObject(
        Object.fromEntries(
            SECURITY_HUB_V2_FEATURES.map((feature) => [
                feature,
                z
                    .boolean({ error: "true (ENABLED) or false (DISABLED)" })
                    .optional()
                    .describe(`${feature}: true turns it on, false off; left out, it is not managed.`),
            ]),
        ) as Record<SecurityHubV2Feature, z.ZodOptional<z.ZodBoolean>>,
    )
    .default({});

export const securityHubSchema = z.strictObject({
    /** Standards enabled in every account and governed region. Default: AWS FSBP v1.0.0 and CIS v3.0.0. */
    standards: standardsList
        .default([...DEFAULT_SECURITY_HUB_STANDARDS])
        .describe(
            "Standards enabled in every account and governed region; each must be offered in every governed region (stacks/security-hub-standards.ts).",
        ),
    /** Controls turned off organization-wide, each with the reason a reviewer will read. */
    disabledControls: disabledControlsList
        .default([])
        .describe("Controls turned off organization-wide, each once, with the reason a reviewer will read."),
    /** The new Security Hub beside CSPM (components/security-hub-v2.ts). Default: on. */
    v2: z
        .strictObject({
            enabled: z
                .boolean({ error: "true or false" })
                .default(true)
                .describe("Turn Security Hub (v2) on for the organization, from the home region."),
            /** Opt-in features for the security account in the home region (components/security-hub-v2.ts). Default: none managed. */
            features: v2Features.describe(
                `Opt-in features of the new Security Hub for the security account in the home region, each true or false: ${SECURITY_HUB_V2_FEATURES.join(", ")} (Security Hub API reference, EnableSecurityHubFeatureV2). Member accounts are not reached (docs/operations.md, known limits).`,
            ),
        })
        .superRefine((value, ctx) => {
            // A feature needs the new Security Hub on in the account ("The service must be enabled before you can
            // enable a feature", API reference, EnableSecurityHubFeatureV2).
            if (!value.enabled && Object.keys(value.features).length > 0) {
                ctx.addIssue({
                    code: "custom",
                    path: ["features"],
                    input: value.features,
                    message:
                        "no features while securityHub.v2.enabled is false: a feature needs the new Security Hub on",
                });
            }
        })
        .default(() => ({ enabled: true, features: {} }))
        .describe("The new Security Hub beside CSPM."),
});

export type SecurityHubConfig = z.output<typeof securityHubSchema>;

/**
 * One configuration policy enables the same standards in every linked region, so each standard must be offered
 * in every governed region. `key` spells the key and value of the standard at a position.
 */
export function unofferedStandards(
    standards: readonly SecurityHubStandard[],
    regions: readonly string[],
    key: (position: number) => string,
): string[] {
    return standards.flatMap((standard, position) => {
        const lacking = regionsLacking(standard, regions);
        return lacking.length === 0
            ? []
            : [
                  `${key(position)}: expected a standard Security Hub offers in every governed region; not offered in ${lacking.join(", ")} (Security Hub CSPM user guide, Regional limits); remove the standard or those regions`,
              ];
    });
}
