import { strict as assert } from "node:assert";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan } from "./helpers/plan";
import { emails, fixtureSamples, matches, pattern, reachesHome, type Json } from "./helpers/event-pattern";

/*
 * Real GuardDuty finding events (test/fixtures/guardduty-events.json, each with its public source) run
 * through the planned rules and input transformers, as EventBridge would: raised in a governed region,
 * matched there, forwarded to the home region's bus, matched by the home rules and rendered into the
 * e-mail. The matcher below is written from the EventBridge user guide, not from the program.
 */

const samples = fixtureSamples("guardduty-events.json");

function sample(type: string): Json {
    const found = samples.find((s) => (s.event.detail as Json).type === type);
    assert.ok(found, type);
    return structuredClone(found.event);
}

/** The event as GuardDuty would send it from `region`, with `edit` applied to its detail. */
function raised(event: Json, region: string, edit: (detail: Json) => void = () => undefined): Json {
    const copy = structuredClone(event);
    copy.region = region;
    const detail = copy.detail as Json;
    detail.region = region;
    edit(detail);
    return copy;
}

describe("real GuardDuty finding events through the planned alert rules", () => {
    let dev: PlanDocument;
    before(async () => {
        dev = await plan("dev");
    });

    it("e-mails an update of a hit on the organization's own threat list at severity 5, from either region", () => {
        for (const region of dev.regions) {
            const event = raised(sample("Recon:IAMUser/MaliciousIPCaller.Custom"), region);
            const sent = emails(dev, event);
            assert.equal(sent.length, 1, region);
            const [mail] = sent;
            assert.match(mail[0], /^UPDATED GuardDuty finding, occurrence 54: /);
            assert.ok(mail.includes("Severity: 5 of 10 (4+ MEDIUM, 7+ HIGH, 9+ CRITICAL)"));
            assert.ok(mail.includes("Type: Recon:IAMUser/MaliciousIPCaller.Custom"));
            assert.ok(mail.includes("Account: 140651570565"));
            assert.ok(mail.includes(`Region: ${region}`));
            assert.ok(mail.includes("Occurrences: 54"));
            assert.ok(
                mail.includes("Activity first seen: 2018-02-20T21:14:39Z; last seen: 2018-02-20T21:59:26Z"),
            );
            const findingId = (event.detail as Json).id as string;
            assert.ok(
                mail.includes(
                    `Console (security account): https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${findingId}`,
                ),
            );
        }
    });

    it("says NEW for the first occurrence of a HIGH finding and UPDATED for the later ones", () => {
        // The fixture is a GuardDuty sample; a real finding of the same type carries no sample mark.
        const real = (detail: Json) => {
            delete ((detail.service as Json).additionalInfo as Json).sample;
        };
        const first = raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), "us-east-1", (detail) => {
            real(detail);
            (detail.service as Json).count = 1;
        });
        const later = raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), "us-east-1", real);
        const [newMail, ...extraNew] = emails(dev, first);
        assert.equal(extraNew.length, 0);
        assert.match(newMail[0], /^NEW GuardDuty finding: /);
        assert.ok(newMail.includes("Severity: 8 of 10 (4+ MEDIUM, 7+ HIGH, 9+ CRITICAL)"));
        const [updateMail, ...extraUpdates] = emails(dev, later);
        assert.equal(extraUpdates.length, 0);
        assert.match(updateMail[0], /^UPDATED GuardDuty finding, occurrence 21: /);
    });

    it("says a sample is a sample, once, in every region: never as a NEW or UPDATED finding", () => {
        // The fixture as GuardDuty published it: service.additionalInfo.sample true.
        for (const region of dev.regions) {
            const mails = emails(dev, raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), region));
            assert.equal(mails.length, 1, region);
            assert.match(
                mails[0][0],
                /^SAMPLE GuardDuty finding \(DRILL or test, not an incident: the weekly drill makes a CryptoCurrency:EC2\/BitcoinTool.B sample with CreateSampleFindings; a person may make others\): /,
            );
        }

        // A real finding whose sample field is false is alerted as real.
        const explicit = raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), "us-east-1", (detail) => {
            ((detail.service as Json).additionalInfo as Json).sample = false;
        });
        assert.match(emails(dev, explicit)[0][0], /^UPDATED GuardDuty finding/);
    });

    it("stays silent for a LOW finding of an ordinary type, and for any finding an analyst archived", () => {
        for (const region of dev.regions) {
            assert.deepEqual(emails(dev, raised(sample("UnauthorizedAccess:EC2/SSHBruteForce"), region)), []);
            for (const type of [
                "Recon:IAMUser/MaliciousIPCaller.Custom",
                "CryptoCurrency:EC2/BitcoinTool.B!DNS",
            ]) {
                const archived = raised(sample(type), region, (detail) => {
                    (detail.service as Json).archived = true;
                });
                assert.deepEqual(emails(dev, archived), [], `${type} archived in ${region}`);
            }
        }
    });

    it("pages on the same LOW brute force once it reaches the threshold, and on no other product's events", () => {
        const high = raised(sample("UnauthorizedAccess:EC2/SSHBruteForce"), "us-east-1", (detail) => {
            detail.severity = 7;
        });
        assert.equal(emails(dev, high).length, 1);
        const relabelled = { ...high, source: "aws.securityhub" };
        assert.deepEqual(emails(dev, relabelled), []);
    });
});

/** Whether the planned responder is invoked for an event raised in `event.region`, forwarded home if need be. */
function reachesResponder(planned: PlanDocument, event: Json): boolean {
    const rules = ofType(planned, "aws:cloudwatch/eventRule:EventRule").filter(
        (r) => r.inputs.eventPattern !== undefined,
    );
    const targets = ofType(planned, "aws:cloudwatch/eventTarget:EventTarget");
    const home = planned.homeRegion;
    if (!reachesHome(planned, event)) return false;
    const responder = planned.resources.find(
        (r) => r.type === "aws:lambda/function:Function" && r.inputs.name === "security-governance-responder",
    );
    assert.ok(responder, "prod deploys the responder");
    return rules
        .filter((r) => r.inputs.region === home && matches(pattern(r), event))
        .some((r) =>
            targets.some(
                // The offline runtime gives a function the ARN ...:<resource name>.
                (t) =>
                    t.inputs.region === home &&
                    t.inputs.rule === (r.inputs.name ?? r.name) &&
                    String(t.inputs.arn).endsWith(`:${responder.name}`),
            ),
        );
}

describe("real GuardDuty finding events through the planned responder rule (prod)", () => {
    let prod: PlanDocument;
    before(async () => {
        prod = await plan("prod");
    });

    it("reaches the responder from every region for a responding rung's type, even below the alert threshold", () => {
        for (const region of prod.regions) {
            // A LOW public-bucket finding: prod alerts from severity 7, and the bucket rung acts on any severity.
            const bucket = raised(sample("UnauthorizedAccess:EC2/SSHBruteForce"), region, (detail) => {
                detail.type = "Policy:S3/BucketBlockPublicAccessDisabled";
                detail.severity = 2;
            });
            assert.ok(reachesResponder(prod, bucket), region);
            assert.deepEqual(emails(prod, bucket), [], `${region}: a responder trigger is not alerted on`);
            assert.ok(
                reachesResponder(prod, raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), region)),
                region,
            );
        }
    });

    it("does not reach it for other types, archived findings, or other products' events", () => {
        for (const region of prod.regions) {
            assert.ok(
                !reachesResponder(prod, raised(sample("UnauthorizedAccess:EC2/SSHBruteForce"), region)),
                region,
            );
            const archived = raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), region, (detail) => {
                (detail.service as Json).archived = true;
            });
            assert.ok(!reachesResponder(prod, archived), `archived in ${region}`);
            const relabelled = {
                ...raised(sample("CryptoCurrency:EC2/BitcoinTool.B!DNS"), region),
                source: "aws.securityhub",
            };
            assert.ok(!reachesResponder(prod, relabelled), `Security Hub in ${region}`);
        }
    });
});
