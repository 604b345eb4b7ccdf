import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { planStack, REPO_ROOT } from "../tools/plan-runtime";
import { PlanInputError } from "../tools/stack-file";
import {
    AccessDeniedException,
    ListDelegatedAdministratorsCommand,
    OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { delegatedAdministrators, designatedServices } from "../stacks/one-organization";
import type { DiscoveryOptions } from "../stacks/organization";

const discovery = (client: OrganizationsClient): DiscoveryOptions => ({
    managementRoleArn: "arn:aws:iam::111111111111:role/R",
    region: "us-east-1",
    expectedAccounts: { management: "111111111111", securityAdmin: "222222222222" },
    client,
    retry: { maxAttempts: 1 },
});

/* One stack governs one organization: what the plan can detect of a second stack over the same one. */

const read = (stack: string) =>
    yaml.load(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, Record<string, unknown>>;
    };
const DEV = read("dev");
const PROD = read("prod");

function withAccounts(document: typeof DEV, accounts: Record<string, unknown>) {
    const config = { ...document.config };
    config["security-governance:accounts"] = {
        ...document.config["security-governance:accounts"],
        ...accounts,
    };
    return { config };
}

function project(files: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "one-org-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: security-governance\nruntime: nodejs\n");
    for (const [name, document] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), yaml.dump(document));
    }
    return dir;
}

function orgFile(delegated: Record<string, string[]>): string {
    const org = JSON.parse(
        fs.readFileSync(path.join(REPO_ROOT, "test/fixtures/org/example-org.json"), "utf8"),
    ) as object;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "one-org-")), "org.json");
    fs.writeFileSync(file, JSON.stringify({ ...org, DelegatedAdministrators: delegated }));
    return file;
}

describe("one stack is one organization", function () {
    this.timeout(60_000);

    it("the sample stacks are two organizations: their own management and security accounts", () => {
        const dev = DEV.config["security-governance:accounts"];
        const prod = PROD.config["security-governance:accounts"];
        assert.notEqual(dev.management, prod.management);
        assert.notEqual(dev.securityAdmin, prod.securityAdmin);
        assert.ok(String(prod.managementRoleArn).startsWith(`arn:aws:iam::${String(prod.management)}:`));
    });

    it("a second stack file over the same management account stops the plan of either, naming both files", async () => {
        // A third stack with a third administrator, over dev's organization.
        const staging = withAccounts(DEV, { securityAdmin: "555555555555" });
        const dir = project({ "Pulumi.dev.yaml": DEV, "Pulumi.staging.yaml": staging });
        for (const [stack, other] of [
            ["dev", "Pulumi.staging.yaml"],
            ["staging", "Pulumi.dev.yaml"],
        ]) {
            await assert.rejects(
                planStack({ stack, stackDir: dir }),
                (error: Error) =>
                    error instanceof PlanInputError &&
                    error.message.startsWith(
                        `security-governance:accounts.management = "111111111111" in Pulumi.${stack}.yaml and in ${other}: expected one stack per organization`,
                    ),
            );
        }
    });

    it("also when the other file holds the ID as the number pulumi config set --path writes", async () => {
        const staging = withAccounts(DEV, { management: 111111111111, securityAdmin: "555555555555" });
        const dir = project({ "Pulumi.dev.yaml": DEV, "Pulumi.staging.yaml": staging });
        await assert.rejects(planStack({ stack: "dev", stackDir: dir }), PlanInputError);
    });

    it("so does a second stack file naming the same security account under another management account", async () => {
        const other = withAccounts(DEV, {
            management: "777777777777",
            managementRoleArn: "arn:aws:iam::777777777777:role/SecurityGovernanceDeployer",
        });
        const dir = project({ "Pulumi.dev.yaml": DEV, "Pulumi.other.yaml": other });
        await assert.rejects(
            planStack({ stack: "dev", stackDir: dir }),
            (error: Error) =>
                error instanceof PlanInputError &&
                error.message.startsWith(
                    'security-governance:accounts.securityAdmin = "222222222222" in Pulumi.dev.yaml and in Pulumi.other.yaml: expected one stack per organization',
                ),
        );
    });

    it("names the first conflicting file in name order, whichever the directory lists first", async () => {
        const copy = withAccounts(DEV, { securityAdmin: "555555555555" });
        const dir = project({ "Pulumi.dev.yaml": DEV, "Pulumi.zeta.yaml": copy, "Pulumi.alpha.yaml": copy });
        await assert.rejects(planStack({ stack: "dev", stackDir: dir }), (error: Error) =>
            error.message.includes("in Pulumi.dev.yaml and in Pulumi.alpha.yaml:"),
        );
    });

    it("reads another stack file's accounts written without the namespace, as the CLI does", async () => {
        const bare = {
            config: {
                accounts: { ...DEV.config["security-governance:accounts"], securityAdmin: "555555555555" },
            },
        };
        const dir = project({ "Pulumi.dev.yaml": DEV, "Pulumi.bare.yaml": bare });
        await assert.rejects(planStack({ stack: "dev", stackDir: dir }), (error: Error) =>
            error.message.startsWith(
                'security-governance:accounts.management = "111111111111" in Pulumi.dev.yaml and in Pulumi.bare.yaml:',
            ),
        );
    });

    it("takes only Pulumi.<stack>.yaml for a stack file: not a backup, not another prefix, not a file without accounts", async () => {
        const dir = project({
            "Pulumi.dev.yaml": DEV,
            "Pulumi.dev.yaml.bak": DEV,
            "old.Pulumi.prod.yaml": DEV,
            "Pulumi.empty.yaml": { config: { "aws:region": "eu-west-1" } },
            "Pulumi.other.yaml": { config: { "security-governance:accounts": { management: true } } },
        });
        fs.renameSync(path.join(dir, "Pulumi.dev.yaml.bak"), path.join(dir, "Pulumi.dev.yaml.bak"));
        const { plan } = await planStack({ stack: "dev", stackDir: dir });
        assert.equal(plan.accounts.securityAdmin, "222222222222");
    });

    it("passes over other stack files it cannot compare: no config:, a list, broken YAML, another organization", async () => {
        const dir = project({
            "Pulumi.dev.yaml": DEV,
            "Pulumi.a.yaml": { environment: ["x/y"] },
            "Pulumi.b.yaml": { config: ["x"] },
            "Pulumi.prod.yaml": PROD,
        });
        fs.writeFileSync(path.join(dir, "Pulumi.c.yaml"), "config: [unclosed");
        fs.writeFileSync(path.join(dir, "notes.yaml"), yaml.dump(DEV));
        const { plan } = await planStack({ stack: "dev", stackDir: dir });
        assert.equal(plan.accounts.management, "111111111111");
    });

    it("stacks of different organizations plan side by side", async () => {
        const dir = project({ "Pulumi.dev.yaml": DEV, "Pulumi.prod.yaml": PROD });
        const { plan } = await planStack({ stack: "dev", stackDir: dir });
        assert.ok(plan.resources.length > 0);
    });

    describe("another account already administers a service (pulumi up's discovery)", () => {
        const refused = (error: Error, pattern: RegExp) =>
            pulumi.RunError.isInstance(error) && pattern.test(error.message);

        it("stops before any resource, naming the account, the services and what to do", async () => {
            const file = orgFile({
                "guardduty.amazonaws.com": ["333333333333"],
                "securityhub.amazonaws.com": ["333333333333"],
            });
            await assert.rejects(planStack({ stack: "dev", orgFile: file }), (error: Error) =>
                refused(
                    error,
                    /^security-governance:accounts\.securityAdmin = "222222222222": organization o-exampleorgid already has 333333333333 as the delegated administrator of guardduty\.amazonaws\.com, securityhub\.amazonaws\.com; .*set accounts\.securityAdmin to 333333333333, or remove that designation/,
                ),
            );
        });

        it("finds one on the second page of an answer", async () => {
            const file = orgFile({ "detective.amazonaws.com": ["222222222222", "555555555555"] });
            await assert.rejects(planStack({ stack: "dev", orgFile: file }), (error: Error) =>
                refused(
                    error,
                    /already has 555555555555 as the delegated administrator of detective\.amazonaws\.com;/,
                ),
            );
        });

        it("the security account itself, or a service this stack leaves off, is no obstacle", async () => {
            const file = orgFile({
                "guardduty.amazonaws.com": ["222222222222"],
                "macie.amazonaws.com": ["222222222222"],
                // Inspector is off in no sample; the malware-scan principal is not a designation of this program.
                "malware-protection.guardduty.amazonaws.com": ["333333333333"],
            });
            const { plan } = await planStack({ stack: "dev", orgFile: file });
            assert.ok(plan.resources.length > 0);
        });

        for (const [service, principal] of [
            ["guardduty", "guardduty.amazonaws.com"],
            ["securityhub", "securityhub.amazonaws.com"],
            ["macie", "macie.amazonaws.com"],
            ["detective", "detective.amazonaws.com"],
            ["inspector", "inspector2.amazonaws.com"],
        ]) {
            it(`asks about ${service} under its service principal, ${principal}`, async () => {
                const file = orgFile({ [principal]: ["333333333333"] });
                await assert.rejects(planStack({ stack: "dev", orgFile: file }), (error: Error) =>
                    refused(
                        error,
                        new RegExp(
                            `already has 333333333333 as the delegated administrator of ${principal.replaceAll(".", "\\.")};`,
                        ),
                    ),
                );
            });
        }

        it("a refusal of ListDelegatedAdministrators names the call and the permission the role needs", async () => {
            const client = new OrganizationsClient({
                region: "us-east-1",
                credentials: { accessKeyId: "AKIA", secretAccessKey: "x" },
            });
            mockClient(client)
                .on(ListDelegatedAdministratorsCommand)
                .rejects(new AccessDeniedException({ message: "no", $metadata: {} }));
            await assert.rejects(delegatedAdministrators(discovery(client), ["guardduty"]), (error: Error) =>
                /^Organization discovery failed at ListDelegatedAdministrators \(AccessDeniedException: no\): role arn:aws:iam::111111111111:role\/R is not allowed to call ListDelegatedAdministrators\..*organizations:ListDelegatedAdministrators/.test(
                    error.message,
                ),
            );
        });

        it("an answer without an account ID is no administrator", async () => {
            const client = new OrganizationsClient({
                region: "us-east-1",
                credentials: { accessKeyId: "AKIA", secretAccessKey: "x" },
            });
            mockClient(client)
                .on(ListDelegatedAdministratorsCommand)
                .resolves({ DelegatedAdministrators: [{}, { Id: "333333333333" }] });
            const found = await delegatedAdministrators(discovery(client), ["macie"]);
            assert.deepEqual([...found], [["macie.amazonaws.com", ["333333333333"]]]);
        });

        it("asks about GuardDuty and Security Hub always, the others only when on", () => {
            const on = { enabled: true };
            const off = { enabled: false };
            assert.deepEqual(designatedServices({ macie: on, detective: on, inspector: on }), [
                "guardduty",
                "securityhub",
                "macie",
                "detective",
                "inspector",
            ]);
            assert.deepEqual(designatedServices({ macie: off, detective: off, inspector: off }), [
                "guardduty",
                "securityhub",
            ]);
            assert.deepEqual(designatedServices({ macie: off, detective: on, inspector: off }), [
                "guardduty",
                "securityhub",
                "detective",
            ]);
            assert.deepEqual(designatedServices({ macie: on, detective: off, inspector: on }), [
                "guardduty",
                "securityhub",
                "macie",
                "inspector",
            ]);
        });

        // designatedServices and the administrators capability each say which services are designated: the plan
        // holds them to the same answer.
        for (const off of [[], ["macie"], ["detective", "inspector"], ["macie", "detective", "inspector"]]) {
            it(`asks about exactly the services the plan designates (${off.length === 0 ? "all on" : `${off.join(", ")} off`})`, async () => {
                const overrides = Object.fromEntries(
                    off.map((service) => [`security-governance:${service}`, { enabled: false }]),
                );
                const { plan, config } = await planStack({ stack: "dev", configOverrides: overrides });
                const planned = new Set(
                    plan.resources
                        .filter(
                            (r) => r.parent?.endsWith("DelegatedAdministration::delegated-admin") === true,
                        )
                        .map((r) => /^delegated-admin-([a-z]+)-/.exec(r.name)?.[1])
                        .filter(
                            (service): service is string => service !== undefined && service !== "malware",
                        ),
                );
                assert.deepEqual([...planned].sort(), [...designatedServices(config)].sort());
            });
        }

        it("a service turned off is not asked about", async () => {
            const file = orgFile({ "macie.amazonaws.com": ["333333333333"] });
            const { plan } = await planStack({
                stack: "dev",
                orgFile: file,
                configOverrides: { "security-governance:macie": { enabled: false } },
            });
            assert.ok(!plan.resources.some((r) => r.type.startsWith("aws:macie2/")));
        });
    });
});
