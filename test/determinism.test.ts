import { offeredIn } from "../stacks/availability";
import { strict as assert } from "node:assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runPlanCommand } from "../tools/plan-cli";
import { policyConfigFile } from "../tools/plan-policies";
import { PlanDocument, PlannedResource, readStackConfigValues, REPO_ROOT } from "../tools/plan-runtime";
import { loadPolicyPackConfig, reconcilePolicyPackConfig } from "../tools/policy-driver";
import { plan, projectDir, runPlanCli } from "./helpers/plan";
import { policySession } from "./helpers/policy-session";

const DATA_POLICY = "data-resources-protected";

/** Dates the fixtures fix on purpose (generated accounts joined on 2020-01-01); nothing else may appear. */
const FIXED_DATES = ["2020-01-01T00:00:00"];

/**
 * Data-bearing resources: deleting any of them loses findings, an archive, an investigation history or
 * the key that decrypts them. With protectData they must all be protected and retained on delete.
 */
function dataResources(
    planned: PlanDocument,
): { what: string; resources: PlannedResource[]; count: number }[] {
    const regions = planned.regions.length;
    const ofType = (type: string, name?: string) =>
        planned.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    return [
        { what: "GuardDuty detectors", resources: ofType("aws:guardduty/detector:Detector"), count: regions },
        {
            what: "the findings bucket",
            resources: ofType("aws:s3/bucket:Bucket", "findings-bucket"),
            count: 1,
        },
        { what: "the findings key", resources: ofType("aws:kms/key:Key", "findings-key"), count: 1 },
        {
            what: "Detective graphs",
            resources: ofType("aws:detective/graph:Graph"),
            count: offeredIn("detective", planned.regions).length,
        },
        {
            what: "Macie accounts",
            resources: ofType("aws:macie2/account:Account"),
            count: offeredIn("macie", planned.regions).length,
        },
        {
            what: "the Security Hub admin hub",
            resources: ofType("aws:securityhub/account:Account"),
            count: 1,
        },
        { what: "the alert key", resources: ofType("aws:kms/key:Key", "finding-alerts-key"), count: 1 },
    ];
}

function firstDifference(a: string, b: string): string {
    const left = a.split("\n");
    const right = b.split("\n");
    const line = left.findIndex((text, index) => text !== right[index]);
    return `line ${line + 1}:\n  ${left[line]}\n  ${right[line]}`;
}

describe("determinism and data safety", function () {
    this.timeout(300_000);
    let dir: string;
    let prodPlans: Promise<{ cli: Buffer; inProcess: Buffer }> | undefined;

    before(() => {
        dir = projectDir({});
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** The prod plan written twice: by `npm run plan` in a process of its own, and in this process. */
    function planProdTwice(): Promise<{ cli: Buffer; inProcess: Buffer }> {
        prodPlans ??= (async () => {
            const cliFile = path.join(dir, "cli.json");
            const result = runPlanCli(["--stack", "prod", "--json", cliFile]);
            assert.equal(result.status, 0, result.stderr);
            const inProcessFile = path.join(dir, "in-process.json");
            const previous = process.cwd();
            process.chdir(REPO_ROOT);
            try {
                const code = await runPlanCommand(["--stack", "prod", "--json", inProcessFile], {
                    stdout: () => undefined,
                    stderr: () => undefined,
                });
                assert.equal(code, 0);
            } finally {
                process.chdir(previous);
            }
            return { cli: fs.readFileSync(cliFile), inProcess: fs.readFileSync(inProcessFile) };
        })();
        return prodPlans;
    }

    it("plans prod to byte-identical JSON, in a process of its own and in this one", async () => {
        const { cli, inProcess } = await planProdTwice();
        assert.ok(cli.length > 100_000, `${cli.length} bytes`);
        assert.ok(
            cli.equals(inProcess),
            `the two plans differ at ${firstDifference(cli.toString(), inProcess.toString())}`,
        );
    });

    it("writes no timestamp, clock reading or machine-specific path into the plan", async () => {
        const text = (await planProdTwice()).cli.toString();
        const dates = text.match(/20\d\d-\d\d-\d\dT[\d:.]*/g) ?? [];
        for (const date of dates) {
            assert.ok(
                FIXED_DATES.some((fixed) => date.startsWith(fixed)),
                `a date-time that no fixture fixes: ${date}`,
            );
        }
        assert.ok(!text.includes(new Date().toISOString().slice(0, 10)), "today's date is in the plan");
        const now = Date.now();
        for (const digits of text.match(/\b\d{10}(\d{3})?\b/g) ?? []) {
            const ms = digits.length === 13 ? Number(digits) : Number(digits) * 1000;
            assert.ok(
                ms < now - 366 * 86_400_000 || ms > now + 86_400_000,
                `a number that reads as a recent clock time: ${digits}`,
            );
        }
        for (const machinePath of [
            REPO_ROOT,
            dir,
            fs.realpathSync(os.tmpdir()) + path.sep,
            os.homedir() + path.sep,
        ]) {
            assert.ok(!text.includes(machinePath), `the plan contains ${machinePath}`);
        }
    });

    it("derives every name from the configuration: no random suffixes, list keys hashed from their content", async () => {
        const planned = JSON.parse((await planProdTwice()).cli.toString()) as PlanDocument;
        for (const resource of planned.resources) {
            assert.match(resource.name, /^[a-z0-9][a-z0-9_.@-]*$/, resource.name);
            // Pulumi's auto-naming appends 7 random hex characters; every name here is chosen by the program.
            assert.doesNotMatch(resource.name, /-[0-9a-f]{7,}$/, resource.name);
        }
        const bucket = planned.resources.find(
            (r) => r.type === "aws:s3/bucket:Bucket" && r.name === "findings-bucket",
        );
        assert.equal(
            bucket?.inputs.bucket,
            `security-governance-findings-${planned.accounts.securityAdmin}-${planned.homeRegion}`,
        );
        const lists = planned.resources.filter(
            (r) =>
                r.type === "aws:s3/bucketObjectv2:BucketObjectv2" &&
                String(r.inputs.key).startsWith("guardduty-lists/"),
        );
        assert.equal(lists.length, 3, "prod has one trusted list and two threat lists");
        for (const list of lists) {
            const hash = createHash("sha256").update(String(list.inputs.content)).digest("hex").slice(0, 16);
            assert.match(
                String(list.inputs.key),
                new RegExp(`^guardduty-lists/(trusted|threat)/[a-z0-9-]+-${hash}\\.txt$`),
            );
        }
        // The same list content in another stack lands under the same key.
        const devLists = (await plan("dev")).resources.filter(
            (r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2",
        );
        const key = (resources: PlannedResource[]) =>
            resources.find((r) => String(r.inputs.key).startsWith("guardduty-lists/threat/known-c2-"))?.inputs
                .key;
        assert.ok(key(lists));
        assert.equal(key(devLists), key(lists));
    });

    for (const stack of ["prod", "dev"]) {
        it(`protects and retains every data-bearing resource of ${stack} (protectData: true)`, async () => {
            const planned =
                stack === "prod"
                    ? (JSON.parse((await planProdTwice()).cli.toString()) as PlanDocument)
                    : await plan("dev");
            for (const { what, resources, count } of dataResources(planned)) {
                assert.equal(resources.length, count, `${what} in ${stack}`);
                for (const resource of resources) {
                    assert.equal(
                        resource.protect,
                        true,
                        `${resource.type} ${resource.name} is not protected`,
                    );
                    assert.equal(
                        resource.retainOnDelete,
                        true,
                        `${resource.type} ${resource.name} is not retained`,
                    );
                }
            }
        });
    }

    it("leaves them unprotected when a sandbox sets protectData: false (the setting is what protects)", async () => {
        const dev = await plan("dev");
        const sandbox = await plan("dev", {
            configOverrides: {
                "security-governance:findingsExport": {
                    ...(readStackConfigValues("dev")["security-governance:findingsExport"] as object),
                    protectData: false,
                },
            },
        });
        const groups = dataResources(sandbox);
        assert.deepEqual(
            groups.map((group) => group.resources.length),
            dataResources(dev).map((group) => group.resources.length),
        );
        for (const resource of groups.flatMap((group) => group.resources)) {
            assert.equal(resource.protect, false, `${resource.type} ${resource.name}`);
            assert.equal(resource.retainOnDelete, false, `${resource.type} ${resource.name}`);
        }
    });

    it(`keeps ${DATA_POLICY} mandatory for prod; dev relaxes it to advisory at most`, async () => {
        const info = (await policySession()).info();
        const policy = info.policies.find((candidate) => candidate.name === DATA_POLICY);
        assert.ok(policy, `the pack has no ${DATA_POLICY}`);
        assert.equal(policy.enforcementLevel, "mandatory", "the pack's own level");

        const prodFile = policyConfigFile("prod");
        assert.ok(prodFile, "policies/config.prod.json exists");
        const prod = reconcilePolicyPackConfig(info, loadPolicyPackConfig(prodFile))[DATA_POLICY];
        assert.equal(prod.enforcementLevel, "mandatory");
        assert.notEqual(prod.properties.requireProtection, false, "prod switches the check off");

        const devFile = policyConfigFile("dev");
        assert.ok(devFile, "policies/config.dev.json exists");
        const dev = reconcilePolicyPackConfig(info, loadPolicyPackConfig(devFile))[DATA_POLICY];
        assert.ok(
            dev.enforcementLevel === "advisory" || dev.enforcementLevel === "mandatory",
            `dev sets ${DATA_POLICY} to ${dev.enforcementLevel}`,
        );
        assert.notEqual(dev.properties.requireProtection, false, "dev switches the check off");
    });
});
