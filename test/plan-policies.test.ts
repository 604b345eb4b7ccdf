import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as path from "path";
import { PlanDocument, PlannedResource, REPO_ROOT } from "../tools/plan-runtime";
import { formatDiagnostics, hasMandatoryViolation, policyConfigFile } from "../tools/plan-policies";
import { plan, projectDir, runPlanCli } from "./helpers/plan";
import { analyze, withConfig } from "./helpers/policy-session";

function mutate(
    planned: PlanDocument,
    change: (resources: PlannedResource[]) => PlannedResource[],
): PlanDocument {
    return { ...planned, resources: change(structuredClone(planned.resources)) };
}

describe("the policy pack on planned stacks", function () {
    it("blocks on a mandatory violation of a stack policy, which names no resource, and prints it as the stack's", async () => {
        const planned = await plan("dev");
        const stackLevel = {
            policy: "findings-notification-path",
            level: "mandatory" as const,
            message: "No EventBridge rule sends GuardDuty findings to an encrypted SNS topic.",
            urn: "",
        };
        const advisory = { ...stackLevel, level: "advisory" as const };
        assert.equal(hasMandatoryViolation([stackLevel]), true);
        assert.equal(hasMandatoryViolation([advisory]), false);
        const report = formatDiagnostics(planned, {
            diagnostics: [stackLevel],
            configFile: undefined,
            startupMs: 0,
            analysisMs: 0,
        });
        assert.ok(
            report.includes(
                "  [mandatory] findings-notification-path\n      (stack): No EventBridge rule sends GuardDuty findings to an encrypted SNS topic.\n",
            ),
            report,
        );
    });

    this.timeout(180_000);

    for (const stack of ["dev", "prod"]) {
        it(`finds no violation in the ${stack} plan with config.${stack}.json`, async () => {
            const planned = await plan(stack);
            const configFile = policyConfigFile(stack);
            assert.ok(configFile, `policies/config.${stack}.json exists`);
            const diagnostics = await withConfig(configFile, () => analyze(planned.resources));
            assert.deepEqual(diagnostics, []);
        });
    }

    it("fails a plan with a disabled detector, an ARCHIVE filter on HIGH findings and a bucket without KMS, naming each", async () => {
        const dev = await plan("dev");
        const broken = mutate(dev, (resources) =>
            resources
                .filter(
                    (r) =>
                        r.type !==
                        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                )
                .map((r) => {
                    if (r.type === "aws:guardduty/detector:Detector" && r.inputs.region === "us-east-1") {
                        r.inputs.enable = false;
                    }
                    if (
                        r.type === "aws:guardduty/filter:Filter" &&
                        r.inputs.name === "bastion-ssh-brute-force"
                    ) {
                        const criteria = (
                            r.inputs.findingCriteria as { criterions: { field: string; lessThan?: string }[] }
                        ).criterions;
                        for (const criterion of criteria)
                            if (criterion.field === "severity") criterion.lessThan = "9";
                    }
                    return r;
                }),
        );
        const configFile = policyConfigFile("dev");
        const diagnostics = await withConfig(configFile ?? {}, () => analyze(broken.resources));
        const policies = new Set(diagnostics.filter((d) => d.level === "mandatory").map((d) => d.policy));
        assert.ok(policies.has("guardduty-detector-enabled"), [...policies].join(", "));
        assert.ok(policies.has("guardduty-filter-safe-archive"), [...policies].join(", "));
        assert.ok(policies.has("findings-bucket-encrypted"), [...policies].join(", "));
        assert.ok(hasMandatoryViolation(diagnostics));
        const report = formatDiagnostics(broken, { diagnostics, configFile, startupMs: 0, analysisMs: 0 });
        assert.match(
            report,
            /\[mandatory\] guardduty-detector-enabled\n\s+aws:guardduty\/detector:Detector guardduty-us-east-1: /,
        );
        assert.match(
            report,
            /\[mandatory\] guardduty-filter-safe-archive\n\s+aws:guardduty\/filter:Filter guardduty-(eu-west-1|us-east-1)-bastion-ssh-brute-force: /,
        );
    });

    it("npm run plan exits 1 and names the policy when prod turns data protection off", () => {
        const prod = fs.readFileSync(path.join(__dirname, "..", "Pulumi.prod.yaml"), "utf8");
        assert.match(prod, /protectData: true/);
        const dir = projectDir({
            "Pulumi.prod.yaml": prod.replace("protectData: true", "protectData: false"),
        });
        fs.mkdirSync(path.join(dir, "policies"));
        const result = runPlanCli(["--stack", "prod", "--json", path.join(dir, "plan.json")], dir);
        assert.equal(result.status, 1, result.stderr);
        assert.ok(result.stdout.includes("[mandatory] data-resources-protected\n"), result.stdout);
        // The structured diagnostics, not the printed report, say which resources are unprotected.
        const written = JSON.parse(fs.readFileSync(path.join(dir, "plan.json"), "utf8")) as PlanDocument;
        const unprotected = written.diagnostics
            .filter((d) => d.policy === "data-resources-protected" && d.level === "mandatory")
            .map((d) => d.urn);
        const detectors = written.resources
            .filter((r) => r.type === "aws:guardduty/detector:Detector")
            .map((r) => r.urn);
        assert.equal(detectors.length, 17);
        for (const urn of detectors) assert.ok(unprotected.includes(urn), urn);
    });

    it("adding a stack as docs/deploying.md says: the plan names the policy file to create, and the recipe then plans clean", () => {
        // A name no other test uses: the test files run side by side, and the policy file goes where the pack
        // reads it, in this repository's policies/.
        const name = `recipe${process.pid}`;
        const policyFile = path.join(REPO_ROOT, "policies", `config.${name}.json`);
        // As the recipe says: a copy of the dev stack file with the new organization's accounts set, in a
        // project directory of its own.
        const dir = projectDir({
            [`Pulumi.${name}.yaml`]: fs
                .readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8")
                .replaceAll("111111111111", "777777777777")
                .replaceAll("222222222222", "666666666666"),
        });
        try {
            const before = runPlanCli(["--stack", name], dir);
            assert.equal(before.status, 1, before.stderr);
            assert.ok(
                before.stdout.includes(
                    `No policies/config.${name}.json: the pack's own standard applies, every policy mandatory:\n`,
                ),
                before.stdout,
            );
            assert.ok(before.stdout.includes("  findings-bucket-retention: minRetentionDays 365\n"));
            assert.ok(before.stdout.includes("  kms-key-deletion-window: minDeletionWindowDays 30\n"));
            assert.ok(
                before.stdout.includes(
                    `create policies/config.${name}.json (policies/config.dev.json is an example)`,
                ),
            );
            fs.copyFileSync(path.join(REPO_ROOT, "policies", "config.dev.json"), policyFile);
            const after = runPlanCli(["--stack", name], dir);
            assert.equal(after.status, 0, after.stdout + after.stderr);
            // Named relative to where the plan runs, here the stack's own project directory.
            assert.ok(
                after.stdout.includes(`Policy pack (${path.relative(dir, policyFile)}): no violations.`),
                after.stdout,
            );
            assert.ok(!after.stdout.includes(`No policies/config.${name}.json`));
        } finally {
            fs.rmSync(policyFile, { force: true });
        }
    });
});
