import { strict as assert } from "node:assert";
import { handler, settingsFromEnvironment } from "../functions/response/handler";

/*
 * The Lambda entry point: which events it answers and what it refuses, before any AWS call. The finding and
 * sweep paths themselves are tested through respondToFinding and sweepExpiredBlocks (response-run tests).
 */

const context = { getRemainingTimeInMillis: () => 60_000 };
const SETTINGS = JSON.stringify({ homeRegion: "eu-west-1", partition: "aws", memberRoleName: "r" });

describe("the responder's handler", () => {
    let saved: string | undefined;
    beforeEach(() => {
        saved = process.env.RESPONDER_SETTINGS;
    });
    afterEach(() => {
        if (saved === undefined) delete process.env.RESPONDER_SETTINGS;
        else process.env.RESPONDER_SETTINGS = saved;
    });

    it("refuses to run without its settings", () => {
        assert.throws(() => settingsFromEnvironment({}), /^Error: RESPONDER_SETTINGS is not set$/);
    });

    it("ignores, and says so, an event that is neither a GuardDuty finding nor its schedule", async () => {
        process.env.RESPONDER_SETTINGS = SETTINGS;
        for (const event of [
            { source: "aws.securityhub", "detail-type": "Security Hub Findings - Imported" },
            { source: "aws.guardduty", "detail-type": "GuardDuty Malware Protection Object Scan Result" },
            { source: "aws.events", "detail-type": "GuardDuty Finding" },
        ]) {
            const result = await handler(event, context);
            assert.equal(result.kind, "ignored", JSON.stringify(event));
            assert.match(
                result.kind === "ignored" ? result.why : "",
                new RegExp(
                    `^not a GuardDuty finding or the schedule: \\{"source":"${event.source.replace(".", "\\.")}"`,
                ),
            );
        }
        const none = await handler(undefined, context);
        assert.deepEqual(none, {
            kind: "ignored",
            why: "not a GuardDuty finding or the schedule: undefined",
        });
    });
});
