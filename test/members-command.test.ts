import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    DeleteMembersCommand,
    DetectiveClient,
    ListGraphsCommand,
    ListMembersCommand as ListDetectiveMembers,
    type DeleteMembersCommandInput,
} from "@aws-sdk/client-detective";
import {
    GetFunctionConfigurationCommand,
    LambdaClient,
    ResourceNotFoundException,
} from "@aws-sdk/client-lambda";
import {
    AccessDeniedException,
    DisassociateMemberCommand,
    ListMembersCommand as ListMacieMembers,
    Macie2Client,
} from "@aws-sdk/client-macie2";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { planRemoval, removeDetectiveMembers, removeMacieMembers } from "../functions/enrollment/removal";
import { DeadlineReached } from "../functions/shared/run";
import { runMembersCommand, type MembersClients } from "../tools/members";
import { REPO_ROOT } from "../tools/plan-runtime";
import { projectDir } from "./helpers/plan";
import { testRun } from "./helpers/run";

/*
 * `npm run members`: removes only what the stack excludes, only once the deployed function excludes it too,
 * and only with --remove; through the command as a user runs it, against the APIs' real shapes.
 */

const ADMIN = "222222222222";
const MANAGEMENT = "111111111111";
const GONE = "300000000001";
const KEPT = "300000000002";
const ALSO_GONE = "300000000003";
const GRAPH = `arn:aws:detective:eu-west-1:${ADMIN}:graph:${"a".repeat(32)}`;

/** The dev stack with `sections` added (YAML lines under config:). */
function stackWith(sections: string): string {
    const dev = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
    return projectDir({ "Pulumi.dev.yaml": `${dev.trimEnd()}\n${sections}` });
}

const EXCLUDING = stackWith(
    [
        "  security-governance:macie:",
        `    excludedAccounts: ["${GONE}", "${ALSO_GONE}"]`,
        "  security-governance:detective:",
        `    excludedAccounts: ["${GONE}"]`,
        "",
    ].join("\n"),
);

interface World {
    clients: MembersClients;
    sts: AwsClientStub<STSClient>;
    lambda: AwsClientStub<LambdaClient>;
    macie: Map<string, AwsClientStub<Macie2Client>>;
    detective: Map<string, AwsClientStub<DetectiveClient>>;
}

/** Instance mocks: the deployed function excludes `deployed`; Macie and Detective list GONE, KEPT, ALSO_GONE. */
function world(
    deployed: Record<string, string[]> | "none" = { macie: [GONE, ALSO_GONE], detective: [GONE] },
): World {
    const sts = new STSClient({ region: "eu-west-1" });
    const lambda = new LambdaClient({ region: "eu-west-1" });
    const w: World = {
        sts: mockClient(sts),
        lambda: mockClient(lambda),
        macie: new Map(),
        detective: new Map(),
        clients: {
            sts: () => sts,
            lambda: () => lambda,
            macie(region) {
                const client = new Macie2Client({ region });
                const mock = mockClient(client);
                mock.on(ListMacieMembers).resolves({
                    members: [
                        { accountId: GONE, relationshipStatus: "Enabled" },
                        { accountId: KEPT, relationshipStatus: "Enabled" },
                        { accountId: ALSO_GONE, relationshipStatus: "Removed" },
                    ],
                });
                mock.on(DisassociateMemberCommand).resolves({});
                w.macie.set(region, mock);
                return client;
            },
            detective(region) {
                const client = new DetectiveClient({ region });
                const mock = mockClient(client);
                mock.on(ListGraphsCommand).resolves({
                    GraphList: [{ Arn: GRAPH.replace("eu-west-1", region) }],
                });
                mock.on(ListDetectiveMembers).resolves({
                    MemberDetails: [GONE, KEPT].map((AccountId) => ({ AccountId, Status: "ENABLED" })),
                });
                mock.on(DeleteMembersCommand).callsFake((input: DeleteMembersCommandInput) => ({
                    AccountIds: input.AccountIds,
                    UnprocessedAccounts: [],
                }));
                w.detective.set(region, mock);
                return client;
            },
        },
    };
    w.sts.on(GetCallerIdentityCommand).resolves({ Account: ADMIN, Arn: `arn:aws:iam::${ADMIN}:role/SecOps` });
    if (deployed === "none") {
        w.lambda
            .on(GetFunctionConfigurationCommand)
            .rejects(new ResourceNotFoundException({ message: "Function not found", $metadata: {} }));
    } else {
        const settings = { adminAccountId: ADMIN, excluded: deployed };
        w.lambda.on(GetFunctionConfigurationCommand).resolves({
            Environment: { Variables: { ENROLLMENT_SETTINGS: JSON.stringify(settings) } },
        });
    }
    return w;
}

async function members(argv: string[], w: World, stackDir = EXCLUDING) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runMembersCommand(
        argv,
        { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
        { stackDir, clients: w.clients },
    );
    return { code, stdout: out.join(""), stderr: err.join("") };
}

function removals(w: World) {
    const macie = [...w.macie].flatMap(([region, m]) =>
        m.commandCalls(DisassociateMemberCommand).map((c) => `${region} ${c.args[0].input.id}`),
    );
    const detective = [...w.detective].flatMap(([region, m]) =>
        m
            .commandCalls(DeleteMembersCommand)
            .map((c) => `${region} ${(c.args[0].input.AccountIds ?? []).join(",")}`),
    );
    return { macie, detective };
}

describe("npm run members: removing members on purpose", () => {
    it("lists what it would remove and changes nothing without --remove", async () => {
        const w = world();
        const { code, stdout } = await members(["--stack", "dev"], w);
        assert.equal(code, 0);
        assert.deepEqual(removals(w), { macie: [], detective: [] });
        for (const region of ["eu-west-1", "us-east-1"]) {
            assert.ok(stdout.includes(`macie ${region} ${GONE}: would remove (Enabled)\n`), stdout);
            assert.ok(stdout.includes(`detective ${region} ${GONE}: would remove (ENABLED)\n`), stdout);
        }
        assert.ok(!stdout.includes(KEPT), "an account the stack does not exclude is never named");
        assert.ok(!stdout.includes(ALSO_GONE), "a Macie member already Removed has nothing to remove");
        assert.match(stdout, /Dry run: nothing was changed\. Run again with --remove to remove 4\./);
    });

    it("with --remove, disassociates from Macie and deletes from Detective exactly the excluded members", async () => {
        const w = world();
        const { code, stdout } = await members(["--stack", "dev", "--remove"], w);
        assert.equal(code, 0, stdout);
        assert.deepEqual(removals(w), {
            macie: [`eu-west-1 ${GONE}`, `us-east-1 ${GONE}`],
            detective: [`eu-west-1 ${GONE}`, `us-east-1 ${GONE}`],
        });
        const [call] = w.detective.get("us-east-1")?.commandCalls(DeleteMembersCommand) ?? [];
        assert.equal(call.args[0].input.GraphArn, GRAPH.replace("eu-west-1", "us-east-1"));
        assert.ok(stdout.includes(`detective us-east-1 ${GONE}: removed\n`));
    });

    it("holds an account the deployed function still enrolls, and says to deploy first", async () => {
        const w = world({ macie: [ALSO_GONE], detective: [] });
        const { code, stdout } = await members(["--stack", "dev", "--remove", "--region", "eu-west-1"], w);
        assert.equal(code, 1);
        assert.deepEqual(removals(w), { macie: [], detective: [] });
        assert.ok(
            stdout.includes(
                `macie eu-west-1 ${GONE}: held: the deployed enrollment function still enrolls it (run pulumi up with macie.excludedAccounts first)\n`,
            ),
            stdout,
        );
        assert.ok(stdout.includes(`detective eu-west-1 ${GONE}: held:`));
        assert.ok(!stdout.includes("us-east-1"), "--region keeps to that region");
    });

    it("removes when no enrollment function is deployed, saying nothing enrolls them again", async () => {
        const w = world("none");
        const { code, stderr } = await members(["--stack", "dev", "--remove", "--service", "detective"], w);
        assert.equal(code, 0);
        assert.match(stderr, /No enrollment function is deployed \(security-governance-enrollment\)/);
        assert.deepEqual(removals(w), { macie: [], detective: [`eu-west-1 ${GONE}`, `us-east-1 ${GONE}`] });
    });

    it("reports a refusal with AWS's reason and exits 1, going on with the other regions", async () => {
        const w = world();
        const macie = w.clients.macie;
        w.clients.macie = (region) => {
            const client = macie(region);
            if (region === "eu-west-1")
                w.macie
                    .get(region)
                    ?.on(DisassociateMemberCommand)
                    .rejects(new AccessDeniedException({ message: "not allowed", $metadata: {} }));
            return client;
        };
        const { code, stdout } = await members(["--stack", "dev", "--remove", "--service", "macie"], w);
        assert.equal(code, 1);
        assert.ok(
            stdout.includes(`macie eu-west-1 ${GONE}: refused: AccessDeniedException: not allowed\n`),
            stdout,
        );
        assert.ok(stdout.includes(`macie us-east-1 ${GONE}: removed\n`), stdout);
    });

    it("refuses other credentials, bad flags and services the stack does not run, with exit 2 and one line", async () => {
        const w = world();
        w.sts.on(GetCallerIdentityCommand).resolves({ Account: MANAGEMENT });
        const wrong = await members(["--stack", "dev", "--remove"], w);
        assert.equal(wrong.code, 2);
        assert.equal(
            wrong.stderr,
            `credentials belong to account ${MANAGEMENT}; npm run members acts as the security account ${ADMIN} (security-governance:accounts.securityAdmin)\n`,
        );
        assert.deepEqual(removals(w), { macie: [], detective: [] });
        const cases: [string[], string][] = [
            [
                ["--stack", "dev", "--service", "guardduty"],
                "--service guardduty: expected macie or detective (the services it enrolls)\n",
            ],
            [
                ["--stack", "dev", "--region", "ap-east-2"],
                "--region ap-east-2: expected a governed region where macie runs: eu-west-1, us-east-1\n",
            ],
            [
                ["--stack", "dev", "--purge"],
                "--purge: unknown flag; expected one of --stack NAME, --service macie|detective, --region REGION, --remove, --help\n",
            ],
            [
                ["--remove"],
                "--stack NAME is required; usage: npm run members -- --stack NAME [--service macie|detective] [--region REGION] [--remove]\n",
            ],
            [
                ["--stack"],
                "--stack needs a value; usage: npm run members -- --stack NAME [--service macie|detective] [--region REGION] [--remove]\n",
            ],
        ];
        for (const [argv, line] of cases) {
            const result = await members(argv, world());
            assert.deepEqual([result.code, result.stderr], [2, line], argv.join(" "));
        }
        const off = stackWith("  security-governance:macie:\n    enabled: false\n");
        const result = await members(["--stack", "dev", "--service", "macie"], world(), off);
        assert.deepEqual(
            [result.code, result.stderr],
            [2, "--service macie: macie.enabled is false in stack dev\n"],
        );
    });

    it("touches nothing, not even the credentials, when the stack excludes no account", async () => {
        const w = world();
        const { code, stdout } = await members(["--stack", "dev", "--remove"], w, REPO_ROOT);
        assert.equal(code, 0);
        assert.equal(
            stdout,
            "No account is excluded (macie.excludedAccounts, detective.excludedAccounts): nothing to remove.\n",
        );
        assert.equal(w.sts.commandCalls(GetCallerIdentityCommand).length, 0);
    });

    it("deletes Detective members 50 a call and trusts only what the response names", async () => {
        const client = new DetectiveClient({ region: "eu-west-1" });
        const mock = mockClient(client);
        const ids = Array.from({ length: 52 }, (_, i) => String(400000000000 + i));
        mock.on(DeleteMembersCommand).callsFake((input: DeleteMembersCommandInput) => {
            const asked = input.AccountIds ?? [];
            return {
                AccountIds: asked.filter((id) => id !== ids[0] && id !== ids[1]),
                UnprocessedAccounts: asked.includes(ids[0])
                    ? [{ AccountId: ids[0], Reason: "not a member" }]
                    : [],
            };
        });
        const outcome = await removeDetectiveMembers(client, GRAPH, ids, testRun());
        assert.deepEqual(
            mock.commandCalls(DeleteMembersCommand).map((c) => c.args[0].input.AccountIds?.length),
            [50, 2],
        );
        assert.equal(outcome.removed.length, 50);
        assert.deepEqual(outcome.failed, [
            { accountId: ids[0], reason: "not a member" },
            { accountId: ids[1], reason: "not named as removed in the DeleteMembers response" },
        ]);
    });

    describe("what a removal plans and does, on its own", () => {
        const [A, B, C] = ["300000000011", "300000000012", "300000000013"];

        it("removes excluded members in account order; Macie's already Removed or Resigned are left out, not Detective's", () => {
            const members = [
                { accountId: C, status: "Enabled" },
                { accountId: A, status: "Paused" },
                { accountId: KEPT, status: "Enabled" },
                { accountId: B, status: "Resigned" },
                { accountId: GONE, status: "Removed" },
            ];
            const excluded = [A, B, C, GONE];
            const macie = planRemoval({ service: "macie", members, excluded, deployedExcluded: undefined });
            assert.deepEqual(
                macie.remove.map((m) => m.accountId),
                [A, C],
            );
            const detective = planRemoval({
                service: "detective",
                members,
                excluded,
                deployedExcluded: undefined,
            });
            assert.deepEqual(
                detective.remove.map((m) => m.accountId),
                [GONE, A, B, C].sort(),
            );
            const held = planRemoval({ service: "detective", members, excluded, deployedExcluded: [B] });
            assert.deepEqual(
                held.remove.map((m) => m.accountId),
                [B],
            );
            assert.deepEqual(
                held.held.map((g) => g.accountId),
                [GONE, A, C].sort(),
            );
            assert.match(held.held[0].reason, /run pulumi up with detective\.excludedAccounts first/);
        });

        it("counts a Detective batch AWS refused, or answered without names, as not removed", async () => {
            const client = new DetectiveClient({ region: "eu-west-1" });
            const mock = mockClient(client);
            mock.on(DeleteMembersCommand)
                .rejectsOnce(new AccessDeniedException({ message: "denied", $metadata: {} }))
                .resolves({ UnprocessedAccounts: [{}] });
            const outcome = await removeDetectiveMembers(client, GRAPH, [A], testRun());
            assert.deepEqual(outcome, {
                removed: [],
                failed: [{ accountId: A, reason: "AccessDeniedException: denied" }],
            });
            const silent = await removeDetectiveMembers(client, GRAPH, [B], testRun());
            assert.deepEqual(silent.failed, [
                { accountId: B, reason: "not named as removed in the DeleteMembers response" },
            ]);
            mock.on(DeleteMembersCommand).resolves({ UnprocessedAccounts: [{ AccountId: C }] });
            const reasonless = await removeDetectiveMembers(client, GRAPH, [C], testRun());
            assert.deepEqual(reasonless.failed, [{ accountId: C, reason: "no reason given" }]);
        });

        it("stops at the deadline, naming the call, rather than recording it as an account's refusal", async () => {
            const macie = new Macie2Client({ region: "eu-west-1" });
            mockClient(macie).on(DisassociateMemberCommand).resolves({});
            const detective = new DetectiveClient({ region: "eu-west-1" });
            mockClient(detective)
                .on(DeleteMembersCommand)
                .resolves({ AccountIds: [A] });
            assert.deepEqual(await removeMacieMembers(macie, [A], testRun()), { removed: [A], failed: [] });
            const spent = () => {
                const run = testRun(10_000);
                run.clock.now = 10_000;
                return run;
            };
            const expired = (call: string) => (error: Error) =>
                error instanceof DeadlineReached && error.message.includes(call);
            await assert.rejects(removeMacieMembers(macie, [A], spent()), expired("time limit"));
            await assert.rejects(
                removeDetectiveMembers(detective, GRAPH, [A], spent()),
                expired("time limit"),
            );
            // With time for the first check only, the call itself meets the deadline and names itself.
            for (const [name, work] of [
                [
                    "macie2:DisassociateMember",
                    (run: ReturnType<typeof testRun>) => removeMacieMembers(macie, [A], run),
                ],
                [
                    "detective:DeleteMembers",
                    (run: ReturnType<typeof testRun>) => removeDetectiveMembers(detective, GRAPH, [A], run),
                ],
            ] as const) {
                const run = testRun(10_000);
                const check = run.checkDeadline.bind(run);
                let checks = 0;
                run.checkDeadline = (next?: string) => {
                    if (checks++ > 0) run.clock.now = 10_000;
                    check(next);
                };
                await assert.rejects(work(run), expired(`before ${name}`));
            }
        });
    });
});
