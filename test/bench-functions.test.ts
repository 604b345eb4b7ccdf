import { strict as assert } from "node:assert";
import { VirtualTime, simulateEnrollment } from "../tools/bench-functions";

describe("the functions benchmark's simulation (npm run bench -- --functions)", () => {
    it("overlaps concurrent waits on its virtual clock instead of adding them up", async () => {
        const time = new VirtualTime();
        const order: string[] = [];
        const wait = async (name: string, ms: number) => {
            await time.sleep(ms);
            order.push(`${name}@${time.now}`);
        };
        await time.drive(Promise.all([wait("a", 300), wait("b", 100), wait("c", 200)]));
        assert.deepEqual(order, ["b@100", "c@200", "a@300"]);
        assert.equal(time.now, 300);
    });

    it("drives the real enrollment code to convergence: every account a member, Detective up to its quota", async () => {
        const results = await simulateEnrollment({
            accounts: 60,
            regions: ["eu-west-1", "us-east-1"],
            runMinutes: 14,
            maxRuns: 3,
        });
        assert.equal(results.length, 1);
        const [first] = results;
        assert.equal(first.remaining, 0);
        assert.equal(first.stoppedEarly, false);
        // 3 ListAccounts pages; per region and service a ListMembers, then 59 Macie CreateMember and 2
        // Detective CreateMembers batches, throttled calls retried on top.
        assert.ok(first.calls >= 3 + 2 * (1 + 59) + 2 * (1 + 2), String(first.calls));
        assert.equal(first.calls - first.retries, 3 + 2 * (1 + 59) + 2 * (1 + 2));
    });
});
