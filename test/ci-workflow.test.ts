import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { TEMPLATES } from "./helpers/iam-templates";

/*
 * The users' workflow (.github/workflows/pulumi.yml) held to its security properties: OIDC only, id-token: write
 * only where a role is assumed, the read-only preview role on pull requests (gated by the offline plan, not by the
 * slow tests), the deployer only in the stacks' protected environments, dev before prod. The steps that compute
 * something (the policy config, the role ARNs) are run as GitHub Actions would run them.
 */

interface Step {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, string | boolean>;
}
interface Job {
    if?: string;
    needs?: string | string[];
    environment?: string;
    permissions?: Record<string, string>;
    strategy?: { matrix?: { stack?: string[] } };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

const ROOT = path.join(__dirname, "..");
const text = fs.readFileSync(path.join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8");
const workflow = yaml.load(text) as Workflow;
const STACKS = fs
    .readdirSync(ROOT)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
const UP_JOBS = Object.keys(workflow.jobs).filter((name) => name.startsWith("up-"));
const needs = (job: Job) => [job.needs ?? []].flat();
const usesOf = (step: Step) => (step.uses ?? "").split("@")[0];

/*
 * Inputs each action declares, from its action.yml: aws-actions/configure-aws-credentials v6 (role-to-assume,
 * aws-region, allowed-account-ids, audience defaulting to sts.amazonaws.com), pulumi/auth-actions v2 (organization
 * and requested-token-type, the latter required by its src/main.ts), pulumi/actions v6.
 */
const DECLARED_INPUTS: Record<string, string[]> = {
    "aws-actions/configure-aws-credentials": [
        "role-to-assume",
        "aws-region",
        "allowed-account-ids",
        "audience",
    ],
    "pulumi/auth-actions": ["organization", "requested-token-type", "scope", "token-expiration"],
    "pulumi/actions": [
        "command",
        "stack-name",
        "policyPacks",
        "policyPackConfigs",
        "comment-on-pr",
        "refresh",
    ],
    "actions/setup-node": ["node-version", "cache"],
    "actions/setup-python": ["python-version"],
};

/** Runs a workflow step's script as GitHub Actions would, from the repository root, and returns its outputs. */
function runStep(
    step: Step,
    env: Record<string, string>,
): { status: number | null; output: string; stdout: string } {
    const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-output-")), "out");
    fs.writeFileSync(outputFile, "");
    const run = spawnSync("bash", ["-e", "-c", step.run ?? ""], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, ...env, GITHUB_OUTPUT: outputFile },
    });
    return { status: run.status, output: fs.readFileSync(outputFile, "utf8"), stdout: run.stdout };
}

function outputs(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split("\n")
            .filter((line) => line.includes("="))
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}

/** The role names as the CloudFormation templates create them. */
function templateRole(template: string, logicalId: string): string {
    const role = TEMPLATES[template].roles.find((r) => r.logicalId === logicalId);
    assert.ok(role, `${template} has ${logicalId}`);
    return role.roleName;
}

describe("the users' CI workflow", () => {
    for (const job of ["preview", ...UP_JOBS]) {
        it(`${job}: checks the stack with the stack's own policy config, not prod's`, () => {
            const steps = workflow.jobs[job].steps;
            const pulumi = steps.find((s) => s.with?.policyPacks === "policies");
            assert.equal(pulumi?.with?.policyPackConfigs, "${{ steps.policy.outputs.file }}");
            const policy = steps.find((s) => s.id === "policy");
            assert.ok(policy !== undefined && steps.indexOf(policy) < steps.indexOf(pulumi));
            const stack = job === "preview" ? "${{ matrix.stack }}" : job.slice("up-".length);
            assert.equal(policy.env?.PULUMI_STACK, `\${{ vars.PULUMI_ORG }}/security-governance/${stack}`);
            assert.equal(pulumi.with?.["stack-name"], policy.env?.PULUMI_STACK);
            const dev = runStep(policy, { PULUMI_STACK: "my-org/security-governance/dev" });
            assert.equal(dev.status, 0);
            assert.equal(dev.output, "file=policies/config.dev.json\n");
            const prod = runStep(policy, { PULUMI_STACK: "my-org/security-governance/prod" });
            assert.equal(prod.output, "file=policies/config.prod.json\n");
            const missing = runStep(policy, { PULUMI_STACK: "my-org/security-governance/staging" });
            assert.equal(missing.status, 1);
            assert.match(
                missing.stdout,
                /::error::no policies\/config\.staging\.json for stack my-org\/security-governance\/staging/,
            );
        });
    }

    it("uses no long-lived secret: Pulumi Cloud and AWS are reached through OIDC in every job that runs pulumi", () => {
        assert.doesNotMatch(text, /secrets\./);
        assert.doesNotMatch(text, /PULUMI_ACCESS_TOKEN|aws-access-key-id|aws-secret-access-key/);
        for (const [name, job] of Object.entries(workflow.jobs)) {
            const steps = job.steps.map(usesOf);
            const pulumi = job.steps.findIndex(
                (s) => usesOf(s) === "pulumi/actions" && s.with?.command !== undefined,
            );
            if (pulumi === -1) continue;
            const auth = steps.indexOf("pulumi/auth-actions");
            assert.ok(auth !== -1 && auth < pulumi, `${name}: pulumi/auth-actions before pulumi runs`);
            assert.equal(job.steps[auth].with?.organization, "${{ vars.PULUMI_ORG }}");
            // The deploy jobs an organization token; the pull request's preview a read-only team's (below).
            assert.equal(
                job.steps[auth].with?.["requested-token-type"],
                name === "preview"
                    ? "urn:pulumi:token-type:access_token:team"
                    : "urn:pulumi:token-type:access_token:organization",
            );
        }
    });

    it("grants id-token: write only to the jobs that assume a role, and to each of them", () => {
        assert.deepEqual(workflow.permissions, { contents: "read" });
        for (const [name, job] of Object.entries(workflow.jobs)) {
            const assumes = job.steps.some((s) =>
                ["aws-actions/configure-aws-credentials", "pulumi/auth-actions"].includes(usesOf(s)),
            );
            assert.equal(job.permissions?.["id-token"] === "write", assumes, name);
        }
    });

    it("passes each action only inputs it declares", () => {
        for (const job of Object.values(workflow.jobs)) {
            for (const step of job.steps.filter((s) => s.with !== undefined)) {
                const declared = DECLARED_INPUTS[usesOf(step)] ?? [];
                assert.deepEqual(
                    Object.keys(step.with ?? {}).filter((k) => !declared.includes(k)),
                    [],
                    step.uses,
                );
            }
        }
    });

    it("gates every stack's preview on the offline plan and policy pack, run with no credentials", () => {
        const plan = workflow.jobs.plan;
        assert.deepEqual([...(plan.strategy?.matrix?.stack ?? [])].sort(), STACKS);
        const run = plan.steps.find((s) => s.run?.includes("npm run plan"));
        assert.equal(run?.run, 'npm run plan -- --stack "$STACK"');
        assert.equal(run?.env?.STACK, "${{ matrix.stack }}");
        assert.equal(plan.permissions, undefined, "the plan job runs with the workflow's contents: read");
        assert.ok(!plan.steps.some((s) => usesOf(s).startsWith("aws-actions/")));

        const preview = workflow.jobs.preview;
        assert.equal(preview.if, "github.event_name == 'pull_request'");
        assert.deepEqual(needs(preview), ["plan"], "the preview waits for the plan, not for the slow tests");
        assert.deepEqual([...(preview.strategy?.matrix?.stack ?? [])].sort(), STACKS);
    });

    it("previews with the read-only roles: the preview role, and the reader set as managementRoleArn for the run only", () => {
        const preview = workflow.jobs.preview;
        assert.equal(
            preview.environment,
            undefined,
            "an environment would give the job the deployer's OIDC subject",
        );
        const steps = preview.steps;
        const credentials = steps.find((s) => usesOf(s) === "aws-actions/configure-aws-credentials");
        assert.equal(credentials?.with?.["role-to-assume"], "${{ steps.roles.outputs.preview-role }}");
        assert.equal(credentials?.with?.["allowed-account-ids"], "${{ steps.roles.outputs.security }}");
        const override = steps.find((s) => s.run?.startsWith("pulumi config set"));
        assert.equal(
            override?.run,
            'pulumi config set --path accounts.managementRoleArn "$READER_ROLE" --stack "$STACK_NAME"',
        );
        assert.equal(override?.env?.READER_ROLE, "${{ steps.roles.outputs.reader-role }}");
        assert.equal(
            override?.env?.STACK_NAME,
            "${{ vars.PULUMI_ORG }}/security-governance/${{ matrix.stack }}",
        );
        const run = steps.find((s) => s.with?.command !== undefined);
        assert.equal(run?.with?.command, "preview");
        assert.ok(steps.indexOf(override) < steps.indexOf(run));
        // The override lives in the runner's copy of Pulumi.<stack>.yaml: nothing commits or pushes it.
        assert.doesNotMatch(JSON.stringify(steps), /git (commit|push)/);
    });

    it("deploys every stack on main from its own environment, dev before prod, after the tests", () => {
        assert.deepEqual(UP_JOBS.map((name) => name.slice("up-".length)).sort(), STACKS);
        assert.deepEqual(needs(workflow.jobs["up-dev"]).sort(), ["plan", "test"]);
        assert.deepEqual(
            needs(workflow.jobs["up-prod"]),
            ["up-dev"],
            "prod after dev, and so after the tests",
        );
        for (const name of UP_JOBS) {
            const job = workflow.jobs[name];
            assert.equal(job.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
            assert.equal(job.environment, name.slice("up-".length));
            const credentials = job.steps.find((s) => usesOf(s) === "aws-actions/configure-aws-credentials");
            assert.equal(credentials?.with?.["role-to-assume"], "${{ steps.roles.outputs.deployer-role }}");
            assert.equal(credentials?.with?.["allowed-account-ids"], "${{ steps.roles.outputs.security }}");
            assert.equal(job.steps.find((s) => s.with?.command !== undefined)?.with?.command, "up");
            assert.equal(job.steps.find((s) => s.id === "roles")?.env?.STACK, name.slice("up-".length));
            assert.ok(
                !job.steps.some((s) => s.run?.includes("managementRoleArn")),
                `${name} keeps the stack's role`,
            );
        }
        const test = workflow.jobs.test;
        assert.ok(test.steps.some((s) => s.run === "npm test"));
        assert.equal(test.if, undefined);
        // npm test's integration suite needs moto's server, as .ci/run's machines have it.
        const moto = test.steps.findIndex(
            (s) => s.run?.includes("pip install 'moto[server]==5.2.1'") === true,
        );
        assert.ok(moto >= 0 && moto < test.steps.findIndex((s) => s.run === "npm test"));
    });

    it("gives the pull request's code a read-only team token, never the organization token", () => {
        const auth = workflow.jobs.preview.steps.find(
            (s) => s.uses?.startsWith("pulumi/auth-actions@") === true,
        );
        assert.equal(auth?.with?.["requested-token-type"], "urn:pulumi:token-type:access_token:team");
        assert.equal(auth?.with?.scope, "team:${{ vars.PULUMI_PREVIEW_TEAM }}");
    });

    it("reads each stack's roles from its own stack file and the templates' role names", () => {
        const scripts = new Set(
            Object.values(workflow.jobs).flatMap((j) =>
                j.steps.filter((s) => s.id === "roles").map((s) => s.run),
            ),
        );
        assert.equal(scripts.size, 1, "the three jobs compute the roles the same way");
        const step = workflow.jobs.preview.steps.find((s) => s.id === "roles");
        assert.ok(step);
        for (const stack of STACKS) {
            const config = (
                yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
                    config: Record<string, unknown>;
                }
            ).config;
            const accounts = config["security-governance:accounts"] as {
                management: string;
                securityAdmin: string;
            };
            const result = runStep(step, { STACK: stack });
            assert.equal(result.status, 0);
            const arn = (account: string, template: string, logicalId: string) =>
                `arn:aws:iam::${account}:role/${templateRole(template, logicalId)}`;
            assert.deepEqual(outputs(result.output), {
                region: config["aws:region"],
                security: accounts.securityAdmin,
                "deployer-role": arn(
                    accounts.securityAdmin,
                    "security-account.template.yaml",
                    "DeployerRole",
                ),
                "preview-role": arn(accounts.securityAdmin, "security-account.template.yaml", "PreviewRole"),
                "reader-role": arn(accounts.management, "management-account.template.yaml", "ReaderRole"),
            });
        }
        // The management role the program assumes on `up` is the template's, as each stack file names it.
        for (const stack of STACKS) {
            const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
            const role = templateRole("management-account.template.yaml", "ManagementRole");
            assert.match(text, new RegExp(`managementRoleArn: arn:aws:iam::\\d{12}:role/${role}\\n`));
        }
    });
});
