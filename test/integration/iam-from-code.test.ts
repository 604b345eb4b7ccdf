import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { COVERAGE_NAMESPACE } from "../../components/coverage-function";
import { DRILL_NAMESPACE } from "../../components/drill-function";
import { FINDING_TAG_KEY, QUARANTINE_TAG } from "../../functions/response/network";
import { decideRequest, type Principal } from "./aws-gate";
import { iamRequests, type Facts } from "./iam-requests";
import type { Fn as PlannedFn } from "./planned";
import { HOME, world, type World } from "./world";

/*
 * IAM from the code: every AWS call the functions make is collected from their source (each call is made through
 * Run.call or change() under a "service:Operation" scope, and the member role is assumed through
 * fromTemporaryCredentials), and each is simulated under the planned role of every function that makes it, with
 * the resource ARN and condition keys the request carries (iam-requests.ts), the SCPs, RCPs and resource policies
 * of the plan. The integration tests simulate the same way every call as it happens; this covers the calls no
 * emulated run reaches (what follows an operation moto lacks).
 */

type Fn = PlannedFn | "member";

interface Sample {
    fn: Fn;
    input: Record<string, unknown>;
}

const ROOT = path.join(__dirname, "..", "..");
const FUNCTIONS = path.join(ROOT, "functions");

/** Every "service:Operation" scope in the functions' code, with the files that use it. */
function scopesInCode(): Map<string, string[]> {
    const found = new Map<string, string[]>();
    const walk = (dir: string) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(file);
            else if (entry.name.endsWith(".ts")) {
                const text = fs.readFileSync(file, "utf8");
                for (const match of text.matchAll(
                    /"(ec2|s3|iam|sns|sqs|cloudwatch|organizations|guardduty|macie2|detective|securityhub|inspector2|lambda|sts):([A-Z][A-Za-z0-9]+)"/g,
                ))
                    found.set(`${match[1]}:${match[2]}`, [
                        ...(found.get(`${match[1]}:${match[2]}`) ?? []),
                        path.relative(ROOT, file),
                    ]);
                if (text.includes("fromTemporaryCredentials("))
                    found.set("sts:AssumeRole", [path.relative(ROOT, file)]);
            }
        }
    };
    walk(FUNCTIONS);
    return found;
}

/** Calls made with the user's own credentials (npm run members), under no planned role. */
const USER_CALLS: Record<string, string> = {
    "macie2:DisassociateMember":
        "functions/enrollment/removal.ts, run by npm run members with the user's credentials",
    "detective:DeleteMembers":
        "functions/enrollment/removal.ts, run by npm run members with the user's credentials",
};

const SERVICE_IDS: Record<string, string> = {
    ec2: "EC2",
    s3: "S3",
    iam: "IAM",
    sns: "SNS",
    sqs: "SQS",
    sts: "STS",
    cloudwatch: "CloudWatch",
    organizations: "Organizations",
    guardduty: "GuardDuty",
    macie2: "Macie2",
    detective: "Detective",
    securityhub: "SecurityHub",
    inspector2: "Inspector2",
};

describe("integration: IAM from the code, every call the functions make under its planned role", function () {
    this.timeout(120_000);
    let w: World;
    before(async () => {
        w = await world();
    });

    /** A request as the function would send it, on the resources of the planned stack and this organization. */
    function samples(): Record<string, Sample[]> {
        const { bucket, kmsKeyArn, topicArn } = responderSettings();
        const inboxUrl = `https://sqs.${HOME}.amazonaws.com/${w.security}/security-governance-drill-inbox`;
        const member = w.workloads[0];
        const graph = `arn:aws:detective:${HOME}:${w.security}:graph:0123456789abcdef0123456789abcdef`;
        const put = (Key: string) => ({
            Bucket: bucket,
            Key,
            ServerSideEncryption: "aws:kms",
            SSEKMSKeyId: kmsKeyArn,
        });
        return {
            "cloudwatch:PutMetricData": [
                { fn: "coverage", input: { Namespace: COVERAGE_NAMESPACE } },
                { fn: "drill", input: { Namespace: DRILL_NAMESPACE } },
            ],
            "s3:PutObject": [
                { fn: "coverage", input: put("coverage/rows/macie/us-east-1/latest.json") },
                { fn: "drill", input: put("coverage/drill/state.json") },
                { fn: "drill", input: put("coverage/drill/latest.json") },
                {
                    fn: "responder",
                    input: put(
                        `responses/done/${member}/f/1-2026-01-01T00_00_00Z/blockRemoteAddress-act.json`,
                    ),
                },
                {
                    fn: "responder",
                    input: put(`responses/blocks/${member}/${HOME}/acl-0123456789abcdef0-1-in.json`),
                },
                {
                    fn: "responder",
                    input: put(`responses/quarantine/${member}/${HOME}/vpc-0123456789abcdef0.json`),
                },
            ],
            "s3:GetObject": [
                { fn: "coverage", input: { Bucket: bucket, Key: "coverage/latest.json" } },
                { fn: "coverage", input: { Bucket: bucket, Key: "coverage/drill/latest.json" } },
                { fn: "drill", input: { Bucket: bucket, Key: "coverage/drill/state.json" } },
                {
                    fn: "drill",
                    input: {
                        Bucket: bucket,
                        Key: "responses/decisions/2026-03-02/f/isolateInstance-skip-e.json",
                    },
                },
                {
                    fn: "responder",
                    input: { Bucket: bucket, Key: `responses/blocks/${member}/${HOME}/acl-1-1-in.json` },
                },
                {
                    fn: "responder",
                    input: {
                        Bucket: bucket,
                        Key: `responses/quarantine/${member}/${HOME}/vpc-0123456789abcdef0.json`,
                    },
                },
            ],
            "s3:ListObjectsV2": [
                {
                    fn: "coverage",
                    input: { Bucket: bucket, Prefix: "coverage/rows/macie/us-east-1/latest.json" },
                },
                { fn: "drill", input: { Bucket: bucket, Prefix: "coverage/drill/state.json" } },
                { fn: "drill", input: { Bucket: bucket, Prefix: "responses/decisions/2026-03-02/f/" } },
                {
                    fn: "responder",
                    input: {
                        Bucket: bucket,
                        Prefix: `responses/done/${member}/f/1-2026-01-01T00_00_00Z/blockRemoteAddress-act.json`,
                    },
                },
                { fn: "responder", input: { Bucket: bucket, Prefix: "responses/blocks/" } },
                {
                    fn: "responder",
                    input: {
                        Bucket: bucket,
                        Prefix: `responses/quarantine/${member}/${HOME}/vpc-0123456789abcdef0.json`,
                    },
                },
            ],
            "s3:DeleteObject": [
                {
                    fn: "responder",
                    input: { Bucket: bucket, Key: `responses/blocks/${member}/${HOME}/acl-1-1-in.json` },
                },
            ],
            "sns:Publish": [
                { fn: "coverage", input: { TopicArn: topicArn } },
                { fn: "responder", input: { TopicArn: topicArn } },
            ],
            "sts:AssumeRole": [{ fn: "responder", input: { RoleArn: w.memberRole(member).arn } }],
            "organizations:ListAccounts": [
                { fn: "coverage", input: {} },
                { fn: "enrollment", input: {} },
            ],
            "organizations:ListAccountsForParent": [
                { fn: "coverage", input: { ParentId: w.scopedOu } },
                { fn: "enrollment", input: { ParentId: w.scopedOu } },
            ],
            "organizations:ListOrganizationalUnitsForParent": [
                { fn: "coverage", input: { ParentId: w.scopedOu } },
                { fn: "enrollment", input: { ParentId: w.scopedOu } },
            ],
            "organizations:ListParents": [{ fn: "responder", input: { ChildId: member } }],
            "guardduty:ListDetectors": [
                { fn: "coverage", input: {} },
                { fn: "responder", input: {} },
                { fn: "drill", input: {} },
            ],
            "guardduty:GetFindings": [
                {
                    fn: "responder",
                    input: { DetectorId: "12abc34d567e8fa901bc2d34e56789f0", FindingIds: ["f"] },
                },
                {
                    fn: "drill",
                    input: { DetectorId: "12abc34d567e8fa901bc2d34e56789f0", FindingIds: ["f"] },
                },
            ],
            "guardduty:CreateSampleFindings": [
                {
                    fn: "drill",
                    input: {
                        DetectorId: "12abc34d567e8fa901bc2d34e56789f0",
                        FindingTypes: ["CryptoCurrency:EC2/BitcoinTool.B"],
                    },
                },
            ],
            "guardduty:ListFindings": [
                { fn: "drill", input: { DetectorId: "12abc34d567e8fa901bc2d34e56789f0" } },
            ],
            "sqs:ReceiveMessage": [{ fn: "drill", input: { QueueUrl: inboxUrl } }],
            "sqs:DeleteMessage": [{ fn: "drill", input: { QueueUrl: inboxUrl, ReceiptHandle: "r" } }],
            "sns:GetTopicAttributes": [{ fn: "drill", input: { TopicArn: topicArn } }],
            "guardduty:ListMembers": [
                { fn: "coverage", input: { DetectorId: "12abc34d567e8fa901bc2d34e56789f0" } },
            ],
            "guardduty:GetMemberDetectors": [
                { fn: "coverage", input: { DetectorId: "12abc34d567e8fa901bc2d34e56789f0" } },
            ],
            "securityhub:ListMembers": [{ fn: "coverage", input: {} }],
            "securityhub:GetFindings": [{ fn: "coverage", input: {} }],
            "securityhub:ListConfigurationPolicies": [{ fn: "coverage", input: {} }],
            "securityhub:ListConfigurationPolicyAssociations": [{ fn: "coverage", input: {} }],
            "inspector2:BatchGetAccountStatus": [{ fn: "coverage", input: {} }],
            "macie2:ListMembers": [
                { fn: "coverage", input: {} },
                { fn: "enrollment", input: {} },
            ],
            "macie2:CreateMember": [{ fn: "enrollment", input: {} }],
            "detective:ListGraphs": [
                { fn: "coverage", input: {} },
                { fn: "enrollment", input: {} },
            ],
            "detective:ListMembers": [
                { fn: "coverage", input: { GraphArn: graph } },
                { fn: "enrollment", input: { GraphArn: graph } },
            ],
            "detective:CreateMembers": [{ fn: "enrollment", input: { GraphArn: graph } }],
            "ec2:DescribeNetworkAcls": [{ fn: "member", input: {} }],
            "ec2:CreateNetworkAclEntry": [{ fn: "member", input: { NetworkAclId: "acl-0123456789abcdef0" } }],
            "ec2:DeleteNetworkAclEntry": [{ fn: "member", input: { NetworkAclId: "acl-0123456789abcdef0" } }],
            "ec2:DescribeInstances": [{ fn: "member", input: {} }],
            "ec2:DescribeSecurityGroups": [{ fn: "member", input: {} }],
            "ec2:DescribeSecurityGroupRules": [{ fn: "member", input: {} }],
            "ec2:CreateSecurityGroup": [
                {
                    fn: "member",
                    input: {
                        VpcId: "vpc-0123456789abcdef0",
                        TagSpecifications: [{ ResourceType: "security-group", Tags: [QUARANTINE_TAG] }],
                    },
                },
            ],
            "ec2:RevokeSecurityGroupEgress": [{ fn: "member", input: { GroupId: "sg-0quarantine000000" } }],
            "ec2:ModifyNetworkInterfaceAttribute": [
                {
                    fn: "member",
                    input: { NetworkInterfaceId: "eni-0123456789abcdef0", Groups: ["sg-0quarantine000000"] },
                },
            ],
            "ec2:CreateSnapshots": [
                {
                    fn: "member",
                    input: {
                        InstanceSpecification: { InstanceId: "i-0123456789abcdef0" },
                        TagSpecifications: [
                            { ResourceType: "snapshot", Tags: [{ Key: FINDING_TAG_KEY, Value: "f" }] },
                        ],
                    },
                },
            ],
            "ec2:CreateTags": [
                {
                    fn: "member",
                    input: {
                        Resources: ["i-0123456789abcdef0"],
                        Tags: [{ Key: FINDING_TAG_KEY, Value: "f" }],
                    },
                },
            ],
            "ec2:StopInstances": [{ fn: "member", input: { InstanceIds: ["i-0123456789abcdef0"] } }],
            "iam:ListAccessKeys": [{ fn: "member", input: { UserName: "ci" } }],
            "iam:UpdateAccessKey": [{ fn: "member", input: { UserName: "ci" } }],
            "iam:PutRolePolicy": [{ fn: "member", input: { RoleName: "app" } }],
            "s3:GetPublicAccessBlock": [{ fn: "member", input: { Bucket: "member-bucket" } }],
            "s3:PutPublicAccessBlock": [{ fn: "member", input: { Bucket: "member-bucket" } }],
        };
    }

    function responderSettings() {
        const variables = w.plan.resources.find((r) => r.name === "response-function")?.inputs.environment as
            { variables: Record<string, string> } | undefined;
        const settings = JSON.parse(variables?.variables.RESPONDER_SETTINGS ?? "{}") as {
            records: { bucket: string; kmsKeyArn: string };
            topicArn: string;
        };
        return {
            bucket: settings.records.bucket,
            kmsKeyArn: settings.records.kmsKeyArn,
            topicArn: settings.topicArn,
        };
    }

    /** The live state the condition keys read, as the act leaves it: the quarantine group and instance tagged. */
    function facts(account: string): Facts {
        const real = w.settings.facts(account, HOME);
        return {
            ...real,
            tags: async (id) =>
                id.startsWith("sg-")
                    ? { [QUARANTINE_TAG.Key]: QUARANTINE_TAG.Value }
                    : id.startsWith("i-")
                      ? { [FINDING_TAG_KEY]: "f" }
                      : {},
            volumes: async () => ["vol-0123456789abcdef0"],
            networkInterface: async () => ({
                instanceId: "i-0123456789abcdef0",
                subnetId: "subnet-0123456789abcdef0",
            }),
        };
    }

    function principal(fn: Fn): Principal {
        return fn === "member" ? w.memberRole(w.workloads[0]) : w.role(fn);
    }

    it("every call in the code has a sample, and every sample a call in the code", () => {
        const inCode = [...scopesInCode().keys()].filter((s) => !(s in USER_CALLS)).sort();
        assert.deepEqual(Object.keys(samples()).sort(), inCode);
        for (const scope of Object.keys(USER_CALLS))
            assert.ok(scopesInCode().has(scope), `${scope} is no longer in the code`);
    });

    it("each is allowed by the planned role of every function that makes it, SCPs, RCPs and resource policies included", async () => {
        const refused: string[] = [];
        let simulated = 0;
        for (const [scope, list] of Object.entries(samples())) {
            const [prefix, command] = scope.split(":");
            for (const sample of list) {
                const who = principal(sample.fn);
                const requests = await iamRequests({
                    service: SERVICE_IDS[prefix],
                    command: command,
                    input: sample.input,
                    region: HOME,
                    account: who.account,
                    partition: "aws",
                    facts: facts(who.account),
                });
                for (const request of requests) {
                    simulated++;
                    const decision = await decideRequest(w.settings, who, request);
                    if (decision !== "Allowed")
                        refused.push(
                            `${sample.fn} ${scope}: ${request.action} ${request.resource} ${decision}`,
                        );
                }
            }
        }
        assert.deepEqual(refused, []);
        assert.ok(simulated >= 60, `${simulated} requests simulated`);
    });

    it("no role may list the findings bucket unconditioned, so a missing key answers it 403: every read lists first", async () => {
        // GetObject and HeadObject API reference: without s3:ListBucket, a missing key is 403 AccessDenied.
        const { bucket } = responderSettings();
        for (const fn of ["responder", "coverage"] as const) {
            const decision = await decideRequest(w.settings, w.role(fn), {
                action: "s3:ListBucket",
                resource: `arn:aws:s3:::${bucket}`,
                resourceAccount: w.security,
                context: { "aws:RequestedRegion": HOME, "aws:SecureTransport": "true" },
            });
            assert.notEqual(decision, "Allowed", fn);
        }
        // And the code never reads an object it has not listed: no HeadObject anywhere, GetObject only in the
        // shared reader, after a listing.
        const scopes = scopesInCode();
        assert.equal(scopes.get("s3:HeadObject"), undefined);
        assert.deepEqual(scopes.get("s3:GetObject"), ["functions/shared/s3-objects.ts"]);
    });

    it("the simulation can refuse: the responder may not write coverage reports, nor the coverage role act in members", async () => {
        const { bucket, kmsKeyArn } = responderSettings();
        const [request] = await iamRequests({
            service: "S3",
            command: "PutObject",
            input: {
                Bucket: bucket,
                Key: "coverage/latest.json",
                ServerSideEncryption: "aws:kms",
                SSEKMSKeyId: kmsKeyArn,
            },
            region: HOME,
            account: w.security,
            partition: "aws",
            facts: facts(w.security),
        });
        assert.notEqual(await decideRequest(w.settings, w.role("responder"), request), "Allowed");
        const [assume] = await iamRequests({
            service: "STS",
            command: "AssumeRole",
            input: { RoleArn: w.memberRole(w.workloads[0]).arn },
            region: HOME,
            account: w.security,
            partition: "aws",
            facts: facts(w.security),
        });
        assert.notEqual(await decideRequest(w.settings, w.role("coverage"), assume), "Allowed");
    });
});
