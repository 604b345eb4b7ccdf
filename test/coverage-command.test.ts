import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    CreateMembersCommand,
    DetectiveClient,
    ListGraphsCommand,
    ListMembersCommand as ListDetectiveMembers,
} from "@aws-sdk/client-detective";
import {
    GetMemberDetectorsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    ListMembersCommand as ListGuardDutyMembers,
    OrgFeature,
    type GetMemberDetectorsCommandInput,
} from "@aws-sdk/client-guardduty";
import {
    BatchGetAccountStatusCommand,
    Inspector2Client,
    type BatchGetAccountStatusCommandInput,
} from "@aws-sdk/client-inspector2";
import {
    CreateMemberCommand,
    ListMembersCommand as ListMacieMembers,
    Macie2Client,
} from "@aws-sdk/client-macie2";
import { ListAccountsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import {
    GetFindingsCommand,
    ListConfigurationPoliciesCommand,
    ListConfigurationPolicyAssociationsCommand,
    ListMembersCommand as ListSecurityHubMembers,
    SecurityHubClient,
    type GetFindingsCommandInput,
} from "@aws-sdk/client-securityhub";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import type { CoverageReport } from "../functions/coverage/matrix";
import { parseStackConfig } from "../stacks/config";
import { enrollmentSettingsFor } from "../stacks/coverage";
import { runCoverageCommand } from "../tools/coverage";
import { readStackConfigValues, REPO_ROOT } from "../tools/plan-runtime";
import { enrollmentSettings } from "./helpers/enrollment";
import { textBody } from "./helpers/response-world";
import { plan, single } from "./helpers/plan";

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const W1 = "300000000001";
const ALL = [MANAGEMENT, ADMIN, W1];
const GRAPH = `arn:aws:detective:eu-west-1:${ADMIN}:graph:${"a".repeat(32)}`;
const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

// Class mocks (the command makes its own clients), made before this file's tests and restored after them:
// other files mock instances of the same classes, and aws-sdk-client-mock cannot hold both at once.
let sts: AwsClientStub<STSClient>;
let organizations: AwsClientStub<OrganizationsClient>;
let guardduty: AwsClientStub<GuardDutyClient>;
let securityhub: AwsClientStub<SecurityHubClient>;
let macie: AwsClientStub<Macie2Client>;
let detective: AwsClientStub<DetectiveClient>;
let inspector: AwsClientStub<Inspector2Client>;
let s3: AwsClientStub<S3Client>;
const all = () => [sts, organizations, guardduty, securityhub, macie, detective, inspector, s3];

/** An organization of three accounts where every service covers every account, as AWS would answer. */
function coveredOrganization(options: { macieMembers?: string[] } = {}) {
    // The findings bucket holds no drill report until a test puts one there.
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    sts.on(GetCallerIdentityCommand).resolves({
        Account: ADMIN,
        Arn: `arn:aws:iam::${ADMIN}:role/SecOps`,
        UserId: "x",
    });
    organizations.on(ListAccountsCommand).resolves({
        Accounts: ALL.map((Id) => ({ Id, Email: `${Id}@example.com`, State: "ACTIVE" })),
    });
    const members = ALL.filter((id) => id !== ADMIN);
    guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ["d-1"] });
    guardduty.on(ListGuardDutyMembers).resolves({
        Members: members.map((AccountId) => ({
            AccountId,
            RelationshipStatus: "Enabled",
            Email: "",
            MasterId: ADMIN,
            UpdatedAt: "",
        })),
    });
    guardduty.on(GetMemberDetectorsCommand).callsFake((input: GetMemberDetectorsCommandInput) => ({
        MemberDataSourceConfigurations: (input.AccountIds ?? []).map((AccountId) => ({
            AccountId,
            // The pinned SDK's OrgFeature enum lacks AI_PROTECTION, which GuardDuty reports since July 2026.
            Features: [...Object.values(OrgFeature), "AI_PROTECTION"].map((Name) => ({
                Name,
                Status: "ENABLED",
            })),
        })),
        UnprocessedAccounts: [],
    }));
    securityhub
        .on(ListSecurityHubMembers)
        .resolves({ Members: members.map((AccountId) => ({ AccountId, MemberStatus: "Enabled" })) });
    // Config.1 of every account in the region asked for, from the home region's aggregated findings.
    securityhub.on(GetFindingsCommand).callsFake((input: GetFindingsCommandInput) => {
        const region = input.Filters?.Region?.[0]?.Value ?? "";
        return {
            Findings: ALL.map((AwsAccountId) => ({
                SchemaVersion: "2018-10-08",
                Id: `arn:aws:securityhub:${region}:${AwsAccountId}:security-control/Config.1/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111`,
                ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
                GeneratorId: "security-control/Config.1",
                AwsAccountId,
                Region: region,
                Title: "AWS Config should be enabled and use the service-linked role for resource recording",
                Description: "This control checks whether AWS Config is enabled in your account.",
                CreatedAt: "2026-11-01T00:00:00.000Z",
                UpdatedAt: "2026-12-01T00:00:00.000Z",
                Severity: { Label: "CRITICAL" as const },
                Types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
                Resources: [{ Type: "AwsAccount", Id: `AWS::::Account:${AwsAccountId}` }],
                Compliance: { Status: "PASSED" as const, SecurityControlId: "Config.1" },
                RecordState: "ACTIVE" as const,
            })),
        };
    });
    // Central configuration in the home region: the root's policy, inherited by every account.
    const policyId = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
    securityhub.on(ListConfigurationPoliciesCommand).resolves({
        ConfigurationPolicySummaries: [
            {
                Arn: `arn:aws:securityhub:eu-west-1:${ADMIN}:configuration-policy/${policyId}`,
                Id: policyId,
                Name: "securityhub",
                ServiceEnabled: true,
                UpdatedAt: new Date("2026-11-30T10:00:00Z"),
            },
        ],
    });
    securityhub.on(ListConfigurationPolicyAssociationsCommand).resolves({
        ConfigurationPolicyAssociationSummaries: [
            { TargetId: "r-ab12", TargetType: "ROOT" as const, AssociationType: "APPLIED" as const },
            ...ALL.map((TargetId) => ({
                TargetId,
                TargetType: "ACCOUNT" as const,
                AssociationType: "INHERITED" as const,
            })),
        ].map((summary) => ({
            ...summary,
            ConfigurationPolicyId: policyId,
            AssociationStatus: "SUCCESS" as const,
            UpdatedAt: new Date("2026-11-30T10:05:00Z"),
        })),
    });
    macie.on(ListMacieMembers).resolves({
        members: (options.macieMembers ?? members).map((accountId) => ({
            accountId,
            relationshipStatus: "Enabled",
        })),
    });
    detective.on(ListGraphsCommand).resolves({ GraphList: [{ Arn: GRAPH }] });
    detective
        .on(ListDetectiveMembers)
        .resolves({ MemberDetails: members.map((AccountId) => ({ AccountId, Status: "ENABLED" })) });
    const on = { status: "ENABLED" as const, errorCode: undefined, errorMessage: undefined };
    inspector.on(BatchGetAccountStatusCommand).callsFake((input: BatchGetAccountStatusCommandInput) => ({
        accounts: (input.accountIds ?? []).map((accountId) => ({
            accountId,
            state: on,
            resourceState: { ec2: on, ecr: on, lambda: on, lambdaCode: on },
        })),
        failedAccounts: [],
    }));
}

async function coverage(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCoverageCommand(
        argv,
        { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
        { stackDir: REPO_ROOT, credentials },
    );
    return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("npm run coverage", () => {
    before(() => {
        sts = mockClient(STSClient);
        organizations = mockClient(OrganizationsClient);
        guardduty = mockClient(GuardDutyClient);
        securityhub = mockClient(SecurityHubClient);
        macie = mockClient(Macie2Client);
        detective = mockClient(DetectiveClient);
        inspector = mockClient(Inspector2Client);
        s3 = mockClient(S3Client);
    });
    afterEach(() => {
        for (const mock of all()) mock.reset();
    });
    after(() => {
        for (const mock of all()) mock.restore();
    });

    it("reads every service in every governed region, prints progress then the table, exits 0 when all is covered", async () => {
        coveredOrganization();
        const result = await coverage(["--stack", "dev"]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        // Config.1 of every region is read from the home region's aggregated findings.
        const findingCalls = securityhub.commandCalls(GetFindingsCommand);
        assert.equal(findingCalls.length, 2);
        for (const call of findingCalls) {
            assert.equal(await (call.thisValue as SecurityHubClient).config.region(), "eu-west-1");
        }
        assert.deepEqual(result.stderr.trim().split("\n"), [
            "reading guardduty eu-west-1",
            "reading guardduty us-east-1",
            "reading securityhub eu-west-1",
            "reading securityhub us-east-1",
            "reading macie eu-west-1",
            "reading macie us-east-1",
            "reading detective eu-west-1",
            "reading detective us-east-1",
            "reading inspector eu-west-1",
            "reading inspector us-east-1",
            "reading config eu-west-1",
            "reading config us-east-1",
        ]);
        const rows = result.stdout.split("\n").filter((line) => /^\w+\s+[a-z]+-[a-z]+-\d\s/.test(line));
        assert.equal(rows.length, 12);
        // dev turns the new Security Hub on: Config.1 passes by design, so the config rows prove nothing and say
        // so, every account an excused gap (docs/operations.md, known limits); the exit code stays 0.
        assert.ok(
            rows.every((row) =>
                (row.startsWith("config ") ? /\s0\/3\s+3\s+3$/ : /\s3\/3\s+0\s+0$/).test(row),
            ),
            rows.join("\n"),
        );
        assert.match(result.stdout, /^Coverage of 3 active accounts \(0 not active, left out\)/);
        // No drill has finished yet: the drill's folder of the findings bucket is empty.
        assert.match(result.stdout, /\nWeekly drill: no report yet /);
    });

    it("prints the weekly drill's last verdict from the findings bucket", async () => {
        coveredOrganization();
        const key = "coverage/drill/latest.json";
        const report = {
            passed: false,
            findingType: "CryptoCurrency:EC2/BitcoinTool.B",
            finishedAt: "2026-03-02T09:25:00.000Z",
            failure: "no e-mail of the sample reached the inbox within 20 minutes",
            checks: [],
        };
        s3.on(ListObjectsV2Command, { Prefix: key }).resolves({ Contents: [{ Key: key }] });
        s3.on(GetObjectCommand, { Key: key }).resolves({
            Body: textBody(JSON.stringify(report)),
        });
        const result = await coverage(["--stack", "dev"]);
        assert.match(
            result.stdout,
            /\nWeekly drill: FAILED 2026-03-02T09:25:00.000Z \(CryptoCurrency:EC2\/BitcoinTool.B\): no e-mail of the sample reached the inbox within 20 minutes\n/,
        );
        const listed = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
        assert.equal(listed[0].Bucket, `security-governance-findings-${ADMIN}-eu-west-1`);
    });

    it("only reads: no create, enable or update call reaches any service without --repair", async () => {
        coveredOrganization({ macieMembers: [MANAGEMENT] });
        await coverage(["--stack", "dev"]);
        assert.equal(macie.commandCalls(CreateMemberCommand).length, 0);
        assert.equal(detective.commandCalls(CreateMembersCommand).length, 0);
        const sent = [guardduty, securityhub, macie, detective, inspector, organizations].flatMap((m) =>
            m.calls().map((c) => (c.args[0] as object).constructor.name),
        );
        assert.ok(
            sent.every((name) => /^(List|Get|BatchGet)/.test(name)),
            `only List/Get calls: ${[...new Set(sent)].join(", ")}`,
        );
    });

    it("exits 1 and names each gap with its reason when an account is not covered", async () => {
        coveredOrganization({ macieMembers: [MANAGEMENT] });
        const result = await coverage(["--stack", "dev"]);
        assert.equal(result.code, 1);
        assert.match(result.stdout, /\nmacie\s+eu-west-1\s+2\/3\s+1\s+0\n/);
        assert.match(result.stdout, new RegExp(`\n  macie eu-west-1 ${W1}: not a member\n`));
        assert.match(result.stdout, new RegExp(`\n  macie us-east-1 ${W1}: not a member\n`));
    });

    it("--json FILE writes the whole matrix", async () => {
        coveredOrganization({ macieMembers: [MANAGEMENT] });
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "coverage-")), "coverage.json");
        const result = await coverage(["--stack", "dev", "--json", file]);
        const report = JSON.parse(fs.readFileSync(file, "utf8")) as CoverageReport;
        assert.deepEqual(report.accounts, [MANAGEMENT, ADMIN, W1].sort());
        assert.equal(report.rows.length, 12);
        assert.deepEqual(
            report.rows
                .filter((r) => r.gaps.some((gap) => gap.excused !== true))
                .map((r) => [r.service, r.region, r.gaps]),
            [
                ["macie", "eu-west-1", [{ accountId: W1, reason: "not a member" }]],
                ["macie", "us-east-1", [{ accountId: W1, reason: "not a member" }]],
            ],
        );
        // The config rows: every account excused, none covered, each saying why nothing proves recording.
        for (const row of report.rows.filter((r) => r.service === "config")) {
            assert.equal(row.covered, 0);
            assert.deepEqual(
                row.gaps.map((gap) => [gap.accountId, gap.excused]),
                [MANAGEMENT, ADMIN, W1].sort().map((id) => [id, true]),
            );
            for (const gap of row.gaps)
                assert.match(gap.reason, /^AWS Config recording not provable: .*Config\.1 passes by design/);
        }
        assert.match(
            result.stdout,
            new RegExp(`Report written to ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`),
        );
    });

    it("--repair enrolls the missing Macie member first, as the enrollment function would, then reads", async () => {
        coveredOrganization({ macieMembers: [MANAGEMENT] });
        macie.on(CreateMemberCommand).callsFake(() => {
            macie.on(ListMacieMembers).resolves({
                members: [MANAGEMENT, W1].map((accountId) => ({ accountId, relationshipStatus: "Enabled" })),
            });
            return { arn: "arn:aws:macie2:eu-west-1:222222222222:member/300000000001" };
        });
        const result = await coverage(["--stack", "dev", "--repair"]);
        const created = macie
            .commandCalls(CreateMemberCommand)
            .map((c) => c.args[0].input.account?.accountId);
        // Macie membership is per region: one CreateMember in each governed region.
        assert.deepEqual(created, [W1, W1]);
        assert.match(result.stdout, /^repair macie eu-west-1: 1 enrolled, 0 refused, 0 left$/m);
        assert.match(result.stdout, /^repair macie us-east-1: 1 enrolled, 0 refused, 0 left$/m);
        assert.equal(result.code, 0, result.stdout);
    });

    it("refuses credentials of another account before reading anything", async () => {
        coveredOrganization();
        sts.on(GetCallerIdentityCommand).resolves({ Account: MANAGEMENT });
        const result = await coverage(["--stack", "dev"]);
        assert.equal(result.code, 2);
        assert.equal(
            result.stderr,
            `credentials belong to account ${MANAGEMENT}; npm run coverage reads as the security account ${ADMIN} (security-governance:accounts.securityAdmin)\n`,
        );
        assert.equal(organizations.calls().length + guardduty.calls().length, 0);
    });

    it("bad flags and unknown stacks get one line and exit 2; --help prints the usage", async () => {
        const cases: [string[], RegExp][] = [
            [
                [],
                /^--stack NAME is required; usage: npm run coverage -- --stack NAME \[--json FILE\] \[--repair\]\n$/,
            ],
            [["--stack"], /^--stack needs a value; usage: /],
            [
                ["--stack", "dev", "--jsn", "x"],
                /^--jsn: unknown flag; expected one of --stack NAME, --json FILE, --repair, --help\n$/,
            ],
            [
                ["--stack", "nope"],
                /^--stack "nope": no such stack file \(Pulumi\.nope\.yaml\); available stacks: dev, prod\n$/,
            ],
        ];
        for (const [argv, expected] of cases) {
            const result = await coverage(argv);
            assert.equal(result.code, 2, argv.join(" "));
            assert.match(result.stderr, expected);
        }
        assert.equal(sts.calls().length, 0, "no AWS call for bad input");
        const help = await coverage(["--help"]);
        assert.equal(help.code, 0);
        assert.equal(help.stdout, "usage: npm run coverage -- --stack NAME [--json FILE] [--repair]\n");
    });

    it("--repair enrolls with exactly the settings the stack deploys to the enrollment function", async function () {
        this.timeout(300_000);
        for (const stack of ["dev", "prod"]) {
            const planned = enrollmentSettings(
                single(await plan(stack), "aws:lambda/function:Function", (r) =>
                    r.name.startsWith("enrollment"),
                ),
            );
            assert.deepEqual(
                enrollmentSettingsFor(parseStackConfig(readStackConfigValues(stack, REPO_ROOT))),
                planned,
                stack,
            );
        }
    });
});
