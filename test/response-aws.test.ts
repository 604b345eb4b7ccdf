import { strict as assert } from "node:assert";
import { awsResponderDependencies, cachedAccountOus, OU_CACHE_MS } from "../functions/response/aws";
import { testRun } from "./helpers/run";

/*
 * The responder's real dependencies keep what a burst would otherwise ask for on every event: the member clients
 * (each keeps the credentials it resolved, so one AssumeRole per account while they last), GuardDuty clients by
 * region, and an account's OUs for a few minutes.
 */

describe("the responder's dependencies, across the events of one execution environment", () => {
    it("hands out one set of member clients per account and region, and one GuardDuty client per region", () => {
        const deps = awsResponderDependencies({
            homeRegion: "eu-west-1",
            partition: "aws",
            memberRoleName: "security-governance-responder",
        });
        const a = deps.member("444444444444", "us-east-1");
        assert.equal(deps.member("444444444444", "us-east-1"), a);
        assert.notEqual(deps.member("444444444444", "eu-west-1"), a);
        assert.notEqual(deps.member("555555555555", "us-east-1"), a);
        assert.equal(deps.guardduty("us-east-1"), deps.guardduty("us-east-1"));
        assert.notEqual(deps.guardduty("us-east-1"), deps.guardduty("eu-west-1"));
    });

    it("asks for an account's OUs once within OU_CACHE_MS, and again after", async () => {
        let now = 1_000_000;
        const asked: string[] = [];
        const ous = cachedAccountOus(
            async (accountId) => {
                asked.push(accountId);
                return [`ou-ab12-${accountId.slice(0, 8)}`];
            },
            () => now,
        );
        assert.deepEqual(await ous("444444444444", testRun()), ["ou-ab12-44444444"]);
        now += OU_CACHE_MS - 1;
        await ous("444444444444", testRun());
        await ous("555555555555", testRun());
        assert.deepEqual(asked, ["444444444444", "555555555555"]);
        now += 2;
        await ous("444444444444", testRun());
        assert.deepEqual(asked, ["444444444444", "555555555555", "444444444444"]);
        // Five minutes: a move out of an exempt OU is seen within them.
        assert.equal(OU_CACHE_MS, 300_000);
    });
});
