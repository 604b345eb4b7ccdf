import { strict as assert } from "node:assert";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan } from "./helpers/plan";
import { emails, fixtureSamples, type Json } from "./helpers/event-pattern";

/*
 * Macie, Inspector and Security Hub CSPM findings, in the event shapes the services document
 * (test/fixtures/service-events.json, each with its source), through the planned rules and input transformers
 * as EventBridge would run them: raised in a governed region, matched there and forwarded, matched at home,
 * rendered into the e-mail.
 */

const samples = fixtureSamples("service-events.json");

function sample(name: string, region: string, edit: (detail: Json) => void = () => undefined): Json {
    const found = samples.find((s) => s.name === name);
    assert.ok(found, name);
    const event = structuredClone(found.event);
    event.region = region;
    edit(event.detail as Json);
    return event;
}

const SENSITIVE = "macie sensitive data, High";
const POLICY = "macie policy finding, second occurrence";
const EC2_VULNERABILITY = "inspector EC2 package vulnerability, MEDIUM, CLOSED";
const CODE_VULNERABILITY = "inspector Lambda code vulnerability, CRITICAL";
const CONTROL = "security hub cspm control finding, MEDIUM, FAILED";

/** The finding of a CSPM event, to edit. */
const finding = (detail: Json) => (detail.findings as Json[])[0];

describe("alerts for Macie, Inspector and Security Hub CSPM findings", () => {
    let dev: PlanDocument;
    let lower: PlanDocument;
    before(async () => {
        dev = await plan("dev");
        lower = await plan("dev", {
            configOverrides: {
                "security-governance:notifications": {
                    emails: ["secops@example.com"],
                    macie: { minSeverity: "Medium" },
                    inspector: { minSeverity: "MEDIUM" },
                    securityHub: { minSeverity: "MEDIUM" },
                },
            },
        });
    });

    it("mails a High Macie sensitive-data finding from another region once, saying what, where, how often and when", () => {
        const event = sample(SENSITIVE, "us-east-1", (detail) => {
            detail.region = "us-east-1";
            detail.accountId = "300000000001";
        });
        const sent = emails(dev, event);
        assert.equal(sent.length, 1);
        assert.deepEqual(sent[0], [
            "Macie finding, severity High: The S3 object contains multiple categories of sensitive data",
            "",
            "Type: SensitiveData:S3Object/Multiple (CLASSIFICATION)",
            "Account: 300000000001",
            "Region: us-east-1",
            "Bucket: amzn-s3-demo-bucket2",
            "Object: 2024 Sourcing.csv",
            "Occurrences: 1",
            "First seen: 2024-04-20T18:19:10Z; last seen: 2024-04-20T18:19:10Z",
            "Finding ID: 4ed45d06-c9b9-4506-ab7f-18a57example",
            "",
            "Console (security account): https://us-east-1.console.aws.amazon.com/macie/home?region=us-east-1#/findings",
        ]);
    });

    it("mails a policy finding's later occurrence with its count, and never an archived or a lower one", () => {
        const repeat = emails(dev, sample(POLICY, "eu-west-1"));
        assert.equal(repeat.length, 1);
        assert.ok(repeat[0].includes("Occurrences: 2"));
        assert.ok(repeat[0].includes("First seen: 2024-04-29T15:46:02Z; last seen: 2024-04-30T23:12:15Z"));
        const archived = sample(POLICY, "eu-west-1", (detail) => (detail.archived = true));
        assert.deepEqual(emails(dev, archived), []);
        const medium = sample(
            POLICY,
            "us-east-1",
            (detail) => (detail.severity = { score: 2, description: "Medium" }),
        );
        assert.deepEqual(emails(dev, medium), []);
        // notifications.macie.minSeverity: Medium
        assert.equal(emails(lower, medium).length, 1);
        const low = sample(
            POLICY,
            "us-east-1",
            (detail) => (detail.severity = { score: 1, description: "Low" }),
        );
        assert.deepEqual(emails(lower, low), []);
    });

    it("mails an active CRITICAL Inspector finding with its resource, and not a closed, suppressed or lower one", () => {
        const sent = emails(dev, sample(CODE_VULNERABILITY, "us-east-1"));
        assert.equal(sent.length, 1);
        assert.equal(sent[0][0], "Inspector finding, severity CRITICAL: CWE-798 - Hardcoded credentials");
        assert.ok(sent[0].includes("Account: 123456789012"));
        // The resource's region, as the finding gives it.
        assert.ok(sent[0].includes("Region: eu-central-1"));
        assert.ok(
            sent[0].includes(
                "Resource: arn:aws:lambda:eu-central-1:123456789012:function:VulnerableFunction:$LATEST (AWS_LAMBDA_FUNCTION)",
            ),
        );
        assert.ok(
            sent[0].includes(
                "First seen: Wed Sep 04 16:51:01.869 UTC 2024; last seen: Wed Sep 04 16:51:01.869 UTC 2024; updated: Wed Sep 04 16:51:01.869 UTC 2024",
            ),
        );
        for (const status of ["SUPPRESSED", "CLOSED"]) {
            assert.deepEqual(
                emails(
                    dev,
                    sample(CODE_VULNERABILITY, "us-east-1", (d) => (d.status = status)),
                ),
                [],
            );
        }
        assert.deepEqual(
            emails(
                dev,
                sample(CODE_VULNERABILITY, "eu-west-1", (d) => (d.severity = "HIGH")),
            ),
            [],
        );
        // The documented MEDIUM finding is closed: nothing, whatever the threshold; active and MEDIUM, only below.
        assert.deepEqual(emails(lower, sample(EC2_VULNERABILITY, "eu-west-1")), []);
        const active = sample(EC2_VULNERABILITY, "eu-west-1", (d) => (d.status = "ACTIVE"));
        assert.deepEqual(emails(dev, active), []);
        const mailed = emails(lower, active);
        assert.equal(mailed.length, 1);
        assert.ok(mailed[0].includes("Type: PACKAGE_VULNERABILITY; Inspector score: 4.8"));
        assert.ok(mailed[0].includes("Resource: i-12345678901234567 (AWS_EC2_INSTANCE)"));
    });

    it("mails a failing CRITICAL control at home, from the aggregated feed, naming the region it failed in", () => {
        const critical = (detail: Json) =>
            (finding(detail).Severity = { Label: "CRITICAL", Normalized: 90, Original: "CRITICAL" });
        // The linked region's own feed matches nothing: the home region receives the finding too.
        assert.deepEqual(emails(dev, sample(CONTROL, "us-east-1", critical)), []);
        const sent = emails(dev, sample(CONTROL, dev.homeRegion, critical));
        assert.equal(sent.length, 1);
        assert.deepEqual(sent[0], [
            "Security Hub CSPM control failed, severity CRITICAL: CloudTrail.2 CloudTrail should have encryption at-rest enabled",
            "",
            "Account: 123456789012",
            "Region: us-east-1",
            "Resource: arn:aws:cloudtrail:us-east-1:123456789012:trail/TestTrail-DO-NOT-DELETE",
            "Occurrences: sent again at each check while the control fails and the finding's workflow is NEW",
            "First seen: 2024-08-09T14:57:04.521Z; last seen: 2025-05-30T03:30:17.407Z; updated: 2025-05-30T03:30:32.781Z",
            "Finding: arn:aws:securityhub:us-east-1:123456789012:security-control/CloudTrail.2/finding/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
            "",
            `Console (security account, home region): https://${dev.homeRegion}.console.aws.amazon.com/securityhub/home?region=${dev.homeRegion}#/findings`,
        ]);
    });

    it("does not mail a control that passed, a finding seen or archived, a lower one, or another product's copy", () => {
        const home = dev.homeRegion;
        const edits: [string, (f: Json) => void][] = [
            ["passed", (f) => (f.Compliance = { ...(f.Compliance as Json), Status: "PASSED" })],
            ["notified", (f) => (f.Workflow = { Status: "NOTIFIED" })],
            ["archived", (f) => (f.RecordState = "ARCHIVED")],
            // GuardDuty's copy in Security Hub: GuardDuty's own rules alert on it, natively.
            ["guardduty", (f) => (f.ProductArn = `arn:aws:securityhub:${home}::product/aws/guardduty`)],
        ];
        for (const [what, edit] of edits) {
            const event = sample(CONTROL, home, (detail) => {
                finding(detail).Severity = { Label: "CRITICAL", Normalized: 90, Original: "CRITICAL" };
                edit(finding(detail));
            });
            assert.deepEqual(emails(dev, event), [], what);
        }
        // The documented finding is MEDIUM: only a MEDIUM threshold mails it.
        assert.deepEqual(emails(dev, sample(CONTROL, home)), []);
        assert.equal(emails(lower, sample(CONTROL, home)).length, 1);
    });

    it("plans no rule for a service that is off, or whose alerts are", async () => {
        const quiet = await plan("dev", {
            configOverrides: {
                "security-governance:macie": { enabled: false },
                "security-governance:notifications": {
                    inspector: { enabled: false },
                    securityHub: { enabled: false },
                },
            },
        });
        const names = ofType(quiet, "aws:cloudwatch/eventRule:EventRule").map((r) => r.name);
        assert.deepEqual(
            names.filter((name) => /^finding-alerts-(macie|inspector|securityhub)-/.test(name)),
            [],
        );
        assert.deepEqual(emails(quiet, sample(SENSITIVE, "eu-west-1")), []);
        assert.deepEqual(emails(quiet, sample(CODE_VULNERABILITY, "eu-west-1")), []);
        // In dev every one of them is there: home rules, and forwarding for Macie and Inspector only.
        const planned = ofType(dev, "aws:cloudwatch/eventRule:EventRule").map((r) => r.name);
        for (const name of [
            "finding-alerts-macie-eu-west-1",
            "finding-alerts-macie-us-east-1",
            "finding-alerts-inspector-eu-west-1",
            "finding-alerts-inspector-us-east-1",
            "finding-alerts-securityhub-eu-west-1",
        ]) {
            assert.ok(planned.includes(name), name);
        }
        assert.ok(!planned.includes("finding-alerts-securityhub-us-east-1"));
    });
});
