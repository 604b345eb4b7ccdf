import { strict as assert } from "node:assert";
import { withAwsRetry } from "../stacks/aws-retry";

function awsError(name: string, status: number): Error {
    return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe("withAwsRetry", () => {
    it("retries throttling until the call succeeds, waiting the backoff it is given", async () => {
        let calls = 0;
        const waits: number[] = [];
        const result = await withAwsRetry(
            "test",
            async () => {
                calls++;
                if (calls < 3) throw awsError("ThrottlingException", 400);
                return "done";
            },
            { backoffMs: (attempt) => attempt * 10, sleep: async (ms) => void waits.push(ms) },
        );
        assert.equal(result, "done");
        assert.equal(calls, 3);
        assert.deepEqual(waits, [10, 20]);
    });

    it("gives up after maxAttempts and surfaces the AWS error itself", async () => {
        let calls = 0;
        await assert.rejects(
            withAwsRetry(
                "test",
                async () => {
                    calls++;
                    throw awsError("TooManyRequestsException", 429);
                },
                { maxAttempts: 4, sleep: async () => undefined },
            ),
            { name: "TooManyRequestsException" },
        );
        assert.equal(calls, 4);
    });

    it("does not retry client errors such as access denied", async () => {
        let calls = 0;
        await assert.rejects(
            withAwsRetry(
                "test",
                async () => {
                    calls++;
                    throw awsError("AccessDeniedException", 403);
                },
                { sleep: async () => undefined },
            ),
            { name: "AccessDeniedException" },
        );
        assert.equal(calls, 1);
    });

    it("tries a throttled call 10 times by default, with jittered backoff growing from 500 ms", async () => {
        let calls = 0;
        const waits: number[] = [];
        await assert.rejects(
            withAwsRetry(
                "test",
                async () => {
                    calls++;
                    throw awsError("ThrottlingException", 400);
                },
                { sleep: async (ms) => void waits.push(ms) },
            ),
            { name: "ThrottlingException" },
        );
        assert.equal(calls, 10);
        assert.equal(waits.length, 9);
        waits.forEach((ms, index) => {
            const bound = Math.min(20_000, 500 * 2 ** (index + 1));
            assert.ok(ms >= 0 && ms <= bound, `wait ${index + 1}: ${ms} ms within [0, ${bound}]`);
        });
    });

    it("backs off from 100 ms for a server error, never past 20 s", async () => {
        const waits: number[] = [];
        const original = Math.random;
        Math.random = () => 0.999999; // the top of the jitter range
        try {
            await assert.rejects(
                withAwsRetry(
                    "test",
                    async () => {
                        throw awsError("InternalServerException", 500);
                    },
                    { sleep: async (ms) => void waits.push(ms) },
                ),
                { name: "InternalServerException" },
            );
        } finally {
            Math.random = original;
        }
        assert.deepEqual(
            waits.map((ms) => Math.round(ms)),
            [200, 400, 800, 1600, 3200, 6400, 12800, 20000, 20000],
        );
    });
});
