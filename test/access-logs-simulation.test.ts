import { strict as assert } from "node:assert";
import type { PolicyDocument } from "../components/policy-documents";
import {
    allowEverything,
    anonymousPrincipal,
    describeOutcome,
    type IamRequest,
    simulate,
    TLS,
} from "./helpers/iam";
import { plan, single } from "./helpers/plan";

/*
 * The access-log bucket's policy as the prod plan deploys it, evaluated by IAM simulation
 * (@cloud-copilot/iam-simulate): S3's log delivery (`logging.s3.amazonaws.com`, S3 user guide "Enabling Amazon S3
 * server access logging") writes the findings bucket's logs under their prefix, with aws:SourceArn and
 * aws:SourceAccount as that page's example policy names them, and nothing else gets in.
 */

const OTHER_ACCOUNT = "444455556666";

describe("the access-log bucket's policy, proven by IAM simulation", () => {
    let policy: PolicyDocument;
    let account: string;
    let logBucket: string;
    let findingsBucket: string;
    before(async () => {
        const prod = await plan("prod");
        account = prod.accounts.securityAdmin;
        logBucket = `security-governance-access-logs-${account}-${prod.homeRegion}`;
        findingsBucket = `security-governance-findings-${account}-${prod.homeRegion}`;
        const planned = single(
            prod,
            "aws:s3/bucketPolicy:BucketPolicy",
            (r) => r.inputs.bucket === logBucket,
        );
        policy = JSON.parse(String(planned.inputs.policy)) as PolicyDocument;
    });

    const delivery = (key: string, source: string, sourceAccount: string, tls = TLS): IamRequest => ({
        principal: "logging.s3.amazonaws.com",
        action: "s3:PutObject",
        resource: `arn:aws:s3:::${logBucket}/${key}`,
        resourceAccount: account,
        context: { ...tls, "aws:SourceArn": `arn:aws:s3:::${source}`, "aws:SourceAccount": sourceAccount },
    });

    async function decided(request: IamRequest): Promise<string> {
        const outcome = await simulate(request, policy);
        return outcome.decision === "Allowed" ? "Allowed" : describeOutcome(outcome);
    }

    it("lets S3 deliver the findings bucket's logs under the findings bucket's prefix", async () => {
        const key = `${findingsBucket}/2026-12-07-10-00-00-0123456789ABCDEF`;
        assert.equal(await decided(delivery(key, findingsBucket, account)), "Allowed");
    });

    it("refuses logs of another bucket, of another account, or outside the prefix", async () => {
        const key = `${findingsBucket}/2026-12-07-10-00-00-0123456789ABCDEF`;
        const refused = [
            delivery(key, "someone-elses-bucket", account),
            delivery(key, findingsBucket, OTHER_ACCOUNT),
            delivery("elsewhere/2026-12-07-10-00-00-0123456789ABCDEF", findingsBucket, account),
        ];
        for (const request of refused) {
            assert.notEqual(await decided(request), "Allowed", JSON.stringify(request.context));
        }
    });

    it("refuses everyone else, and any request not made over TLS", async () => {
        const object = `arn:aws:s3:::${logBucket}/${findingsBucket}/log`;
        const other: IamRequest = {
            principal: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader`,
            action: "s3:GetObject",
            resource: object,
            resourceAccount: account,
            context: TLS,
            identityPolicies: [allowEverything("everything", ["s3:*"])],
        };
        assert.notEqual(await decided(other), "Allowed");
        const anonymous: IamRequest = {
            principal: anonymousPrincipal,
            action: "s3:GetObject",
            resource: object,
            resourceAccount: account,
            context: TLS,
        };
        assert.notEqual(await decided(anonymous), "Allowed");
        const plain: IamRequest = {
            principal: `arn:aws:iam::${account}:role/analyst`,
            action: "s3:GetObject",
            resource: object,
            resourceAccount: account,
            context: { "aws:SecureTransport": "false" },
            identityPolicies: [allowEverything("everything", ["s3:*"])],
        };
        const outcome = await simulate(plain, policy);
        assert.equal(outcome.decision, "ExplicitlyDenied");
        assert.ok(outcome.deniedBy.includes("DenyNonTlsAccess"), describeOutcome(outcome));
    });
});
