import { strict as assert } from "node:assert";
import type { PlanDocument, PlannedResource } from "../tools/plan-runtime";
import { DELETE_EFFECTS, isOuCopy } from "../stacks/delete-effects";
import { readStackConfigValues } from "../tools/plan-runtime";
import { plan } from "./helpers/plan";

/*
 * Nothing a user runs may lose data or governance: every way a resource leaves the program (destroy, a region
 * removed, a service turned off, an OU scope or the remediation section removed) is planned here, and every
 * resource of a type whose delete AWS documents as losing data or governance (stacks/delete-effects.ts) must
 * be kept on delete, so Pulumi forgets it and AWS keeps it.
 */

const NS = "security-governance";

/** Why `resource` may be deleted in AWS, or undefined when deleting it would lose data or governance. */
function deletable(resource: PlannedResource, protectData: boolean): string | undefined {
    const effect = DELETE_EFFECTS[resource.type];
    if (effect === undefined) return "no data or governance is lost";
    if (effect.whileProtected === true && !protectData) return "findingsExport.protectData is off";
    if (effect.ouCopyDeletable === true && isOuCopy(resource.name)) return "an OU's copy: the root's stays";
    if (effect.deletableNamed !== undefined && new RegExp(effect.deletableNamed.pattern).test(resource.name))
        return effect.deletableNamed.why;
    return undefined;
}

/** The resources whose delete Pulumi would send to AWS, and that lose data or governance. */
function lost(resources: readonly PlannedResource[], protectData: boolean): string[] {
    return resources
        .filter((r) => !r.retainOnDelete && deletable(r, protectData) === undefined)
        .map((r) => `${r.type} ${r.name}: ${DELETE_EFFECTS[r.type]?.effect}`);
}

/** What a change from `before` to `after` deletes: the resources of `before` whose URN `after` lacks. */
function deletedBy(before: PlanDocument, after: PlanDocument): PlannedResource[] {
    const kept = new Set(after.resources.map((r) => r.urn));
    return before.resources.filter((r) => !kept.has(r.urn));
}

const protectDataOf = (stack: string) =>
    ((readStackConfigValues(stack)[`${NS}:findingsExport`] as { protectData?: boolean } | undefined)
        ?.protectData ?? true) !== false;

describe("teardown: nothing a user runs loses data or governance", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: destroy (--exclude-protected too) deletes nothing that loses data or governance`, async () => {
            // `pulumi destroy --exclude-protected` deletes every unprotected resource, then `state unprotect
            // --all` and `destroy` the rest: only retainOnDelete keeps a resource in AWS.
            const planned = await plan(stack);
            assert.deepEqual(lost(planned.resources, protectDataOf(stack)), []);
            const protectedButDeleted = planned.resources
                .filter((r) => r.protect && !r.retainOnDelete)
                .map((r) => r.name);
            assert.deepEqual(protectedButDeleted, [], "unprotected, these would be deleted");
        });
    }

    it("every designation is kept in every region, Detective's above all (its delete deletes the graph)", async () => {
        const planned = await plan("prod");
        const designations = planned.resources.filter((r) =>
            /organizationAdminAccount|delegatedAdminAccount/.test(r.type),
        );
        // 17 regions of GuardDuty, Macie and Inspector, 16 of Detective, the home region of Security Hub.
        assert.equal(designations.length, 17 * 3 + 16 + 1);
        assert.deepEqual(
            designations.filter((r) => !r.retainOnDelete).map((r) => r.name),
            [],
        );
    });

    const changes: {
        name: string;
        stack: string;
        values: (v: Record<string, unknown>) => Record<string, unknown>;
        losesKind: string;
    }[] = [
        {
            name: "a region removed",
            stack: "prod",
            values: (v) => ({
                [`${NS}:regions`]: (v[`${NS}:regions`] as string[]).filter((r) => r !== "eu-west-1"),
            }),
            losesKind: "aws:detective/organizationAdminAccount:OrganizationAdminAccount",
        },
        {
            name: "Macie off",
            stack: "dev",
            values: () => ({ [`${NS}:macie`]: { enabled: false } }),
            losesKind: "aws:macie2/organizationAdminAccount:OrganizationAdminAccount",
        },
        {
            name: "Detective off",
            stack: "dev",
            values: () => ({ [`${NS}:detective`]: { enabled: false } }),
            losesKind: "aws:detective/organizationAdminAccount:OrganizationAdminAccount",
        },
        {
            name: "Inspector off",
            stack: "dev",
            values: () => ({ [`${NS}:inspector`]: { enabled: false } }),
            losesKind: "aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount",
        },
        {
            name: "the new Security Hub off",
            stack: "prod",
            values: (v) => ({
                [`${NS}:securityHub`]: { ...(v[`${NS}:securityHub`] as object), v2: { enabled: false } },
            }),
            losesKind: "aws:securityhub/aggregatorV2:AggregatorV2",
        },
        {
            name: "the OU scopes removed",
            stack: "prod",
            values: () => ({ [`${NS}:organizationalUnits`]: [] }),
            losesKind: "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation",
        },
        {
            name: "the remediation section removed",
            stack: "prod",
            values: () => ({ [`${NS}:remediation`]: undefined }),
            losesKind: "aws:lambda/function:Function",
        },
        {
            name: "the guardrails off",
            stack: "prod",
            values: (v) => ({
                [`${NS}:guardrails`]: { ...(v[`${NS}:guardrails`] as object), enabled: false },
            }),
            losesKind: "aws:organizations/policyAttachment:PolicyAttachment",
        },
    ];

    for (const change of changes) {
        it(`${change.stack}: ${change.name} deletes nothing that loses data or governance`, async () => {
            const before = await plan(change.stack);
            const values = change.values(readStackConfigValues(change.stack));
            const after = await plan(change.stack, { configOverrides: values });
            const deleted = deletedBy(before, after);
            // The change must really remove resources of the kind it is about, or this test proves nothing.
            assert.ok(
                deleted.some((r) => r.type === change.losesKind),
                `${change.name} removes no ${change.losesKind}`,
            );
            assert.deepEqual(lost(deleted, protectDataOf(change.stack)), []);
        });
    }

    it("the check itself: a designation that is not kept is reported with what AWS documents its delete does", () => {
        const designation = {
            type: "aws:detective/organizationAdminAccount:OrganizationAdminAccount",
            name: "detective-eu-west-1",
            retainOnDelete: false,
        } as PlannedResource;
        const ouAssociation = {
            type: "aws:securityhub/configurationPolicyAssociation:ConfigurationPolicyAssociation",
            name: "securityhub-ou-ab12-sandbox1",
            retainOnDelete: false,
        } as PlannedResource;
        const [line] = lost([designation, ouAssociation], true);
        assert.match(line, /Deletes the organization behavior graph/);
        assert.equal(lost([ouAssociation], true).length, 0);
        assert.equal(
            lost([{ ...designation, type: "aws:guardduty/detector:Detector" }], false).length,
            0,
            "without protectData a detector may go",
        );
        assert.equal(lost([{ ...designation, type: "aws:guardduty/detector:Detector" }], true).length, 1);
    });
});
