import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";

interface Step {
    id?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, string>;
}
interface Workflow {
    jobs: Record<string, { steps: Step[] }>;
}

const ROOT = path.join(__dirname, "..");
const workflow = yaml.load(
    fs.readFileSync(path.join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8"),
) as Workflow;

/** Runs the workflow's policy step as GitHub Actions would, from the repository root. */
function policyStep(step: Step, stack: string): { status: number | null; output: string; stdout: string } {
    const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-output-")), "out");
    fs.writeFileSync(outputFile, "");
    const run = spawnSync("bash", ["-e", "-c", step.run ?? ""], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PULUMI_STACK: stack, GITHUB_OUTPUT: outputFile },
    });
    return { status: run.status, output: fs.readFileSync(outputFile, "utf8"), stdout: run.stdout };
}

describe("the users' CI workflow", () => {
    for (const job of ["preview", "up"]) {
        it(`${job}: checks the stack with the stack's own policy config, not prod's`, () => {
            const steps = workflow.jobs[job].steps;
            const pulumi = steps.find((s) => s.with?.policyPacks === "policies");
            assert.equal(pulumi?.with?.policyPackConfigs, "${{ steps.policy.outputs.file }}");
            const policy = steps.find((s) => s.id === "policy");
            assert.ok(policy !== undefined && steps.indexOf(policy) < steps.indexOf(pulumi));
            assert.equal(policy.env?.PULUMI_STACK, "${{ vars.PULUMI_STACK }}");
            const dev = policyStep(policy, "my-org/security-governance/dev");
            assert.equal(dev.status, 0);
            assert.equal(dev.output, "file=policies/config.dev.json\n");
            const prod = policyStep(policy, "my-org/security-governance/prod");
            assert.equal(prod.output, "file=policies/config.prod.json\n");
            const missing = policyStep(policy, "my-org/security-governance/staging");
            assert.equal(missing.status, 1);
            assert.match(
                missing.stdout,
                /::error::no policies\/config\.staging\.json for stack my-org\/security-governance\/staging/,
            );
        });
    }
});
