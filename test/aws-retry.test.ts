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
});
