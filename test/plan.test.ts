import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as path from "path";
import { PlanDocument, REPO_ROOT } from "../tools/plan-runtime";
import { projectDir, runPlanCli } from "./helpers/plan";

describe("npm run plan (the offline plan a user runs)", function () {
    this.timeout(180_000);

    it("prints the dev plan: resources per service and region, and the accounts covered", () => {
        const result = runPlanCli([]);
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /Plan for stack "dev"/);
        assert.match(
            result.stdout,
            /Organization: 12 active account\(s\); management 111111111111, delegated administrator 222222222222/,
        );
        assert.match(result.stdout, /^guardduty\s+\d+\s+\d+\s+\d+$/m);
        assert.match(result.stdout, /eu-west-1\s+us-east-1\s+total/);
        // Coverage: every one of the 12 accounts in every service and region (existing accounts enrolled).
        for (const service of ["guardduty", "securityhub", "macie", "detective", "inspector"]) {
            assert.match(result.stdout, new RegExp(`^${service}\\s+12\\s+12$`, "m"), service);
        }
    });

    it("writes the JSON contract for prod", () => {
        const dir = projectDir({});
        const jsonFile = path.join(dir, "plan.json");
        const result = runPlanCli(["--stack", "prod", "--accounts", "40", "--json", jsonFile]);
        assert.equal(result.status, 0, result.stderr);
        // The program's progress reaches stderr, the guardrails' quota lines included.
        assert.match(result.stderr, /^guardrails: r-\w+ takes 2 SCP\(s\) \+ FullAWSAccess = 3 of 5$/m);
        const planned = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as PlanDocument;
        assert.deepEqual(Object.keys(planned), [
            "project",
            "stack",
            "homeRegion",
            "regions",
            "accounts",
            "organization",
            "resources",
            "diagnostics",
        ]);
        assert.equal(planned.project, "security-governance");
        assert.equal(planned.stack, "prod");
        assert.equal(planned.homeRegion, "us-east-1");
        assert.equal(planned.regions.length, 17);
        assert.deepEqual(planned.accounts, {
            management: "888888888888",
            securityAdmin: "333333333333",
            count: 40,
            leftOut: [],
        });
        assert.ok(Array.isArray(planned.diagnostics));
        const detector = planned.resources.find((r) => r.type === "aws:guardduty/detector:Detector");
        assert.ok(detector);
        assert.deepEqual(Object.keys(detector), [
            "urn",
            "type",
            "name",
            "parent",
            "provider",
            "protect",
            "retainOnDelete",
            "importId",
            "ignoreChanges",
            "dependsOn",
            "inputs",
        ]);
        assert.match(detector.urn, /^urn:pulumi:prod::security-governance::/);
        assert.match(
            String(detector.provider),
            /^urn:pulumi:prod::security-governance::(pulumi:pulumi:Stack\$)?pulumi:providers:aws::security::[0-9a-f-]+$/,
        );
        assert.equal(detector.protect, true);
        for (const resource of planned.resources) {
            assert.ok(resource.parent === null || resource.parent.startsWith("urn:pulumi:prod::"));
            assert.ok(
                resource.dependsOn.every((urn) => planned.resources.some((other) => other.urn === urn)),
            );
        }
    });

    it("plans against an organization read from a ListAccounts-shaped file, dropping suspended accounts", () => {
        const result = runPlanCli(["--org", path.join(__dirname, "fixtures", "org", "example-org.json")]);
        assert.equal(result.status, 0, result.stderr);
        const fixture = JSON.parse(
            fs.readFileSync(path.join(__dirname, "fixtures", "org", "example-org.json"), "utf8"),
        ) as {
            Accounts: { State?: string; Status?: string }[];
        };
        const active = fixture.Accounts.filter((a) => (a.State ?? a.Status) === "ACTIVE").length;
        assert.ok(active < fixture.Accounts.length);
        assert.match(result.stdout, new RegExp(`Organization: ${active} active account`));
    });

    it("stops a bad config with exit 2 and the message alone", () => {
        const dev = fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8");
        const dir = projectDir({
            "Pulumi.broken.yaml": dev.replace("retentionDays: 180", "retentionDays: 60"),
        });
        const result = runPlanCli(["--stack", "broken"], dir);
        assert.equal(result.status, 2);
        assert.equal(result.stdout, "");
        assert.equal(
            result.stderr.trim(),
            "Invalid stack configuration:\n  - security-governance:findingsExport.retentionDays = 60: expected at least 90 days",
        );
    });

    it("names the flag, the bad value and what is allowed", () => {
        const unknownStack = runPlanCli(["--stack", "staging"]);
        assert.equal(unknownStack.status, 2);
        assert.match(
            unknownStack.stderr,
            /^--stack "staging": no such stack file \(Pulumi\.staging\.yaml\); available stacks: dev, prod/,
        );
        const badCount = runPlanCli(["--accounts", "ten"]);
        assert.equal(badCount.status, 2);
        assert.match(
            badCount.stderr,
            /^--accounts "ten": expected a whole number of accounts from 2 to 100000/,
        );
        const unknownFlag = runPlanCli(["--acounts", "10"]);
        assert.equal(unknownFlag.status, 2);
        assert.match(unknownFlag.stderr, /Unknown option '--acounts'/);
        assert.doesNotMatch(
            unknownFlag.stderr + badCount.stderr + unknownStack.stderr,
            /^[ \t]+at /m,
            "no stack trace",
        );
    });

    it("names the accounts it leaves out, and fits every line in 100 columns, for 17 regions", () => {
        const result = runPlanCli([
            "--stack",
            "prod",
            "--org",
            path.join(REPO_ROOT, "test", "fixtures", "org", "example-prod-org.json"),
        ]);
        assert.equal(result.status, 0, result.stderr);
        assert.ok(
            result.stdout.includes(
                "Left out: 1 account(s) not ACTIVE, which no service covers: 444444444444 (SUSPENDED)\n",
            ),
            result.stdout,
        );
        const wide = result.stdout.split("\n").filter((line) => line.length > 100);
        assert.deepEqual(wide, []);
        // Every region still appears in the resource and coverage tables, split into blocks.
        for (const region of ["us-east-1", "eu-north-1", "ap-southeast-2"]) {
            assert.ok(result.stdout.split(region).length - 1 >= 4, region);
        }
        assert.match(
            result.stdout,
            /^\d+ resources: \d+ AWS resources, \d+ components and providers; \d+ protected$/m,
        );
    });
});
