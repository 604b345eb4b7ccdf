import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { decodeConfigValues, loadStackConfig } from "../stacks/load";
import { planStack, REPO_ROOT, type PlanDocument } from "../tools/plan-runtime";
import { settleRejections } from "../tools/plan-cli";
import { PlanInputError } from "../tools/stack-file";

/*
 * What the Pulumi CLI writes into a project and what the offline tools then read: each case ends in the plan
 * `pulumi up` would make or in one line that says what to do.
 */

const DEV = yaml.load(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")) as {
    config: Record<string, unknown>;
};

/** A project directory holding Pulumi.yaml (named `project`) and Pulumi.dev.yaml as given. */
function projectDir(stackFile: unknown, project = "security-governance"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-files-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${project}\nruntime: nodejs\n`);
    fs.writeFileSync(
        path.join(dir, "Pulumi.dev.yaml"),
        typeof stackFile === "string" ? stackFile : yaml.dump(stackFile),
    );
    return dir;
}

function withoutAccounts(): Record<string, unknown> {
    const config = { ...DEV.config };
    delete config["security-governance:accounts"];
    return config;
}

/** Runs a command as a user does, through npm, from the repository. */
function npmRun(args: string[], env: NodeJS.ProcessEnv = process.env) {
    const run = spawnSync("npm", ["run", "-s", ...args], { cwd: REPO_ROOT, encoding: "utf8", env });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const shape = (plan: PlanDocument) => plan.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]);

describe("what the Pulumi CLI writes and reads", function () {
    this.timeout(120_000);

    it("a discovery refusal ends npm run plan with its message alone and exit 2, as pulumi up prints a RunError", () => {
        const org = JSON.parse(
            fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/org/example-org.json"), "utf8"),
        ) as Record<string, unknown>;
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "org-")), "org.json");
        fs.writeFileSync(file, JSON.stringify({ ...org, PolicyTypes: [] }));
        const run = npmRun(["plan", "--", "--stack", "dev", "--org", file]);
        assert.equal(run.status, 2, run.stderr);
        const lines = run.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
            lines[0],
            /^the root r-\w+ of organization o-\w+ does not have the policy type INSPECTOR_POLICY/,
        );
        assert.doesNotMatch(run.stderr, /RunError|^ {4}at |NodeVersionSupportWarning/m);
        assert.equal(run.stdout, "");
    });

    it("a rejection the command did not report fails the plan with its trace (the spawned refusal above shows the reported stop's copies do not)", () => {
        const lines: string[] = [];
        const output = { stdout: () => undefined, stderr: (text: string) => lines.push(text) };
        assert.equal(settleRejections(2, [], output), 2);
        assert.equal(settleRejections(0, [new Error("a promise nobody awaited")], output), 1);
        assert.match(lines.join(""), /^plan failed unexpectedly: Error: a promise nobody awaited\n {4}at /);
    });

    it("npm run coverage without credentials says where it looked and what to do, exit 2, no SDK warning", () => {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "no-credentials-"));
        const run = npmRun(["coverage", "--", "--stack", "dev"], {
            PATH: process.env.PATH,
            HOME: home,
            // No instance metadata on a workstation: the SDK would otherwise wait on 169.254.169.254.
            AWS_EC2_METADATA_DISABLED: "true",
        });
        assert.equal(run.status, 2, run.stderr);
        const lines = run.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
            lines[0],
            /^no usable AWS credentials from the standard AWS chain .*CredentialsProviderError: Could not load credentials from any providers; npm run coverage runs as the security account 222222222222: sign in to it/,
        );
    });

    describe("pulumi config set --path", () => {
        // `pulumi config set --path accounts.management 111111111111` writes a YAML integer (the CLI coerces digits
        // not starting with 0) and the program receives a JSON number inside the section's JSON text.
        const numbers = { ...DEV.config };
        numbers["security-governance:accounts"] = {
            management: 111111111111,
            securityAdmin: 222222222222,
            managementRoleArn: "arn:aws:iam::111111111111:role/SecurityGovernanceDeployer",
        };

        it("an account ID the CLI stored as a number plans exactly like the quoted one", async () => {
            const quoted = await planStack({ stack: "dev", stackDir: projectDir(DEV) });
            const typed = await planStack({ stack: "dev", stackDir: projectDir({ config: numbers }) });
            assert.equal(typed.config.accounts.management, "111111111111");
            assert.equal(typed.config.accounts.securityAdmin, "222222222222");
            assert.deepEqual(shape(typed.plan), shape(quoted.plan));
        });

        it("and reaches the program the same way under pulumi up (a JSON number in the section's text)", () => {
            const config = parseStackConfig(
                decodeConfigValues({
                    "aws:region": "eu-west-1",
                    "security-governance:regions": '["eu-west-1"]',
                    "security-governance:accounts":
                        '{"management":111111111111,"securityAdmin":222222222222,"managementRoleArn":"arn:aws:iam::111111111111:role/R"}',
                }),
            );
            assert.equal(config.accounts.securityAdmin, "222222222222");
        });

        for (const [value, why] of [
            [22222222222, "11 digits"],
            [2222222222222, "13 digits"],
            [222222222222.5, "not whole"],
        ] as const) {
            it(`a number that is no account ID (${why}) is still named as wrong`, () => {
                const values = { ...DEV.config };
                values["security-governance:accounts"] = {
                    ...(DEV.config["security-governance:accounts"] as object),
                    securityAdmin: value,
                };
                assert.throws(
                    () => parseStackConfig(values),
                    (error: ConfigError) =>
                        error.problems.some((p) =>
                            p.startsWith(
                                `security-governance:accounts.securityAdmin = ${value}: expected a 12-digit`,
                            ),
                        ),
                );
            });
        }
    });

    describe("the stack file itself", () => {
        const refusal = (stack: string, dir: string) =>
            planStack({ stack, stackDir: dir }).then(
                () => assert.fail("planned"),
                (error: Error) => {
                    assert.ok(error instanceof PlanInputError, error.message);
                    return error.message;
                },
            );

        it("a stack without a file names the stacks there are", async () => {
            const dir = projectDir(DEV);
            fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), yaml.dump({ config: {} }));
            assert.equal(
                await refusal("staging", dir),
                '--stack "staging": no such stack file (Pulumi.staging.yaml); available stacks: dev, prod',
            );
            // A name that is no file name is refused whatever the directory holds.
            assert.match(await refusal("../dev", dir), /^--stack "\.\.\/dev": no such stack file/);
            assert.match(await refusal("dev/", dir), /^--stack "dev\/": no such stack file/);
            assert.match(await refusal("/dev", dir), /^--stack "\/dev": no such stack file/);
        });

        it("YAML that does not parse is named with the parser's first line", async () => {
            const dir = projectDir(DEV);
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: [eu-west-1\n");
            assert.match(await refusal("dev", dir), /^Pulumi\.dev\.yaml: not valid YAML: [^\n]+$/);
        });

        for (const [what, text] of [
            ["no config: (and an empty list of ESC environments, which imports none)", "environment: []\n"],
            ["an empty file", ""],
            ["config: as a list", "config:\n  - a\n"],
            ["config: as text", "config: text\n"],
            ["config: empty", "config:\n"],
        ]) {
            it(`${what} is one line naming the file and what it must hold`, async () => {
                const dir = projectDir(DEV);
                fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), text);
                assert.equal(
                    await refusal("dev", dir),
                    'Pulumi.dev.yaml: expected a top-level "config:" map of stack settings',
                );
            });
        }

        it("ESC imports are listed as written", async () => {
            const progress: string[] = [];
            await planStack({
                stack: "dev",
                stackDir: projectDir({ environment: ["acme/a", "acme/b"], config: DEV.config }),
                progress: (line) => progress.push(line),
            });
            assert.ok(
                progress.some((line) =>
                    line.startsWith("Pulumi.dev.yaml imports the Pulumi ESC environment(s) acme/a, acme/b:"),
                ),
            );
        });
    });

    describe("a stack file that imports a Pulumi ESC environment", () => {
        it("plans its own config: and says the environment was not read", async () => {
            const progress: string[] = [];
            const { plan } = await planStack({
                stack: "dev",
                stackDir: projectDir({ environment: ["acme/security-dev"], config: DEV.config }),
                progress: (line) => progress.push(line),
            });
            assert.ok(plan.resources.length > 0);
            assert.ok(
                progress.some((line) =>
                    line.startsWith(
                        "Pulumi.dev.yaml imports the Pulumi ESC environment(s) acme/security-dev:",
                    ),
                ),
                progress.join("\n"),
            );
        });

        it("a setting missing from the file names the environment as where it may be", async () => {
            await assert.rejects(
                planStack({
                    stack: "dev",
                    stackDir: projectDir({ environment: ["acme/security-dev"], config: withoutAccounts() }),
                }),
                (error: ConfigError) =>
                    error.problems[0].startsWith("security-governance:accounts") &&
                    error.problems
                        .at(-1)
                        ?.startsWith(
                            "Pulumi.dev.yaml imports the Pulumi ESC environment(s) acme/security-dev, which only the Pulumi CLI can open",
                        ) === true,
            );
        });

        it("a file with no config: of its own says the settings must be in it", async () => {
            await assert.rejects(
                planStack({ stack: "dev", stackDir: projectDir({ environment: { imports: ["acme/dev"] } }) }),
                (error: PlanInputError) =>
                    error instanceof PlanInputError &&
                    /^Pulumi\.dev\.yaml: expected a top-level "config:" map of stack settings; the settings of the Pulumi ESC environment\(s\) it imports \(an inline environment\) reach pulumi up only/.test(
                        error.message,
                    ),
            );
        });

        it("without an environment (or with an empty one), the plan adds no note", async () => {
            for (const document of [{ config: DEV.config }, { environment: null, config: DEV.config }]) {
                const progress: string[] = [];
                await planStack({
                    stack: "dev",
                    stackDir: projectDir(document),
                    progress: (line) => progress.push(line),
                });
                assert.deepEqual(
                    progress.filter((line) => line.includes("ESC")),
                    [],
                );
            }
        });

        it("without an environment, a missing setting says nothing about ESC", async () => {
            await assert.rejects(
                planStack({ stack: "dev", stackDir: projectDir({ config: withoutAccounts() }) }),
                (error: ConfigError) => error instanceof ConfigError && !error.message.includes("ESC"),
            );
        });
    });

    describe("a project renamed in Pulumi.yaml", () => {
        const expected =
            /^Pulumi\.yaml: project name "acme-security": expected security-governance: this program reads its settings as security-governance:<key>/;

        it("a directory without Pulumi.yaml is not judged by a project name it does not have", async () => {
            const dir = projectDir(DEV, "acme-security");
            fs.rmSync(path.join(dir, "Pulumi.yaml"));
            const { plan } = await planStack({ stack: "dev", stackDir: dir });
            assert.ok(plan.resources.length > 0);
        });

        it("a name that is not text is named as it is written", async () => {
            await assert.rejects(
                planStack({ stack: "dev", stackDir: projectDir(DEV, "2026") }),
                (error: Error) =>
                    error instanceof PlanInputError &&
                    error.message.startsWith(
                        'Pulumi.yaml: project name "2026": expected security-governance',
                    ),
            );
        });

        it("the offline plan refuses it before planning", async () => {
            await assert.rejects(
                planStack({ stack: "dev", stackDir: projectDir(DEV, "acme-security") }),
                (error: Error) => error instanceof PlanInputError && expected.test(error.message),
            );
        });

        it("pulumi up stops with the same line (a RunError, shown alone)", async () => {
            await pulumi.runtime.setMocks(
                { newResource: (args) => ({ id: args.name, state: args.inputs }), call: () => ({}) },
                "acme-security",
                "dev",
                false,
            );
            try {
                pulumi.runtime.setAllConfig({ "aws:region": "eu-west-1" });
                assert.throws(
                    () => loadStackConfig(),
                    (error: Error) => pulumi.RunError.isInstance(error) && expected.test(error.message),
                );
            } finally {
                await pulumi.runtime.disconnect();
            }
        });
    });

    it("a section written without the namespace is planned, as the CLI gives it the project's (since v3.44)", async () => {
        const plain = { ...DEV.config };
        plain["security-governance:macie"] = { enabled: false };
        const bare = { ...DEV.config, macie: { enabled: false } };
        const namespaced = await planStack({ stack: "dev", stackDir: projectDir({ config: plain }) });
        const written = await planStack({ stack: "dev", stackDir: projectDir({ config: bare }) });
        assert.ok(!namespaced.plan.resources.some((r) => r.type.startsWith("aws:macie2/")));
        assert.deepEqual(shape(written.plan), shape(namespaced.plan));
    });
});
