import { offeredIn } from "../stacks/availability";
import { strict as assert } from "node:assert";
import { enrollmentSettings } from "./helpers/enrollment";
import { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { inRegion, ofType, plan, single } from "./helpers/plan";

const GRAPH = "aws:detective/graph:Graph";
const DESIGNATION = "aws:detective/organizationAdminAccount:OrganizationAdminAccount";
const ORG_CONFIG = "aws:detective/organizationConfiguration:OrganizationConfiguration";
const DETECTOR = "aws:guardduty/detector:Detector";
const ENROLLMENT = "pulumi-nodejs:dynamic/security-governance:MemberEnrollment";
const FUNCTION = "aws:lambda/function:Function";
const OF_ENROLLMENT = (r: { name: string }) => r.name.startsWith("enrollment");

function providerName(resource: PlannedResource): string | undefined {
    return resource.provider?.split("::")[3];
}

/** The graph's ARN as the mocked provider returned it: the graph's ID is its ARN. */
function graphArn(planned: PlanDocument, region: string): string {
    return `arn:aws:detective:${region}:${planned.accounts.securityAdmin}:graph:`;
}

describe("Detective organization-wide", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    let disabled: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
        disabled = await plan("dev", {
            configOverrides: { "security-governance:detective": { enabled: false } },
        });
    });

    it("creates one protected behavior graph per region, after GuardDuty's detector there", () => {
        for (const planned of [dev, prod]) {
            const graphs = ofType(planned, GRAPH);
            // Every governed region where Detective exists: prod governs ap-northeast-3, where it does not.
            const offered = planned.regions.filter((region) => region !== "ap-northeast-3");
            assert.deepEqual(graphs.map((g) => g.inputs.region).sort(), offered.sort());
            for (const graph of graphs) {
                const detector = single(planned, DETECTOR, inRegion(graph.inputs.region as string));
                assert.ok(graph.dependsOn.includes(detector.urn), "Detective needs GuardDuty on first");
                assert.equal(graph.protect, true);
                assert.equal(graph.retainOnDelete, true);
                assert.equal(providerName(graph), "security");
            }
        }
    });

    it("designates the security account after the graph, so that graph becomes the organization graph", () => {
        for (const region of offeredIn("detective", prod.regions)) {
            const designation = single(prod, DESIGNATION, inRegion(region));
            assert.equal(designation.inputs.accountId, prod.accounts.securityAdmin);
            assert.equal(providerName(designation), "management");
            assert.ok(designation.dependsOn.includes(single(prod, GRAPH, inRegion(region)).urn));
        }
    });

    it("auto-enables new accounts into the region's graph after the designation", () => {
        for (const region of dev.regions) {
            const configuration = single(dev, ORG_CONFIG, inRegion(region));
            assert.equal(configuration.inputs.autoEnable, true);
            assert.ok((configuration.inputs.graphArn as string).startsWith(graphArn(dev, region)));
            assert.deepEqual(configuration.dependsOn, [single(dev, DESIGNATION, inRegion(region)).urn]);
        }
    });

    it("leaves the existing accounts of each region's graph to the enrollment function, after the settings", () => {
        const fn = single(prod, FUNCTION, OF_ENROLLMENT);
        const settings = enrollmentSettings(fn);
        assert.deepEqual(settings.regions.detective, offeredIn("detective", prod.regions));
        assert.equal(settings.quotas.detective, 1200);
        const invocation = single(prod, "aws:lambda/invocation:Invocation");
        for (const region of offeredIn("detective", prod.regions)) {
            assert.ok(
                fn.dependsOn.includes(single(prod, ORG_CONFIG, inRegion(region)).urn) ||
                    invocation.parent !== null,
            );
        }
        assert.equal(ofType(prod, ENROLLMENT).length, 0, "no dynamic resource is left");
    });

    it("creates nothing of Detective when disabled", () => {
        assert.deepEqual(
            disabled.resources.filter((r) => r.type.startsWith("aws:detective/")).map((r) => r.name),
            [],
        );
        assert.equal(
            enrollmentSettings(single(disabled, FUNCTION, OF_ENROLLMENT)).regions.detective,
            undefined,
        );
        assert.equal(ofType(disabled, DETECTOR).length, disabled.regions.length, "GuardDuty stays");
    });
});
