import { strict as assert } from "node:assert";
import { planStack } from "../tools/plan-runtime";
import { formatSummary } from "../tools/plan-summary";

/*
 * The plan's summary says what the stack will do beyond turning services on: the response ladder, the
 * policies scoped by OU, the noise rules, and which accounts a service never enrolls.
 */

async function summary(stack: string, configOverrides: Record<string, unknown> = {}) {
    const { plan } = await planStack({ stack, configOverrides });
    return { plan, text: formatSummary(plan) };
}

/** The lines of one section of the summary, from its heading to the blank line after it. */
function section(text: string, heading: string): string[] {
    const lines = text.split("\n");
    const start = lines.findIndex((line) => line.startsWith(heading));
    if (start < 0) return [];
    const end = lines.indexOf("", start);
    return lines.slice(start, end < 0 ? undefined : end);
}

/** A section's lines joined back into sentences (the summary wraps at 100 columns). */
const joined = (lines: string[]) => lines.join(" ").replace(/\s+/g, " ");

const coverageRow = (text: string, service: string) =>
    section(text, "Accounts covered per service and region").find((line) => line.startsWith(`${service} `));

describe("the plan's summary says what the stack will do", function () {
    this.timeout(120_000);

    it("each response rung with its mode and what that mode does, and whom it never touches", async () => {
        const { text } = await summary("prod");
        const response = joined(section(text, "Response to findings"));
        assert.match(
            response,
            /blockRemoteAddress: dry-run \(records what it would do in the findings bucket, changes nothing\) on 1 finding type\(s\), severity >= 4, undone after 24 h/,
        );
        assert.match(
            response,
            /isolateInstance: notify \(tells the alert topic what it would do, changes nothing\) on 4 finding type\(s\)/,
        );
        assert.match(
            response,
            /never: 888888888888 \(the management account\), 333333333333 \(the security account, where the responder runs\), accounts under ou-ab12-manualir, resources tagged security-governance:remediation=exempt/,
        );
    });

    it("an act rung says it acts, and a stack without remediation has no such section", async () => {
        const { text } = await summary("prod", {
            "security-governance:remediation": {
                blockPublicBucket: { mode: "act" },
            },
        });
        assert.match(
            joined(section(text, "Response to findings")),
            /blockPublicBucket: act \(acts in the member account\)/,
        );
        const dev = await summary("dev");
        assert.deepEqual(section(dev.text, "Response to findings"), []);
    });

    it("the OU's own Security Hub standards and Inspector scans beside the root's", async () => {
        const { text } = await summary("prod");
        const scopes = section(text, "Scopes by OU");

        assert.match(
            joined(scopes),
            /ou-ab12-sandbox1: Security Hub "securityhub-sandbox": Standards: aws-foundational-security-best-practices\/v\/1\.0\.0\. Disabled/,
        );
        assert.match(
            joined(scopes),
            /ou-ab12-sandbox1: Inspector "security-governance-inspector-sandbox": ec2, ecr( |$)/,
        );
        assert.match(
            joined(scopes),
            /r-\w+: Inspector "security-governance-inspector": ec2, ecr, lambda_standard/,
        );

        assert.deepEqual(section((await summary("dev")).text, "Scopes by OU"), []);
    });

    it("each noise rule with the services' rules it becomes", async () => {
        const { text } = await summary("dev", {
            "security-governance:noiseRules": [
                {
                    name: "snapd-accepted",
                    service: "inspector",
                    reason: "snapd is not installed on our AMIs; accepted until the next image",
                    severities: ["MEDIUM"],
                    vulnerabilityIds: ["CVE-2024-29069"],
                },
            ],
        });
        assert.match(
            joined(section(text, "Noise rules")),
            /snapd-accepted: Inspector filter \(SUPPRESS\) in 2 region\(s\)\. snapd is not installed on our AMIs/,
        );
        assert.deepEqual(section((await summary("dev")).text, "Noise rules"), []);
    });

    it("an account excluded from Macie is not counted as covered, in the table or for the management account", async () => {
        const plain = await summary("dev");
        const { plan, text } = await summary("dev", {
            "security-governance:macie": { excludedAccounts: ["111111111111"] },
        });
        const cells = (row: string | undefined) => row?.trim().split(/\s+/).slice(1);
        assert.deepEqual(cells(coverageRow(plain.text, "macie")), ["12", "12"]);
        assert.deepEqual(cells(coverageRow(text, "macie")), ["11", "11"]);
        assert.deepEqual(cells(coverageRow(text, "detective")), ["12", "12"]);
        const management = section(text, `Management account ${plan.accounts.management}`).find((l) =>
            l.startsWith("macie "),
        );
        assert.deepEqual(cells(management), ["no", "no"]);
        assert.match(
            joined(section(text, "Excluded from coverage")),
            /macie: 111111111111 \(macie\.excludedAccounts\), never enrolled/,
        );
    });
});
