import { strict as assert } from "node:assert";
import * as path from "node:path";
import { REPO_ROOT } from "../tools/plan-runtime";
import type { PlannedResource } from "../tools/plan-contract";
import { projectOf } from "../policies/scope";
import { awsProvider, providerRef, resource } from "./helpers/policy-fixtures";
import { analyze, mandatory, policySession, withConfig } from "./helpers/policy-session";

/*
 * Enabled for a whole Pulumi organization, the pack must judge this program's stacks and no one else's: an
 * ordinary application stack with a bucket, a topic and a key passes untouched.
 */

/** The same resources as another project's stack would record them (URNs name the project). */
function inProject(resources: PlannedResource[], project: string): PlannedResource[] {
    const rename = (urn: string) => urn.replace("::security-governance::", `::${project}::`);
    return resources.map((r) => ({
        ...r,
        urn: rename(r.urn),
        parent: r.parent === null ? null : rename(r.parent),
        provider: r.provider === null ? null : rename(r.provider),
    }));
}

/** An application's stack: a bucket without a key or lock, a topic without encryption, a key without rotation. */
function applicationStack(): PlannedResource[] {
    const provider = awsProvider("default_7_0_0", "eu-west-1");
    const on = { provider: providerRef(provider) };
    return [
        resource("pulumi:pulumi:Stack", "security-governance-test"),
        provider,
        resource("aws:s3/bucket:Bucket", "uploads", { bucket: "acme-uploads" }, on),
        resource("aws:sns/topic:Topic", "orders", { name: "orders" }, on),
        resource("aws:kms/key:Key", "app", { description: "application data" }, on),
    ];
}

const PROD_CONFIG = path.join(REPO_ROOT, "policies", "config.prod.json");

describe("the policy pack's scope", function () {
    this.timeout(60_000);

    it("would judge these resources in this program (so the scope, not the resources, spares the others)", async () => {
        const found = mandatory(await withConfig(PROD_CONFIG, () => analyze(applicationStack())));
        const policies = [...new Set(found.map((d) => d.policy))];
        for (const policy of ["guardrails-attached", "kms-key-rotation-enabled", "sns-topic-kms-encrypted"]) {
            assert.ok(policies.includes(policy), `${policy} not in ${policies.join(", ")}`);
        }
    });

    for (const project of ["acme-app", "security-governance-app", "Security-Governance", "governance"]) {
        it(`reports nothing for project ${project}'s stack, resource or stack policy alike`, async () => {
            const resources = inProject(applicationStack(), project);
            assert.deepEqual(await withConfig(PROD_CONFIG, () => analyze(resources)), []);
        });
    }

    it("says why each policy does not apply to the other project's resource, naming that project", async () => {
        const resources = inProject(applicationStack(), "acme-app");
        const key = resources.find((r) => r.type === "aws:kms/key:Key");
        const { notApplicable } = await (await policySession()).analyzeResourcesDetailed(resources);
        // The server passes over policies of other types before calling them; every other one gives the scope's reason.
        const onKey = notApplicable.filter(
            (n) => n.urn === key?.urn && !n.reason.startsWith("Policy only applies to resources of type"),
        );
        assert.deepEqual(
            [...new Set(onKey.map((n) => n.reason))],
            ["judges only the security-governance project's stacks; this is project acme-app's"],
        );
        const policies = onKey.map((n) => n.policy);
        assert.ok(policies.includes("kms-key-rotation-enabled"), policies.join(", "));
        assert.ok(policies.includes("kms-key-deletion-window"), policies.join(", "));
    });

    it("reads the project from the URN, whatever the stack or type", () => {
        assert.equal(
            projectOf("urn:pulumi:prod::security-governance::aws:s3/bucket:Bucket::b"),
            "security-governance",
        );
        assert.equal(projectOf("urn:pulumi:my.stack-1::acme::my:component:Thing$aws:kms/key:Key::k"), "acme");
        assert.equal(
            projectOf("urn:pulumi:dev::security-governance-x::pulumi:pulumi:Stack::s"),
            "security-governance-x",
        );
        assert.equal(projectOf("security-governance::aws:s3/bucket:Bucket::b"), undefined);
        assert.equal(projectOf(""), undefined);
    });
});
