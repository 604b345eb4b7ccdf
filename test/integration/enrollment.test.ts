import { strict as assert } from "node:assert";
import { EnableMacieCommand, Macie2Client } from "@aws-sdk/client-macie2";
import { handler } from "../../functions/enrollment/handler";
import { refusals } from "./aws-gate";
import { gatedWorld } from "./gated-world";
import { HOME, OTHER, type Deployed, type World } from "./world";

/*
 * The enrollment function's real handler, deployed as planned, against the emulator. It reads the organization
 * (as a delegated administrator may), its priority OU, and Macie's members, and asks Macie to enroll every
 * workload account. moto's CreateMember raises NotImplementedError and moto has no Detective: those calls are
 * simulated under the planned role and their inputs checked here, and their effects stay with the mocked tests
 * (test/enrollment-*.test.ts).
 */

const context = { getRemainingTimeInMillis: () => 600_000 };

describe("integration: the enrollment function, under its planned role", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;
    let enrollment: Deployed;

    before(async () => {
        w = opened();
        enrollment = await w.deploy("enrollment");
        for (const region of [HOME, OTHER])
            await (await w.client(Macie2Client, w.security, region)).send(new EnableMacieCommand({}));
    });

    it("reads the organization and Macie's members, and asks Macie to enroll each workload account, priority OU first", async () => {
        w.gate.calls.splice(0);
        const report = await enrollment.run(() => handler({}, context));
        assert.deepEqual(refusals(w.gate), []);
        const listed = w.gate.calls.filter((c) => c.command === "ListAccounts");
        assert.ok(listed.length > 0 && listed.every((c) => c.outcome === "ok"));
        // The priority OU is walked: workload-b sits in it.
        assert.ok(
            w.gate.calls.some(
                (c) =>
                    c.command === "ListAccountsForParent" &&
                    c.input.ParentId === w.scopedOu &&
                    c.outcome === "ok",
            ),
        );
        const creates = w.gate.calls.filter((c) => c.service === "Macie2" && c.command === "CreateMember");
        for (const region of [HOME, OTHER]) {
            const asked = creates
                .filter((c) => c.region === region)
                .map((c) => (c.input.account as { accountId: string }).accountId);
            // The management account first, then the priority OU's account, then the rest; never the administrator.
            assert.deepEqual(asked, [w.management, w.workloads[1], w.workloads[0]], region);
        }
        assert.ok(creates.every((c) => c.outcome === "NotInEmulator"));
        // Detective: moto has none; the run reads its graph first, which the gate answers as missing.
        assert.ok(w.gate.calls.some((c) => c.service === "Detective" && c.command === "ListGraphs"));
        // What the report says is what AWS would be told apart from: the emulator's refusals, nothing else.
        assert.deepEqual(report.priorityErrors ?? [], []);
        for (const result of report.results) {
            if (result.service === "macie") {
                assert.equal(result.error, undefined, JSON.stringify(result));
                assert.deepEqual(result.enrolled, []);
                assert.ok(
                    result.failed.length === 3 &&
                        result.failed.every((f) => f.reason.includes("NotInEmulator")),
                );
            } else assert.match(result.error ?? "", /NotInEmulator/, JSON.stringify(result));
        }
    });
});
