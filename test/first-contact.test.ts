import { strict as assert } from "node:assert";
import { PlanDocument, readStackConfigValues } from "../tools/plan-runtime";
import * as path from "node:path";
import { NOT_OFFERED_IN, PROTECTION_NOT_OFFERED_IN } from "../stacks/availability";
import { DEFAULT_PROTECTIONS_NOT_OFFERED_IN } from "../policies/guardduty";
import { REPO_ROOT } from "../tools/plan-runtime";
import { analyze, mandatory, policyNames, withConfig } from "./helpers/policy-session";
import { parseStackConfig } from "../stacks/config";
import { inRegion, ofType, plan, single, ofFindingsBucket } from "./helpers/plan";
import { formatSummary } from "../tools/plan-summary";
import { ResourceScanType } from "@aws-sdk/client-inspector2";

const FILTER = "aws:guardduty/filter:Filter";
const DESTINATION = "aws:guardduty/publishingDestination:PublishingDestination";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
const LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration";
const DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature";
const ORG_FEATURE = "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature";

describe("first contact with real AWS", () => {
    let dev: PlanDocument;
    let prod: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        prod = await plan("prod");
    });

    it("plans Detective nowhere it has no endpoint: not in ap-northeast-3 (prod)", () => {
        assert.ok(NOT_OFFERED_IN.detective.includes("ap-northeast-3"));
        const detectiveRegions = new Set(
            prod.resources
                .filter((r) => r.type.startsWith("aws:detective/"))
                .map((r) => r.inputs.region as string),
        );
        assert.ok(!detectiveRegions.has("ap-northeast-3"));
        assert.equal(detectiveRegions.size, prod.regions.length - 1);
        // Every other service is still planned there.
        assert.ok(
            prod.resources.some(
                (r) => r.type.startsWith("aws:macie2/") && r.inputs.region === "ap-northeast-3",
            ),
        );
    });

    it("refuses a home region where the home-region pieces cannot run", () => {
        assert.throws(
            () =>
                parseStackConfig({
                    "aws:region": "xx-east-1",
                    "security-governance:accounts": {},
                    "security-governance:regions": ["xx-east-1"],
                }),
            /aws:region = "xx-east-1": expected the home region/,
        );
    });

    it("ranks each region's filters 1..N in config order, each after the one ranked before it", () => {
        for (const region of dev.regions) {
            const filters = ofType(dev, FILTER).filter(inRegion(region));
            const byRank = [...filters].sort((a, b) => Number(a.inputs.rank) - Number(b.inputs.rank));
            assert.deepEqual(
                byRank.map((f) => f.inputs.rank),
                filters.map((_, index) => index + 1),
            );
            assert.deepEqual(
                byRank.map((f) => f.inputs.name),
                ["approved-scanner-port-probes", "bastion-ssh-brute-force"],
            );
            assert.deepEqual(byRank[0].dependsOn, []);
            for (let i = 1; i < byRank.length; i++) {
                assert.deepEqual(
                    byRank[i].dependsOn,
                    [byRank[i - 1].urn],
                    `rank ${i + 1} waits for rank ${i}`,
                );
            }
        }
    });

    it("creates the guardduty/ folder object before every publishing destination", () => {
        const folder = single(dev, OBJECT, (o) => o.inputs.key === "guardduty/");
        assert.equal(folder.inputs.serverSideEncryption, "aws:kms");
        for (const destination of ofType(dev, DESTINATION)) {
            assert.ok(destination.dependsOn.includes(folder.urn), String(destination.inputs.region));
        }
    });

    it("expires and archives only the services' findings, never the lists or folder objects", () => {
        const lifecycle = single(prod, LIFECYCLE, ofFindingsBucket);
        assert.equal(lifecycle.inputs.transitionDefaultMinimumObjectSize, "all_storage_classes_128K");
        const rules = lifecycle.inputs.rules as {
            filter: { prefix?: string };
            expiration: { days: number };
        }[];
        assert.deepEqual(rules.map((rule) => rule.filter.prefix).sort(), [
            "guardduty/AWSLogs/",
            "macie/AWSLogs/",
        ]);
        const keys = ofType(prod, OBJECT).map((o) => String(o.inputs.key));
        assert.ok(keys.includes("guardduty/"));
        assert.ok(keys.some((key) => key.startsWith("guardduty-lists/")));
        for (const key of keys) {
            assert.ok(
                !rules.some((rule) => key.startsWith(String(rule.filter.prefix))),
                `${key} never expires`,
            );
        }
        for (const rule of rules) assert.equal(rule.expiration.days, 730);
    });

    it("switches off, explicitly, every protection the config leaves out", async () => {
        const planned = await plan("dev", {
            configOverrides: { "security-governance:guardduty": { protections: ["S3_DATA_EVENTS"] } },
        });
        for (const region of planned.regions) {
            const own = ofType(planned, DETECTOR_FEATURE).filter(inRegion(region));
            const org = ofType(planned, ORG_FEATURE).filter(inRegion(region));
            const status = Object.fromEntries(own.map((f) => [f.inputs.name, f.inputs.status]));
            const autoEnable = Object.fromEntries(org.map((f) => [f.inputs.name, f.inputs.autoEnable]));
            assert.deepEqual(status, {
                S3_DATA_EVENTS: "ENABLED",
                EKS_AUDIT_LOGS: "DISABLED",
                EBS_MALWARE_PROTECTION: "DISABLED",
                RDS_LOGIN_EVENTS: "DISABLED",
                LAMBDA_NETWORK_LOGS: "DISABLED",
                RUNTIME_MONITORING: "DISABLED",
                AI_PROTECTION: "DISABLED",
            });
            assert.deepEqual(autoEnable, {
                S3_DATA_EVENTS: "ALL",
                EKS_AUDIT_LOGS: "NONE",
                EBS_MALWARE_PROTECTION: "NONE",
                RDS_LOGIN_EVENTS: "NONE",
                LAMBDA_NETWORK_LOGS: "NONE",
                RUNTIME_MONITORING: "NONE",
                AI_PROTECTION: "NONE",
            });
            const runtime = org.find((f) => f.inputs.name === "RUNTIME_MONITORING");
            const agents = runtime?.inputs.additionalConfigurations as { autoEnable: string }[];
            assert.ok(agents.length === 3 && agents.every((agent) => agent.autoEnable === "NONE"));
        }
    });

    it("accepts every scan type of Inspector's SDK, and scans code repositories where asked", async () => {
        const all = Object.values(ResourceScanType);
        assert.ok(all.includes("CODE_REPOSITORY"));
        const config = parseStackConfig({
            ...readStackConfigValues("dev"),
            "security-governance:inspector": { resourceTypes: all },
        });
        assert.deepEqual([...config.inspector.resourceTypes].sort(), [...all].sort());

        const planned = await plan("dev", {
            configOverrides: {
                "security-governance:inspector": { resourceTypes: ["EC2", "CODE_REPOSITORY"] },
            },
        });
        for (const region of planned.regions) {
            const enabler = single(planned, "aws:inspector2/enabler:Enabler", inRegion(region));
            assert.deepEqual(enabler.inputs.resourceTypes, ["EC2", "CODE_REPOSITORY"]);
            const organization = single(
                planned,
                "aws:inspector2/organizationConfiguration:OrganizationConfiguration",
                inRegion(region),
            );
            assert.deepEqual(organization.inputs.autoEnable, {
                ec2: true,
                ecr: false,
                lambda: false,
                lambdaCode: false,
                codeRepository: true,
            });
        }
        // And the organization policy enables exactly those two in every account.
        const policy = single(
            planned,
            "aws:organizations/policy:Policy",
            (r) => r.inputs.type === "INSPECTOR_POLICY",
        );
        const enablement = (
            JSON.parse(policy.inputs.content as string) as { inspector: { enablement: object } }
        ).inspector.enablement;
        assert.deepEqual(Object.keys(enablement).sort(), ["code_repository_scanning", "ec2_scanning"]);
    });

    it("names every standard Security Hub CSPM offers by its own ARN, CIS v1.2.0 on its global ruleset", async () => {
        const standards = [
            "aws-foundational-security-best-practices/v/1.0.0",
            "cis-aws-foundations-benchmark/v/5.0.0",
            "cis-aws-foundations-benchmark/v/1.2.0",
            "nist-800-171/v/2.0.0",
            "pci-dss/v/4.0.1",
            "aws-resource-tagging-standard/v/1.0.0",
            "ai-security-best-practices/v/1.0.0",
        ];
        const planned = await plan("dev", {
            configOverrides: { "security-governance:securityHub": { standards } },
        });
        const policy = single(planned, "aws:securityhub/configurationPolicy:ConfigurationPolicy");
        const { enabledStandardArns } = policy.inputs.configurationPolicy as {
            enabledStandardArns: string[];
        };
        assert.deepEqual(enabledStandardArns, [
            "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
            "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/5.0.0",
            "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
            "arn:aws:securityhub:eu-west-1::standards/nist-800-171/v/2.0.0",
            "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/4.0.1",
            "arn:aws:securityhub:eu-west-1::standards/aws-resource-tagging-standard/v/1.0.0",
            "arn:aws:securityhub:eu-west-1::standards/ai-security-best-practices/v/1.0.0",
        ]);
    });

    it("says in the plan, under each tag rule, that GuardDuty matches tag keys and values apart", () => {
        const summary = formatSummary(dev);
        assert.ok(
            summary.includes(
                [
                    "  2. bastion-ssh-brute-force: type in [UnauthorizedAccess:EC2/SSHBruteForce] AND",
                    "       resource.instanceDetails.tags.key in [Role] AND resource.instanceDetails.tags.value in",
                    "       [bastion] AND severity < 4",
                    "     tags: keys and values are matched separately: any instance with a tag key in",
                    "       [Role] and any tag value in [bastion], e.g. Role=other together with",
                    "       Other=bastion, is archived too",
                ].join("\n"),
            ),
            summary,
        );
        // Exactly one warning per rule that names tags (both dev rules do).
        assert.equal(summary.match(/keys and values are matched separately/g)?.length, 2);
    });

    it("leaves RDS Protection alone in Asia Pacific (Taipei), where GuardDuty does not offer it", async () => {
        const planned = await plan("dev", {
            configOverrides: { "security-governance:regions": ["eu-west-1", "ap-east-2"] },
        });
        const names = (type: string, region: string) =>
            ofType(planned, type)
                .filter(inRegion(region))
                .map((f) => f.inputs.name)
                .sort();
        for (const type of [DETECTOR_FEATURE, ORG_FEATURE]) {
            assert.ok(!names(type, "ap-east-2").includes("RDS_LOGIN_EVENTS"), type);
            assert.ok(names(type, "eu-west-1").includes("RDS_LOGIN_EVENTS"), type);
            // AI Protection is documented as missing nowhere: managed in Taipei like everywhere else.
            assert.ok(names(type, "ap-east-2").includes("AI_PROTECTION"), type);
            assert.deepEqual(
                names(type, "ap-east-2"),
                names(type, "eu-west-1").filter((name) => name !== "RDS_LOGIN_EVENTS"),
            );
        }
    });

    it("passes the prod pack in Asia Pacific (Taipei) without RDS Protection: the pack knows the same gap", async () => {
        assert.deepEqual(DEFAULT_PROTECTIONS_NOT_OFFERED_IN, PROTECTION_NOT_OFFERED_IN);
        const planned = await plan("prod", {
            configOverrides: { "security-governance:regions": ["us-east-1", "ap-east-2"] },
        });
        assert.ok(ofType(planned, DETECTOR_FEATURE).some(inRegion("ap-east-2")));
        const prodPack = path.join(REPO_ROOT, "policies", "config.prod.json");
        const found = await withConfig(prodPack, () => analyze(planned.resources));
        assert.deepEqual(policyNames(mandatory(found)), []);
    });
});
