import { strict as assert } from "node:assert";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DetectiveClient } from "@aws-sdk/client-detective";
import { EC2Client } from "@aws-sdk/client-ec2";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import { Inspector2Client } from "@aws-sdk/client-inspector2";
import { Macie2Client } from "@aws-sdk/client-macie2";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { refusals } from "./aws-gate";
import { world, type World } from "./world";

const SDK_CLIENTS = [
    CloudWatchClient,
    DetectiveClient,
    EC2Client,
    GuardDutyClient,
    IAMClient,
    Inspector2Client,
    Macie2Client,
    OrganizationsClient,
    S3Client,
    SecurityHubClient,
    SNSClient,
    SQSClient,
    STSClient,
];

/**
 * The world for a describe block: the gate is open while the block runs (so no other test file's clients meet
 * it), each test starts with no calls recorded, and a test that passes fails after all when one of its calls was
 * not allowed by the planned policies or the gate itself failed. Call it in the block, before its own hooks.
 */
export function gatedWorld(): () => World {
    let w: World | undefined;
    before(async function () {
        this.timeout(120_000);
        // A class mock (aws-sdk-client-mock's mockClient(SomeClient)) left in place by another test file would
        // answer these clients instead of the emulator.
        const stubbed = SDK_CLIENTS.filter((c) => Object.prototype.hasOwnProperty.call(c.prototype, "send"));
        if (stubbed.length > 0)
            throw new Error(
                `class mocks left in place by another test file: ${stubbed.map((c) => c.name).join(", ")}`,
            );
        w = await world();
        w.open();
    });
    after(() => w?.close());
    beforeEach(() => {
        w?.gate.calls.splice(0);
        w?.gate.errors.splice(0);
    });
    afterEach(function () {
        if (w !== undefined && this.currentTest?.state === "passed") assert.deepEqual(refusals(w.gate), []);
    });
    return () => {
        if (w === undefined) throw new Error("the world is made in before()");
        return w;
    };
}
