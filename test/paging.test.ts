import { strict as assert } from "node:assert";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan, single } from "./helpers/plan";
import { emails, fixtureEvent, type Json } from "./helpers/event-pattern";

/*
 * Routing by severity through the prod plan (notifications.paging: CRITICAL): documented and real finding
 * events of every service run through the planned rules, and the test reads which topic each one reaches.
 */

const ALERTS = "finding-alerts-topic";
const PAGES = "finding-alerts-paging-topic";

/** The event as raised in `region`, with `edit` applied to its detail. */
function raised(event: Json, region: string, edit: (detail: Json) => void = () => undefined): Json {
    event.region = region;
    edit(event.detail as Json);
    return event;
}

// The fixture is a GuardDuty sample (service.additionalInfo.sample true), which never pages: this is the real
// finding of the same shape.
const guardduty = (region: string, severity: number, count = 1) =>
    raised(
        fixtureEvent("guardduty-events.json", "UnauthorizedAccess:EC2/SSHBruteForce"),
        region,
        (detail) => {
            detail.region = region;
            detail.severity = severity;
            (detail.service as Json).count = count;
            delete ((detail.service as Json).additionalInfo as Json).sample;
        },
    );

describe("routing by severity: a paging topic beside the e-mails", () => {
    let prod: PlanDocument;
    const reached = (event: Json) => ({
        alerts: emails(prod, event, ALERTS).length,
        pages: emails(prod, event, PAGES).length,
    });
    before(async () => {
        prod = await plan("prod");
    });

    it("pages a new CRITICAL GuardDuty finding of any region and mails it too; HIGH and updates are mailed only", () => {
        for (const region of ["eu-west-1", prod.homeRegion]) {
            assert.deepEqual(reached(guardduty(region, 9.5)), { alerts: 1, pages: 1 }, region);
            assert.deepEqual(reached(guardduty(region, 8.9)), { alerts: 1, pages: 0 }, region);
            assert.deepEqual(reached(guardduty(region, 9.5, 3)), { alerts: 1, pages: 0 }, region);
        }
        const [page] = emails(prod, guardduty("eu-west-1", 9), PAGES);
        assert.equal(
            page[0],
            "NEW GuardDuty finding: 198.51.100.0 is performing SSH brute force attacks against i-99999999. ",
        );
        assert.ok(page.includes("Region: eu-west-1"));
    });

    it("pages CRITICAL Inspector and Security Hub CSPM findings, and never a Macie one: Macie has no CRITICAL", () => {
        const inspector = raised(fixtureEvent("service-events.json", "inspector Lambda code"), "eu-west-1");
        assert.deepEqual(reached(inspector), { alerts: 1, pages: 1 });
        const [page] = emails(prod, inspector, PAGES);
        assert.equal(page[0], "Inspector finding, severity CRITICAL: CWE-798 - Hardcoded credentials");

        const control = raised(
            fixtureEvent("service-events.json", "security hub cspm"),
            prod.homeRegion,
            (detail) => {
                (detail.findings as Json[])[0].Severity = {
                    Label: "CRITICAL",
                    Normalized: 90,
                    Original: "CRITICAL",
                };
            },
        );
        assert.deepEqual(reached(control), { alerts: 1, pages: 1 });

        const macie = raised(fixtureEvent("service-events.json", "macie sensitive data"), "eu-west-1");
        assert.deepEqual(reached(macie), { alerts: 1, pages: 0 });
        assert.equal(
            ofType(prod, "aws:cloudwatch/eventRule:EventRule").filter((r) =>
                r.name.startsWith("finding-alerts-paging-macie"),
            ).length,
            0,
        );
    });

    it("pages HIGH too when paging starts at HIGH, Macie's High included, but nothing below a service's threshold", async () => {
        const high = await plan("dev", {
            configOverrides: {
                "security-governance:notifications": {
                    emails: ["secops@example.com"],
                    paging: { minSeverity: "HIGH", emails: ["pager@example.com"] },
                },
            },
        });
        // The fixture is a Macie sample (sample true); a real finding says false.
        const macie = raised(
            fixtureEvent("service-events.json", "macie sensitive data"),
            "us-east-1",
            (d) => {
                d.sample = false;
            },
        );
        assert.equal(emails(high, macie, PAGES).length, 1);
        // Inspector's e-mail threshold stays CRITICAL: a HIGH finding is neither mailed nor paged.
        const inspector = raised(
            fixtureEvent("service-events.json", "inspector Lambda code"),
            "us-east-1",
            (d) => {
                d.severity = "HIGH";
            },
        );
        assert.equal(emails(high, inspector).length, 0);
        assert.equal(emails(high, guardduty("us-east-1", 7.5), PAGES).length, 1);
    });

    it("encrypts the paging topic with the alert key, lets only its own rules publish, and subscribes the pager", () => {
        const topic = single(prod, "aws:sns/topic:Topic", (r) => r.name === PAGES);
        const alertTopic = single(prod, "aws:sns/topic:Topic", (r) => r.name === ALERTS);
        assert.equal(topic.inputs.kmsMasterKeyId, alertTopic.inputs.kmsMasterKeyId);
        assert.equal(topic.inputs.region, prod.homeRegion);
        const policy = single(prod, "aws:sns/topicPolicy:TopicPolicy", (r) =>
            r.name.startsWith("finding-alerts-paging"),
        );
        const statement = (JSON.parse(String(policy.inputs.policy)) as { Statement: Json[] }).Statement;
        const rules = ofType(prod, "aws:cloudwatch/eventRule:EventRule")
            .filter((r) => r.name.startsWith("finding-alerts-paging-"))
            .map((r) => `arn:aws:events:${prod.homeRegion}:${prod.accounts.securityAdmin}:rule/${r.name}`);
        assert.equal(rules.length, 3);
        assert.deepEqual((statement[0].Condition as Json).ArnEquals, { "aws:SourceArn": rules });
        const subscriptions = ofType(prod, "aws:sns/topicSubscription:TopicSubscription").filter((s) =>
            String(s.inputs.topic).endsWith(`:${PAGES}`),
        );
        assert.deepEqual(
            subscriptions.map((s) => s.inputs.endpoint),
            ["security-pager@example.com"],
        );
    });
});
