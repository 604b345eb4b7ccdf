import { strict as assert } from "node:assert";
import controlIds from "../stacks/data/securityhub-control-ids.json";
import { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan } from "./helpers/plan";
import { CONTROLS, Control, EXEMPTIONS, Verdict } from "./helpers/own-standards";

/*
 * Our own resources pass our own standards: the Security Hub CSPM controls of the standards the stack enables by
 * default (FSBP v1.0.0 and CIS AWS Foundations v3.0.0) that judge a resource type the program creates, checked
 * against every planned resource of that type. The table in helpers/own-standards.ts is written from the Security
 * Hub CSPM user guide's control reference, not from the code; a control that must not pass lives in EXEMPTIONS
 * with its reason.
 */

function failures(control: Control, planned: PlanDocument): string[] {
    const exempt = EXEMPTIONS.filter((e) => e.control === control.id);
    const found: string[] = [];
    for (const type of control.types) {
        for (const resource of ofType(planned, type)) {
            if (exempt.some((e) => e.applies(resource, planned))) continue;
            const verdict: Verdict = control.check(resource, planned);
            if (verdict !== true) found.push(`${control.id} ${resource.name}: ${verdict}`);
        }
    }
    return found;
}

describe("own standards: the stack's resources pass the controls of its default standards", () => {
    const stacks: Record<string, PlanDocument> = {};
    before(async () => {
        stacks.prod = await plan("prod");
        stacks.dev = await plan("dev");
    });

    for (const stack of ["prod", "dev"]) {
        it(`${stack}: every judged resource passes, or is exempt with a reason`, () => {
            const planned = stacks[stack];
            const found = CONTROLS.flatMap((control) => failures(control, planned));
            assert.deepEqual(found, []);
        });
    }

    it("judges what it claims to: the resource types the stack plans are in the table", () => {
        // Types Security Hub CSPM evaluates among what prod plans: each must be judged by some control of the table,
        // or have been looked at and found judged by none of FSBP's or CIS 3.0's controls.
        const judged = new Set(CONTROLS.flatMap((c) => c.types));
        const lookedAt = [
            "aws:s3/bucket:Bucket",
            "aws:kms/key:Key",
            "aws:sns/topic:Topic",
            "aws:sns/topicPolicy:TopicPolicy",
            "aws:sqs/queue:Queue",
            "aws:sqs/queuePolicy:QueuePolicy",
            "aws:lambda/function:Function",
            "aws:lambda/permission:Permission",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
        ];
        for (const type of lookedAt) {
            assert.ok(judged.has(type), `${type} is judged`);
            assert.ok(ofType(stacks.prod, type).length > 0, `prod plans ${type}`);
        }
        // Controls judging only types the stack does not create: the plan must still create none of them, or the
        // table's "passes" would be vacuous.
        for (const type of [
            "aws:iam/policy:Policy",
            "aws:iam/user:User",
            "aws:cloudwatch/eventBus:EventBus",
            "aws:cloudtrail/trail:Trail",
            "aws:s3/bucketAclV2:BucketAclV2",
        ]) {
            assert.equal(ofType(stacks.prod, type).length, 0, `${type}: the table expects none`);
        }
    });

    it("every check can fail: each control rejects its own non-compliant example", () => {
        for (const control of CONTROLS) {
            const { resource, plan: context } = control.failing();
            const verdict = control.check(resource, context);
            assert.notEqual(verdict, true, `${control.id} rejects ${resource.name}`);
        }
    });

    it("S3.9: the findings bucket logs to the access-log bucket, which the S3.9 exemption alone covers", () => {
        const prod = stacks.prod;
        const buckets = ofType(prod, "aws:s3/bucket:Bucket");
        assert.equal(buckets.length, 2);
        const exempt = buckets.filter((b) =>
            EXEMPTIONS.some((e) => e.control === "S3.9" && e.applies(b, prod)),
        );
        assert.deepEqual(
            exempt.map((b) => b.inputs.bucket),
            [`security-governance-access-logs-${prod.accounts.securityAdmin}-${prod.homeRegion}`],
        );
        const [logging] = ofType(prod, "aws:s3/bucketLogging:BucketLogging");
        assert.equal(logging.inputs.targetBucket, exempt[0].inputs.bucket);
        assert.equal(
            logging.inputs.bucket,
            `security-governance-findings-${prod.accounts.securityAdmin}-${prod.homeRegion}`,
        );
    });

    it("every exemption names its reason and a control of the table", () => {
        const ids = new Set(CONTROLS.map((c) => c.id));
        for (const exemption of EXEMPTIONS) {
            assert.ok(ids.has(exemption.control), exemption.control);
            assert.ok(exemption.reason.length > 40, `${exemption.control} says why`);
        }
    });

    it("the table holds only live controls of the default standards", () => {
        // The controls Security Hub CSPM offers, from its controls reference (stacks/data, with its source).
        const ids = controlIds as { active: string[] };
        for (const control of CONTROLS) {
            assert.ok(ids.active.includes(control.id), `${control.id} is a live control`);
            assert.ok(control.standards.length > 0, control.id);
            for (const standard of control.standards) {
                assert.ok(["FSBP v1.0.0", "CIS v3.0.0"].includes(standard), `${control.id}: ${standard}`);
            }
        }
    });
});
