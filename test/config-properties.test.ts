import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { DEFAULT_MAX_PUBLISHING_FREQUENCY, DEFAULT_REQUIRED_PROTECTIONS } from "../policies/guardduty";
import { DEFAULT_REQUIRED_RESOURCE_TYPES } from "../policies/inspector";
import { DEFAULT_REQUIRED_STANDARDS } from "../policies/securityhub";
import { PROTECTION_NOT_OFFERED_IN } from "../stacks/availability";
import { PUBLISHING_FREQUENCIES, type StackConfig } from "../stacks/config";
import { planStack, REPO_ROOT } from "../tools/plan-runtime";
import { type GeneratedStack, INSPECTOR_AUTO_ENABLE_KEY, validStackConfig } from "./helpers/arbitraries";
import { analyze, mandatory, policyNames, withConfig } from "./helpers/policy-session";

/*
 * Any configuration the schema accepts plans (index.ts under the mock runtime, the dev stack's file with
 * every key overridden) and the plan passes the policy pack as CI runs it for dev.
 *
 * The pack enforces an organization standard the schema does not (publishing every 15 minutes, the six
 * protection plans, FSBP and CIS 3.0, Inspector on EC2/ECR/Lambda), so:
 * - configurations within that standard must draw NO mandatory diagnostic;
 * - any valid configuration draws exactly the mandatory diagnostics its departures from it predict.
 *
 * Planning costs 1-3 s here, so few runs (6 + 4), at most 4 governed regions each, and no shrinking
 * (endOnFailure): a counterexample is reported as generated, with fast-check's seed to replay it.
 */

const POLICY_CONFIG = path.join(REPO_ROOT, "policies", "config.dev.json");
const DETECTOR = "aws:guardduty/detector:Detector";

/** A policy's setting in config.dev.json, or the pack's default. */
function packSetting<T>(policy: string, key: string, fallback: T): T {
    const config = JSON.parse(fs.readFileSync(POLICY_CONFIG, "utf8")) as Record<string, unknown>;
    const entry = config[policy];
    if (entry !== null && typeof entry === "object" && key in entry) {
        return (entry as Record<string, unknown>)[key] as T;
    }
    return fallback;
}

/** The mandatory policies a configuration departs from, by the pack's own settings for dev. */
function expectedViolations(config: StackConfig): string[] {
    const expected: string[] = [];
    const slowest = packSetting(
        "guardduty-finding-publishing-frequency",
        "maxPublishingFrequency",
        DEFAULT_MAX_PUBLISHING_FREQUENCY,
    );
    const rank = (frequency: string) => (PUBLISHING_FREQUENCIES as readonly string[]).indexOf(frequency);
    if (rank(config.guardduty.publishingFrequency) > rank(slowest)) {
        expected.push("guardduty-finding-publishing-frequency");
    }
    const protections = packSetting(
        "guardduty-organization-protections",
        "requiredProtections",
        DEFAULT_REQUIRED_PROTECTIONS,
    );
    // A plan GuardDuty does not offer in a region is required of no detector there (same source as the pack's).
    const offeredSomewhere = (p: string) =>
        config.regions.some((region) => !(PROTECTION_NOT_OFFERED_IN[p] ?? []).includes(region));
    if (
        protections.some(
            (p) => !(config.guardduty.protections as string[]).includes(p) && offeredSomewhere(p),
        )
    ) {
        expected.push("guardduty-organization-protections");
    }
    const standards = packSetting(
        "securityhub-required-standards",
        "requiredStandards",
        DEFAULT_REQUIRED_STANDARDS,
    );
    if (
        standards.some(
            (suffix) => !config.securityHub.standards.some((id) => `standards/${id}`.endsWith(suffix)),
        )
    ) {
        expected.push("securityhub-required-standards");
    }
    const scanned = config.inspector.resourceTypes.map((type) => INSPECTOR_AUTO_ENABLE_KEY[type]);
    const required = packSetting(
        "inspector-organization-auto-enable",
        "requiredResourceTypes",
        DEFAULT_REQUIRED_RESOURCE_TYPES,
    );
    if (config.inspector.enabled && required.some((type) => !scanned.includes(type))) {
        expected.push("inspector-organization-auto-enable");
    }
    return expected.sort();
}

async function planAndAnalyze(stack: GeneratedStack): Promise<string[]> {
    const { plan, config } = await planStack({ stack: "dev", configOverrides: stack.values });
    const regions = stack.config.regions;
    assert.deepEqual(config.regions, regions);
    assert.deepEqual(plan.regions, regions, "the plan governs exactly the generated regions");
    assert.equal(plan.homeRegion, stack.config.homeRegion);
    const detectorRegions = plan.resources.filter((r) => r.type === DETECTOR).map((r) => r.inputs.region);
    assert.deepEqual(detectorRegions.sort(), [...regions].sort(), "one detector per governed region");
    const outside = plan.resources.filter(
        (r) => typeof r.inputs.region === "string" && !regions.includes(r.inputs.region),
    );
    assert.deepEqual(
        outside.map((r) => r.urn),
        [],
        "no resource outside the governed regions",
    );
    const diagnostics = await withConfig(POLICY_CONFIG, () => analyze(plan.resources));
    return policyNames(mandatory(diagnostics));
}

describe("any valid configuration plans, and passes the policy pack (fast-check)", function () {
    this.timeout(180_000);

    it("plans a configuration within the organization standard with no mandatory diagnostic (6 runs)", async () => {
        await fc.assert(
            fc.asyncProperty(validStackConfig({ orgCompliant: true }), async (stack) => {
                assert.deepEqual(expectedViolations(stack.config), [], "the generator keeps to the standard");
                assert.deepEqual(await planAndAnalyze(stack), []);
            }),
            { numRuns: 6, endOnFailure: true },
        );
    });

    it("plans any valid configuration, drawing exactly the mandatory diagnostics its departures predict (4 runs)", async () => {
        await fc.assert(
            fc.asyncProperty(validStackConfig({ orgCompliant: false }), async (stack) => {
                assert.deepEqual(await planAndAnalyze(stack), expectedViolations(stack.config));
            }),
            { numRuns: 4, endOnFailure: true },
        );
    });
});
