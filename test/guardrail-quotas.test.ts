import {
    AccessDeniedException,
    ListPoliciesForTargetCommand,
    OrganizationsClient,
    TargetNotFoundException,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MAX_SCP_CHARACTERS, policyContent } from "../components/guardrail-documents";
import {
    GUARDRAIL_POLICY_NAMES,
    guardrailScps,
    type GuardrailParams,
} from "../components/guardrail-policies";
import { attachmentProblems, describeAttachments, guardrailAttachments } from "../stacks/guardrail-quotas";
import { DiscoveryError, type DiscoveryOptions } from "../stacks/organization";
import { checkedContent } from "../components/guardrails";
import { planStack } from "../tools/plan-runtime";
import { orgFileWithPolicyTypes } from "./helpers/org-file";
import { ofType, plan } from "./helpers/plan";

/*
 * Organizations' quotas on the guardrails: at most five SCPs (and five RCPs) attached to a root, OU or account,
 * what the organization attaches there included, and at most 5,120 characters a document.
 */

const MANAGEMENT = "888888888888";
const SECURITY = "333333333333";
const ROOT = "r-quota1";

/** An organization of three accounts whose targets have the given policies of their own attached. */
function orgFile(attached: Record<string, { Name: string; Type: string }[]>): string {
    const account = (id: string, name: string) => ({
        Id: id,
        Email: `${name}@example.com`,
        Name: name,
        State: "ACTIVE",
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "quota-")), "org.json");
    fs.writeFileSync(
        file,
        JSON.stringify({
            RootId: ROOT,
            Accounts: [
                account(MANAGEMENT, "management"),
                account(SECURITY, "security"),
                account("444444444444", "app"),
            ],
            AttachedPolicies: attached,
        }),
    );
    return file;
}

const scps = (...names: string[]) => names.map((Name) => ({ Name, Type: "SERVICE_CONTROL_POLICY" }));
const rcps = (...names: string[]) => names.map((Name) => ({ Name, Type: "RESOURCE_CONTROL_POLICY" }));

describe("guardrails: Organizations' quotas on what is attached where", function () {
    this.timeout(300_000);

    /** The program's progress lines for prod against `file` (`npm run plan` prints them on stderr). */
    async function progressOf(file: string): Promise<string> {
        const lines: string[] = [];
        await planStack({ stack: "prod", orgFile: file, progress: (line) => lines.push(line) });
        return lines.join("\n");
    }

    it("says how many SCPs and RCPs it adds to each target, beside what is already there", async () => {
        const said = await progressOf(orgFile({ [ROOT]: scps("DenyRegions", "DenyRoot") }));
        assert.match(
            said,
            /guardrails: r-quota1 takes 2 SCP\(s\) \+ FullAWSAccess, DenyRegions, DenyRoot = 5 of 5/,
        );
        assert.match(said, /guardrails: 333333333333 takes 2 SCP\(s\) \+ FullAWSAccess = 3 of 5/);
        assert.match(said, /guardrails: 333333333333 takes 1 RCP\(s\) \+ RCPFullAWSAccess = 2 of 5/);
    });

    // In process, as pulumi up runs the program: the CLI's exit code for a discovery refusal is issue 28's.
    it("stops before any resource, with one line, where a target would pass five", async () => {
        const cases: [Record<string, { Name: string; Type: string }[]>, RegExp][] = [
            [
                { [ROOT]: scps("A", "B", "C") },
                /^security-governance:guardrails.targets: r-quota1 has 4 SCP\(s\) attached \(FullAWSAccess, A, B, C\) and the guardrails add 2: Organizations takes at most 5 per root, OU or account; detach or merge 1 there, or attach the guardrails to other OUs$/,
            ],
            [
                { [SECURITY]: scps("A", "B", "C") },
                /^security-governance:accounts.securityAdmin: 333333333333 has 4 SCP\(s\) attached .* add 2: .*detach or merge 1 there/,
            ],
            [
                { [SECURITY]: rcps("A", "B", "C", "D") },
                /^security-governance:accounts.securityAdmin: 333333333333 has 5 RCP\(s\) attached \(RCPFullAWSAccess, A, B, C, D\) and the guardrails add 1/,
            ],
        ];
        for (const [attached, expected] of cases) {
            let resources = 0;
            await assert.rejects(
                planStack({ stack: "prod", orgFile: orgFile(attached) }).then((planned) => {
                    resources = planned.plan.resources.length;
                }),
                (error: Error) => {
                    assert.match(error.message, expected);
                    assert.equal(error.message.split("\n").length, 1);
                    return true;
                },
                `${JSON.stringify(attached)}: planned ${resources} resources`,
            );
        }
    });

    it("does not count its own policies, attached by an earlier update", async () => {
        const ours = scps(
            "security-governance-keep-detection-on",
            "security-governance-keep-response-footing",
            "A",
            "B",
        );
        assert.match(
            await progressOf(orgFile({ [ROOT]: ours })),
            /r-quota1 takes 2 SCP\(s\) \+ FullAWSAccess, A, B = 5 of 5/,
        );
    });

    it("counts every policy of the target but the stack's own five, by their names in Organizations", () => {
        const own = [
            "security-governance-keep-detection-on",
            "security-governance-keep-response-footing",
            "security-governance-security-account",
            "security-governance-security-functions",
            "security-governance-findings-perimeter",
        ];
        const line = (attached: string[], adding = 2) =>
            describeAttachments({
                targetId: ROOT,
                configKey: "security-governance:guardrails.targets",
                type: "SERVICE_CONTROL_POLICY",
                attached,
                adding,
            });
        assert.equal(line(["FullAWSAccess", "A"]), "r-quota1 takes 2 SCP(s) + FullAWSAccess, A = 4 of 5");
        assert.equal(line([]), "r-quota1 takes 2 SCP(s) + none attached = 2 of 5");
        assert.equal(
            describeAttachments({
                targetId: SECURITY,
                configKey: "security-governance:accounts.securityAdmin",
                type: "RESOURCE_CONTROL_POLICY",
                attached: ["RCPFullAWSAccess"],
                adding: 1,
            }),
            "333333333333 takes 1 RCP(s) + RCPFullAWSAccess = 2 of 5",
        );
        assert.deepEqual(Object.values(GUARDRAIL_POLICY_NAMES).sort(), [...own].sort());
        const target = (attached: string[]) => ({
            targetId: ROOT,
            configKey: "security-governance:guardrails.targets",
            type: "SERVICE_CONTROL_POLICY" as const,
            attached,
            adding: 2,
        });
        // Exactly five fits; six does not.
        assert.deepEqual(attachmentProblems([target(["FullAWSAccess", "A", "B"])]), []);
        assert.equal(attachmentProblems([target(["FullAWSAccess", "A", "B", "C"])]).length, 1);
    });

    it("stops before planning when the root lacks either authorization policy type", async () => {
        const guardrails = {
            "security-governance:guardrails": {
                enabled: true,
                exemptRoleArns: ["arn:aws:iam::222222222222:role/SecurityGovernanceDeployer"],
            },
        };
        const all = [
            "SERVICE_CONTROL_POLICY",
            "RESOURCE_CONTROL_POLICY",
            "INSPECTOR_POLICY",
            "SECURITYHUB_POLICY",
        ];
        for (const missing of ["SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"]) {
            const { file, remove } = orgFileWithPolicyTypes(all.filter((type) => type !== missing));
            try {
                await assert.rejects(
                    planStack({ stack: "dev", orgFile: file, configOverrides: guardrails }),
                    (error: Error) => {
                        assert.match(
                            error.message,
                            new RegExp(
                                `does not have the policy type ${missing} enabled .*--policy-type ${missing}; or set security-governance:guardrails\\.enabled to false\\.$`,
                            ),
                        );
                        return true;
                    },
                );
            } finally {
                remove();
            }
        }
    });

    it("refuses, naming the document, what Organizations would refuse, and takes exactly the limit", () => {
        const document = { Statement: "x".repeat(100) };
        const size = policyContent(document).length;
        assert.equal(checkedContent("The test SCP", document, size), policyContent(document));
        assert.throws(
            () => checkedContent("The test SCP", document, size - 1),
            new Error(
                `The test SCP is ${size} characters; Organizations takes at most ${size - 1} (orgs_reference_limits.html): name fewer roles in guardrails.exemptRoleArns and guardrails.breakGlassRoleArns`,
            ),
        );
    });

    describe("reading what is attached (ListPoliciesForTarget)", () => {
        const options = (client: OrganizationsClient): DiscoveryOptions => ({
            managementRoleArn: `arn:aws:iam::${MANAGEMENT}:role/Discovery`,
            region: "us-east-1",
            expectedAccounts: { management: MANAGEMENT, securityAdmin: SECURITY },
            client,
            retry: { maxAttempts: 1 },
        });

        it("reads every page, and asks for one type at a time", async () => {
            const client = new OrganizationsClient({ region: "us-east-1" });
            const mock = mockClient(client);
            mock.on(ListPoliciesForTargetCommand, { TargetId: ROOT, Filter: "SERVICE_CONTROL_POLICY" })
                .resolvesOnce({ Policies: [{ Name: "FullAWSAccess" }, { Name: "A" }], NextToken: "t1" })
                .resolvesOnce({ Policies: [{ Name: "B" }, { Name: "C" }, { Name: "D" }] });
            mock.on(ListPoliciesForTargetCommand, {
                TargetId: SECURITY,
                Filter: "SERVICE_CONTROL_POLICY",
            }).resolves({
                Policies: [{ Name: "security-governance-security-account" }, { Id: "p-noname" }, {}],
            });
            // A page may leave Policies out.
            mock.on(ListPoliciesForTargetCommand, {
                TargetId: SECURITY,
                Filter: "RESOURCE_CONTROL_POLICY",
            }).resolves({});
            const found = await guardrailAttachments(options(client), [ROOT], SECURITY);
            assert.deepEqual(found[0].attached, ["FullAWSAccess", "A", "B", "C", "D"]);
            // The stack's own policy is not counted; a policy without a name is counted by its ID.
            assert.deepEqual(found[1].attached, ["p-noname", "?"]);
            assert.deepEqual(found[2].attached, []);
            assert.deepEqual(
                found.map((f) => [f.targetId, f.type, f.adding, f.configKey]),
                [
                    [ROOT, "SERVICE_CONTROL_POLICY", 2, "security-governance:guardrails.targets"],
                    [SECURITY, "SERVICE_CONTROL_POLICY", 2, "security-governance:accounts.securityAdmin"],
                    [SECURITY, "RESOURCE_CONTROL_POLICY", 1, "security-governance:accounts.securityAdmin"],
                ],
            );
            assert.equal(mock.commandCalls(ListPoliciesForTargetCommand)[1].args[0].input.NextToken, "t1");
            assert.ok(
                mock
                    .commandCalls(ListPoliciesForTargetCommand)
                    .every((c) => (c.args[0].input.MaxResults ?? 0) <= 20),
            );
            assert.deepEqual(attachmentProblems(found).length, 1);
        });

        it("names the key of a target the organization does not have, and the permission the role lacks", async () => {
            const client = new OrganizationsClient({ region: "us-east-1" });
            const mock = mockClient(client);
            mock.on(ListPoliciesForTargetCommand).rejects(
                new TargetNotFoundException({ message: "not found", $metadata: {} }),
            );
            await assert.rejects(
                guardrailAttachments(options(client), ["ou-ab12-gone1234"], SECURITY),
                (error: unknown) =>
                    error instanceof DiscoveryError &&
                    error.cause instanceof TargetNotFoundException &&
                    error.message ===
                        "security-governance:guardrails.targets names ou-ab12-gone1234, which the organization does not have (ListPoliciesForTarget: TargetNotFoundException); name the root or an existing OU ID",
            );
            mock.reset();
            mock.on(ListPoliciesForTargetCommand).rejects(
                new AccessDeniedException({ message: "denied", $metadata: {} }),
            );
            await assert.rejects(
                guardrailAttachments(options(client), [ROOT], SECURITY),
                (error: unknown) =>
                    error instanceof DiscoveryError &&
                    /not allowed to call ListPoliciesForTarget/.test(error.message) &&
                    /organizations:ListPoliciesForTarget/.test(error.message),
            );
        });
    });
});

describe("guardrails: each document within 5,120 characters", function () {
    this.timeout(300_000);

    it("renders the prod plan's four SCPs and the RCP within the quota, as planned", async () => {
        const planned = await plan("prod");
        const sizes = Object.fromEntries(
            ofType(planned, "aws:organizations/policy:Policy")
                .filter((p) => p.name.startsWith("guardrails-"))
                .map((p) => [p.name, String(p.inputs.content).length]),
        );
        assert.deepEqual(Object.keys(sizes).sort(), [
            "guardrails-detection",
            "guardrails-footing",
            "guardrails-perimeter",
            "guardrails-security-account",
            "guardrails-security-functions",
        ]);
        for (const [name, size] of Object.entries(sizes))
            assert.ok(size <= MAX_SCP_CHARACTERS, `${name}: ${size}`);
    });

    it("names, describes and places each SCP: two on the targets, two on the security account", () => {
        const scps = guardrailScps({
            exemptRoleArns: [`arn:aws:iam::${SECURITY}:role/Deployer`],
            breakGlassRoleArns: [],
            securityAccountId: SECURITY,
            homeRegion: "us-east-1",
            exemptTagKey: undefined,
            securityHubV2: true,
            protectTrails: false,
        });
        assert.deepEqual(
            scps.map((scp) => [scp.key, scp.name, scp.placement]),
            [
                ["detection", "security-governance-keep-detection-on", "targets"],
                ["footing", "security-governance-keep-response-footing", "targets"],
                ["security-account", "security-governance-security-account", "security-account"],
                ["security-functions", "security-governance-security-functions", "security-account"],
            ],
        );
        // What the Organizations console shows beside the name: each its own, each marked as the program's.
        assert.equal(new Set(scps.map((scp) => scp.description)).size, 4);
        for (const scp of scps)
            assert.match(scp.description, /^[A-Z].{40,} \(security-governance\)$/, scp.key);
    });

    it("writes statements Organizations accepts: a unique Sid of letters and digits, resources that are ARNs", () => {
        for (const protectTrails of [false, true])
            for (const securityHubV2 of [false, true])
                for (const scp of guardrailScps({
                    exemptRoleArns: [`arn:aws:iam::${SECURITY}:role/Deployer`],
                    breakGlassRoleArns: [],
                    securityAccountId: SECURITY,
                    homeRegion: "us-east-1",
                    exemptTagKey: "DoNotRespond",
                    securityHubV2,
                    protectTrails,
                })) {
                    const sids = scp.document.Statement.map((statement) => statement.Sid ?? "");
                    // IAM JSON policy elements, Sid: ASCII letters and digits.
                    for (const sid of sids) assert.match(sid, /^[A-Za-z0-9]+$/, scp.key);
                    assert.equal(new Set(sids).size, sids.length, `${scp.key}: a Sid twice`);
                    for (const statement of scp.document.Statement)
                        for (const resource of [statement.Resource ?? []].flat())
                            assert.match(
                                resource,
                                /^(\*|arn:aws:[a-z0-9-]+:[a-z0-9-*]*:(\d{12}|\*)?:.+)$/,
                                scp.key,
                            );
                }
    });

    it("guards the exempt tag's key unless the program's own keys already do", () => {
        const keys = (exemptTagKey: string | undefined) => {
            const footing = guardrailScps({
                exemptRoleArns: [],
                breakGlassRoleArns: [],
                securityAccountId: SECURITY,
                homeRegion: "us-east-1",
                exemptTagKey,
                securityHubV2: true,
                protectTrails: false,
            }).find((scp) => scp.key === "footing");
            const tags = footing?.document.Statement.find((statement) => statement.Sid === "KeepTrustedTags");
            return (tags?.Condition?.["ForAnyValue:StringLike"] as Record<string, string[]>)["aws:TagKeys"];
        };
        const services = [
            "GuardDutyManaged",
            "InspectorEc2Exclusion",
            "InspectorExclusion",
            "InspectorCodeExclusion",
        ];
        assert.deepEqual(keys(undefined), [...services, "security-governance:*"]);
        assert.deepEqual(keys("security-governance:remediation"), [...services, "security-governance:*"]);
        for (const own of ["DoNotRespond", "skip-response", "x-security-governance:", "security-governance"])
            assert.deepEqual(keys(own), [...services, "security-governance:*", own], own);
    });

    it("fits ten exempt roles of 60-character ARNs with every switch on, and not thirteen", () => {
        const role = (i: number) =>
            `arn:aws:iam::${SECURITY}:role/SecurityGovernanceDeployerR${String(i).padStart(2, "0")}`;
        assert.equal(role(1).length, 60);
        const params = (roles: number): GuardrailParams => ({
            exemptRoleArns: Array.from({ length: roles }, (_, i) => role(i)),
            breakGlassRoleArns: [],
            securityAccountId: SECURITY,
            homeRegion: "ap-southeast-2",
            exemptTagKey: "DoNotRespondToFindingsOnThisInstance",
            securityHubV2: false,
            protectTrails: true,
        });
        const longest = (roles: number) =>
            Math.max(...guardrailScps(params(roles)).map((scp) => policyContent(scp.document).length));
        assert.ok(longest(10) <= MAX_SCP_CHARACTERS, `ten roles: ${longest(10)}`);
        assert.ok(longest(13) > MAX_SCP_CHARACTERS, `thirteen roles: ${longest(13)}`);
    });
});
