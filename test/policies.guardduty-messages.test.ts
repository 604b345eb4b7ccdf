import * as assert from "node:assert/strict";
import {
    UNKNOWN_VALUE,
    compliantStack,
    urnOf,
    withInputs,
    withResource,
    without,
} from "./helpers/policy-fixtures";
import { PlannedResource } from "../tools/policy-driver";
import { analyze, byPolicy, policySession, withConfig, violationsOf } from "./helpers/policy-session";

/**
 * The GuardDuty policies' exact answers, and the preview cases in which a value is not known yet: a
 * policy must neither pass nor fail on a guess, and must not crash on an unknown value.
 */

const DETECTOR_URN = urnOf("aws:guardduty/detector:Detector", "detector");

const said = violationsOf;

/** Every diagnostic of the stack, so that a policy that crashes on a value shows up too. */
async function everything(resources: PlannedResource[]): Promise<string[]> {
    return (await analyze(resources)).map((d) => `${d.policy}: ${d.message}`);
}

describe("GuardDuty policies: exact messages and preview-unknown values", function () {
    before(async function () {
        this.timeout(120_000);
        await policySession();
    });

    it("guardduty-finding-publishing-frequency names the frequency, or the one GuardDuty uses when unset", async () => {
        const frequency = (value: unknown) =>
            withInputs(compliantStack(), "detector", { findingPublishingFrequency: value });
        const P = "guardduty-finding-publishing-frequency";
        assert.deepEqual(await said(frequency(undefined), P), [
            "findingPublishingFrequency is unset (GuardDuty uses SIX_HOURS); it must be FIFTEEN_MINUTES or more frequent.",
        ]);
        assert.deepEqual(await said(frequency("HOURLY"), P), [
            "findingPublishingFrequency is HOURLY; it must be FIFTEEN_MINUTES or more frequent.",
        ]);
        assert.deepEqual(await everything(frequency(UNKNOWN_VALUE)), []);
        await assert.rejects(
            withConfig({ [P]: { maxPublishingFrequency: 15 } }, async () => undefined),
            /maxPublishingFrequency/,
        );
    });

    it("guardduty-organization-auto-enable-all names the value it got", async () => {
        const P = "guardduty-organization-auto-enable-all";
        const members = (value: unknown) =>
            withInputs(compliantStack(), "org-config", { autoEnableOrganizationMembers: value });
        const tail = 'it must be "ALL" so that existing accounts are covered too, not only new ones.';
        assert.deepEqual(await said(members("NEW"), P), [`autoEnableOrganizationMembers is NEW; ${tail}`]);
        assert.deepEqual(await said(members(undefined), P), [
            `autoEnableOrganizationMembers is unset; ${tail}`,
        ]);
        assert.deepEqual(await said(members(UNKNOWN_VALUE), P), []);
    });

    it("guardduty-publishing-destination-encrypted says what the destination lacks", async () => {
        const P = "guardduty-publishing-destination-encrypted";
        const destination = (inputs: Record<string, unknown>) =>
            withInputs(compliantStack(), "publishing-destination", inputs);
        assert.deepEqual(await said(destination({ destinationType: "SQS" }), P), [
            "destinationType is SQS; findings must be exported to S3.",
        ]);
        for (const kmsKeyArn of [undefined, ""]) {
            assert.deepEqual(await said(destination({ kmsKeyArn }), P), [
                "kmsKeyArn is not set: exported findings must be encrypted with a KMS key.",
            ]);
        }
    });

    it("guardduty-threat-lists-active names the kind of list and its activate value", async () => {
        const P = "guardduty-threat-lists-active";
        assert.deepEqual(await said(withInputs(compliantStack(), "trusted-ips", { activate: false }), P), [
            "The trusted IP set is not activated (activate: false): GuardDuty ignores it.",
        ]);
        assert.deepEqual(
            await said(withInputs(compliantStack(), "threat-intel", { activate: undefined }), P),
            ["The threat intel set is not activated (activate: unset): GuardDuty ignores it."],
        );
        assert.deepEqual(
            await said(withInputs(compliantStack(), "threat-intel", { activate: UNKNOWN_VALUE }), P),
            [],
        );
    });

    describe("guardduty-filter-safe-archive", () => {
        const P = "guardduty-filter-safe-archive";
        const ALONE =
            "The filter archives findings by severity alone, hiding every finding in that range across the " +
            "organization; narrow it by finding type, account, resource or network criteria.";
        const UNBOUNDED =
            "The filter can archive findings of severity 7 and above (HIGH): add a severity criterion with " +
            "lessThan <= 7, lessThanOrEqual < 7, or equals values all below 7.";
        const TYPE = { field: "type", equals: ["Recon:EC2/PortProbeUnprotectedPort"] };
        const filter = (inputs: Record<string, unknown>) =>
            withInputs(compliantStack(), "suppress-scanner", inputs);
        const criteria = (...criterions: unknown[]) => filter({ findingCriteria: { criterions } });

        it("says why, for a filter with no criteria at all: it archives everything", async () => {
            assert.deepEqual(await said(filter({ findingCriteria: undefined }), P), [ALONE, UNBOUNDED]);
        });

        it("a criterion without a field narrows nothing; an upper-case SEVERITY is still severity", async () => {
            assert.deepEqual(await said(criteria({}, { field: "SEVERITY", lessThan: "4" }), P), [ALONE]);
        });

        it("a severity bound only from below, or an empty equals, leaves HIGH findings archivable", async () => {
            assert.deepEqual(await said(criteria(TYPE, { field: "severity", greaterThan: "2" }), P), [
                UNBOUNDED,
            ]);
            assert.deepEqual(await said(criteria(TYPE, { field: "severity", equals: [] }), P), [UNBOUNDED]);
        });

        it("waits, without crashing, while the action, a field or a bound is unknown", async () => {
            for (const stack of [
                filter({ action: UNKNOWN_VALUE, findingCriteria: undefined }),
                criteria(TYPE, { field: "severity", lessThan: UNKNOWN_VALUE }),
                criteria(TYPE, { field: "severity", lessThanOrEqual: UNKNOWN_VALUE }),
                criteria(TYPE, { field: "severity", equals: UNKNOWN_VALUE }),
                criteria(TYPE, { field: "severity", equals: [UNKNOWN_VALUE, "2"] }),
                criteria(TYPE, { field: UNKNOWN_VALUE, lessThan: "4" }),
                criteria({ field: UNKNOWN_VALUE, lessThan: "4" }, { field: "severity", lessThan: "4" }),
            ]) {
                assert.deepEqual(await everything(stack), []);
            }
        });

        it("does not apply to a filter without an action (GuardDuty's default is NOOP)", async () => {
            assert.deepEqual(await everything(filter({ action: undefined, findingCriteria: undefined })), []);
        });

        it("refuses a maxArchivedSeverity that is not a number", async () => {
            await assert.rejects(
                withConfig({ [P]: { maxArchivedSeverity: "7" } }, async () => undefined),
                /maxArchivedSeverity/,
            );
        });
    });

    describe("guardduty-organization-protections", () => {
        const P = "guardduty-organization-protections";
        const ADD = 'Add an OrganizationConfigurationFeature with autoEnable "ALL" for each.';

        it("names the region, the missing plans and the plans enabled for less than ALL", async () => {
            let stack = withInputs(compliantStack(), "feature-s3_data_events", { autoEnable: "NEW" });
            stack = withInputs(stack, "feature-eks_audit_logs", { autoEnable: undefined });
            assert.deepEqual(await said(stack, P), [
                "The detector in region eu-west-1 does not auto-enable S3_DATA_EVENTS, EKS_AUDIT_LOGS for ALL " +
                    "organization accounts; not auto-enabled for ALL: S3_DATA_EVENTS (NEW), EKS_AUDIT_LOGS (unset). " +
                    ADD,
            ]);
            const [d] = byPolicy(await analyze(stack), P);
            assert.equal(d.urn, DETECTOR_URN);
        });

        it("says 'an unknown region' for a detector whose region is unknown", async () => {
            const stack = withInputs(without(compliantStack(), "feature-s3_data_events"), "detector", {
                region: UNKNOWN_VALUE,
            });
            assert.deepEqual(await said(stack, P), [
                `The detector in an unknown region does not auto-enable S3_DATA_EVENTS for ALL organization accounts. ${ADD}`,
            ]);
        });

        it("a feature without a name counts for nothing; one whose name is unknown keeps the answer open", async () => {
            const nameless = withInputs(compliantStack(), "feature-s3_data_events", {
                name: undefined,
                autoEnable: "NEW",
            });
            assert.deepEqual(await said(nameless, P), [
                `The detector in region eu-west-1 does not auto-enable S3_DATA_EVENTS for ALL organization accounts. ${ADD}`,
            ]);
            const open = withInputs(
                without(compliantStack(), "feature-eks_audit_logs"),
                "feature-s3_data_events",
                { name: UNKNOWN_VALUE },
            );
            assert.deepEqual(await said(open, P), []);
        });

        it("a feature bound to its detector by dependency counts, whatever region it names", async () => {
            let stack = compliantStack();
            for (const r of compliantStack().filter((x) => x.name.startsWith("feature-"))) {
                stack = withResource(stack, r.name, (f) => ({
                    ...f,
                    inputs: { ...f.inputs, region: "us-east-1" },
                    dependsOn: [DETECTOR_URN],
                }));
            }
            assert.deepEqual(await said(stack, P), []);
        });

        it("refuses requiredProtections that are not a list of feature names", async () => {
            for (const requiredProtections of ["S3_DATA_EVENTS", ["s3_data_events"]]) {
                await assert.rejects(
                    withConfig({ [P]: { requiredProtections } }, async () => undefined),
                    /requiredProtections/,
                );
            }
        });
    });

    describe("guardduty-region-coverage", () => {
        const P = "guardduty-region-coverage";
        const DESTINATION = "a publishing destination exporting findings to S3 with a KMS key (kmsKeyArn)";
        const ORG = 'an organization configuration (autoEnableOrganizationMembers "ALL")';

        it("names the region and everything it lacks", async () => {
            const bare = without(compliantStack(), "publishing-destination", "org-config");
            assert.deepEqual(await said(bare, P), [
                `Region eu-west-1 has a detector but lacks ${DESTINATION} and ${ORG}.`,
            ]);
            const unencrypted = withInputs(compliantStack(), "publishing-destination", {
                kmsKeyArn: undefined,
            });
            assert.deepEqual(await said(unencrypted, P), [
                `Region eu-west-1 has a detector but lacks ${DESTINATION}.`,
            ]);
        });

        it("counts a destination whose type is unknown, and skips a detector whose region is unknown", async () => {
            const typeOpen = withInputs(compliantStack(), "publishing-destination", {
                destinationType: UNKNOWN_VALUE,
            });
            assert.deepEqual(await said(typeOpen, P), []);
            const regionOpen = withInputs(without(compliantStack(), "publishing-destination"), "detector", {
                region: UNKNOWN_VALUE,
            });
            assert.deepEqual(await said(regionOpen, P), []);
        });
    });
});
