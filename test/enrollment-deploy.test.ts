import { strict as assert } from "node:assert";
import { enrollmentRolePolicy } from "../components/enrollment-function";
import { bundleFunction } from "../components/function-bundle";
import { generateOrganization } from "../tools/org-fixture";
import type { PlanDocument } from "../tools/plan-runtime";
import { enrollmentSettings } from "./helpers/enrollment";
import { simulate, type Decision } from "./helpers/iam";
import { plan, single } from "./helpers/plan";

const FUNCTION = "aws:lambda/function:Function";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const PERMISSION = "aws:lambda/permission:Permission";
const INVOCATION = "aws:lambda/invocation:Invocation";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
/** The enrollment function's resources (the coverage function has its own of each type). */
const ENROLLMENT = (r: { name: string }) => r.name.startsWith("enrollment");

describe("the enrollment function, as the plan deploys it", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
    });

    it("runs the bundled reconciler in the home region, one run at a time, within Lambda's 15 minutes", () => {
        const fn = single(prod, FUNCTION, ENROLLMENT);
        assert.equal(fn.inputs.region, prod.homeRegion);
        assert.equal(fn.inputs.runtime, "nodejs24.x");
        assert.equal(fn.inputs.handler, "index.handler");
        assert.equal(fn.inputs.timeout, 900);
        assert.equal(fn.inputs.reservedConcurrentExecutions, 1);
        const bundle = bundleFunction("enrollment/handler");
        assert.equal(fn.inputs.sourceCodeHash, Buffer.from(bundle.sha256, "hex").toString("base64"));
        // The deployment package holds exactly that bundle, as index.js.
        assert.deepEqual(fn.inputs.code, {
            archive: {
                "index.js": { asset: { sha256: bundle.sha256, bytes: Buffer.byteLength(bundle.code) } },
            },
        });
        const role = single(prod, ROLE, (r) => r.name.startsWith("enrollment"));
        const trust = JSON.parse(role.inputs.assumeRolePolicy as string) as {
            Statement: { Principal: unknown; Condition: unknown }[];
        };
        assert.deepEqual(trust.Statement[0].Principal, { Service: "lambda.amazonaws.com" });
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: { "aws:SourceAccount": prod.accounts.securityAdmin },
        });
        const logs = single(
            prod,
            LOG_GROUP,
            (r) => r.inputs.name === "/aws/lambda/security-governance-enrollment",
        );
        assert.equal(logs.inputs.retentionInDays, 365);
    });

    it("is run every hour by a schedule, and on deploy for a bounded time", () => {
        const rule = single(prod, RULE, (r) => ENROLLMENT(r) && r.inputs.scheduleExpression !== undefined);
        assert.equal(rule.inputs.scheduleExpression, "rate(1 hour)");
        const target = single(prod, TARGET, (r) => r.inputs.rule === rule.inputs.name);
        assert.match(String(target.inputs.arn), /^arn:aws:lambda:us-east-1:\d{12}:enrollment-function$/);
        const permission = single(prod, PERMISSION, ENROLLMENT);
        assert.equal(permission.inputs.principal, "events.amazonaws.com");
        assert.equal(permission.inputs.action, "lambda:InvokeFunction");
        assert.ok(target.dependsOn.includes(permission.urn));
        const invocation = single(prod, INVOCATION);
        assert.deepEqual(JSON.parse(invocation.inputs.input as string), { maxSeconds: 240 });
        const triggers = invocation.inputs.triggers as Record<string, string>;
        assert.equal(triggers.code, bundleFunction("enrollment/handler").sha256);
        assert.deepEqual(
            JSON.parse(triggers.settings),
            enrollmentSettings(single(prod, FUNCTION, ENROLLMENT)),
        );
    });

    it("leaves no dynamic resource, and no member account or e-mail in any planned input", () => {
        for (const planned of [dev, prod]) {
            assert.deepEqual(
                planned.resources.filter((r) => r.type.startsWith("pulumi-nodejs:")).map((r) => r.type),
                [],
            );
            const { management, securityAdmin, count } = planned.accounts;
            const organization = generateOrganization(count, { management, securityAdmin });
            const inputs = JSON.stringify(planned.resources.map((r) => r.inputs));
            // The management account is a GuardDuty member in its own right (with its e-mail); no other is named.
            for (const account of organization.accounts) {
                if (account.Id === management || account.Id === securityAdmin) continue;
                assert.ok(!inputs.includes(account.Email ?? "@"), `${account.Email} is in the plan`);
                assert.ok(!inputs.includes(account.Id ?? ""), `${account.Id} is in the plan`);
            }
        }
    });

    it("hands the configured Detective priorities to the function, in their order", async () => {
        const first = ["444444444444", "100000000004"];
        const planned = await plan("dev", {
            configOverrides: { "security-governance:detective": { priorityAccounts: first } },
        });
        assert.deepEqual(enrollmentSettings(single(planned, FUNCTION, ENROLLMENT)).priority, first);
        assert.equal(enrollmentSettings(single(dev, FUNCTION, ENROLLMENT)).priority, undefined);
    });

    it("bundles the same bytes every time, without this machine's paths, exporting the handler", async () => {
        const bundle = bundleFunction("enrollment/handler");
        assert.ok(!bundle.code.includes(process.cwd()), "an absolute path of this checkout");
        const module = {
            exports: {} as { handler?: (event: unknown, context: unknown) => Promise<unknown> },
        };
        new Function("module", "exports", "require", bundle.code)(module, module.exports, require);
        assert.equal(typeof module.exports.handler, "function");
        const saved = process.env.ENROLLMENT_SETTINGS;
        delete process.env.ENROLLMENT_SETTINGS;
        try {
            await assert.rejects(
                module.exports.handler?.({}, { getRemainingTimeInMillis: () => 1000 }) ?? Promise.resolve(),
                /ENROLLMENT_SETTINGS is not set/,
            );
        } finally {
            if (saved !== undefined) process.env.ENROLLMENT_SETTINGS = saved;
        }
    });

    describe("its role, in IAM simulation", () => {
        let policy: ReturnType<typeof enrollmentRolePolicy>;
        let account: string;
        let role: string;
        before(() => {
            const fn = single(prod, FUNCTION, ENROLLMENT);
            account = prod.accounts.securityAdmin;
            role = `arn:aws:iam::${account}:role/security-governance-enrollment-${prod.homeRegion}`;
            policy = JSON.parse(
                single(prod, ROLE_POLICY, (r) => r.name === "enrollment-permissions").inputs.policy as string,
            );
            assert.deepEqual(
                policy,
                enrollmentRolePolicy({
                    securityAccountId: account,
                    homeRegion: prod.homeRegion,
                    settings: enrollmentSettings(fn),
                }),
            );
        });

        async function decide(action: string, resource: string, region: string): Promise<Decision> {
            const outcome = await simulate({
                principal: role,
                action,
                resource,
                resourceAccount: account,
                context: { "aws:RequestedRegion": region },
                identityPolicies: [{ name: "enrollment", policy }],
            });
            return outcome.decision;
        }

        it("may list accounts and create Macie and Detective members in governed regions", async () => {
            const graph = `arn:aws:detective:eu-west-1:${account}:graph:${"a".repeat(32)}`;
            assert.equal(await decide("organizations:ListAccounts", "*", "us-east-1"), "Allowed");
            assert.equal(await decide("macie2:CreateMember", "*", "eu-west-1"), "Allowed");
            assert.equal(await decide("macie2:ListMembers", "*", "eu-west-1"), "Allowed");
            assert.equal(await decide("detective:ListGraphs", "*", "eu-west-1"), "Allowed");
            assert.equal(await decide("detective:CreateMembers", graph, "eu-west-1"), "Allowed");
        });

        it("may read the OUs of its own organization's management account when it orders by OU, and only then", async () => {
            const management = prod.accounts.management;
            const ou = `arn:aws:organizations::${management}:ou/o-exampleorg1/ou-ab12-prodwork`;
            assert.deepEqual(
                enrollmentSettings(single(prod, FUNCTION, ENROLLMENT)).priorityOrganizationalUnits,
                ["ou-ab12-prodwork"],
            );
            for (const action of [
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent",
            ]) {
                assert.equal(await decide(action, ou, "us-east-1"), "Allowed", action);
                const elsewhere = `arn:aws:organizations::999999999999:ou/o-exampleorg1/ou-ab12-prodwork`;
                assert.equal(await decide(action, elsewhere, "us-east-1"), "ImplicitlyDenied", action);
            }
            for (const action of ["organizations:MoveAccount", "organizations:DeleteOrganizationalUnit"]) {
                assert.equal(await decide(action, ou, "us-east-1"), "ImplicitlyDenied", action);
            }
            const devPolicy = JSON.parse(
                single(dev, ROLE_POLICY, (r) => r.name === "enrollment-permissions").inputs.policy as string,
            ) as { Statement: { Action: string | string[] }[] };
            assert.ok(
                devPolicy.Statement.every(
                    (s) => ![s.Action].flat().includes("organizations:ListAccountsForParent"),
                ),
                "dev orders by no OU, so its role reads none",
            );
        });

        it("may never remove, disassociate or disable, nor act outside its regions or on another graph", async () => {
            const graph = `arn:aws:detective:eu-west-1:${account}:graph:${"a".repeat(32)}`;
            for (const [action, resource] of [
                ["macie2:DeleteMember", "*"],
                ["macie2:DisassociateMember", "*"],
                ["macie2:UpdateMacieSession", "*"],
                ["detective:DeleteMembers", graph],
                ["detective:DisassociateMembership", graph],
                ["detective:DeleteGraph", graph],
                ["organizations:LeaveOrganization", "*"],
            ]) {
                assert.equal(await decide(action, resource, "eu-west-1"), "ImplicitlyDenied", action);
            }
            assert.equal(await decide("macie2:CreateMember", "*", "ap-east-2"), "ImplicitlyDenied");
            const foreign = `arn:aws:detective:eu-west-1:999999999999:graph:${"a".repeat(32)}`;
            assert.equal(await decide("detective:CreateMembers", foreign, "eu-west-1"), "ImplicitlyDenied");
        });
    });
});
