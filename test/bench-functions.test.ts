import { strict as assert } from "node:assert";
import { Run } from "../functions/shared/run";
import { VirtualTime, simulateEnrollment } from "../tools/bench-functions";

class ThrottlingException extends Error {
    override name = "ThrottlingException";
    $metadata = { httpStatusCode: 400 };
}

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

    it("sees the global timers of the code it drives: a wait on setTimeout ends on the virtual clock, not in a deadlock", async () => {
        const time = new VirtualTime();
        const realSetTimeout = globalThis.setTimeout;
        const waited = await time.drive(
            () => new Promise<number>((resolve) => setTimeout(() => resolve(time.now), 60_000)),
        );
        assert.equal(waited, 60_000);
        // A cleared timer never fires, and the clock does not stop at it.
        let fired = false;
        await time.drive(async () => {
            const timer = setTimeout(() => (fired = true), 1_000);
            clearTimeout(timer);
            await time.sleep(5_000);
        });
        assert.equal(fired, false);
        assert.equal(time.now, 65_000);
        assert.equal(globalThis.setTimeout, realSetTimeout, "the real timers are back after a drive");
    });

    it("retries throttled calls through the SDK's retry strategy on the virtual clock alone (the deadlock of npm run bench -- --functions)", async () => {
        // Every retry of a Run passes through @smithy/core's ConfiguredRetryStrategy, which waits on a 0 ms
        // setTimeout of its own before handing out the retry token: 20 calls side by side, each throttled 4 times.
        const time = new VirtualTime();
        const run = new Run({
            deadlineMs: 3_600_000,
            now: () => time.now,
            sleep: (ms) => time.sleep(ms),
            backoffMs: (attempt) => attempt * 1000,
        });
        const call = async (n: number) => {
            let attempts = 0;
            return run.call(`call ${n}`, async () => {
                await time.sleep(80);
                if (++attempts <= 4) throw new ThrottlingException("Rate exceeded");
                return attempts;
            });
        };
        const attempts = await time.drive(Promise.all(Array.from({ length: 20 }, (_, n) => call(n))));
        assert.deepEqual(new Set(attempts), new Set([5]));
        assert.equal(run.retries, 80);
        // Five attempts of 80 ms and backoffs of 1, 2, 3 and 4 s, the calls side by side.
        assert.equal(time.now, 5 * 80 + 10_000);
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
