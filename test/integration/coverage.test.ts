import { strict as assert } from "node:assert";
import { EnableMacieCommand, Macie2Client } from "@aws-sdk/client-macie2";
import { EnableSecurityHubCommand, SecurityHubClient } from "@aws-sdk/client-securityhub";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import * as yaml from "js-yaml";
import { handler } from "../../functions/coverage/handler";
import { runCoverageCommand } from "../../tools/coverage";
import { projectDir } from "../helpers/plan";
import type { CoverageReport } from "../../functions/coverage/matrix";
import { refusals } from "./aws-gate";
import { gatedWorld } from "./gated-world";
import { HOME, OTHER, type Deployed, type World } from "./world";

/*
 * The scheduled coverage function's real handler, deployed as planned, against the emulator: its first run finds
 * no report (S3 answers its role 403 for a missing key, so it must list), writes every row and the combined matrix
 * SSE-KMS, publishes its metrics; its next run reads what the first wrote. The emulator lacks several reads
 * (GuardDuty ListMembers and GetMemberDetectors, Security Hub's configuration policy lists, all of Detective):
 * their rows say so in the report, and their mocked tests (test/coverage-*.test.ts) stay.
 */

const context = { getRemainingTimeInMillis: () => 600_000 };

describe("integration: the scheduled coverage function, under its planned role", function () {
    this.timeout(180_000);
    const opened = gatedWorld();
    let w: World;
    let coverage: Deployed;
    let bucket: string;

    before(async () => {
        w = opened();
        coverage = await w.deploy("coverage");
        bucket = (coverage.settings as { publish: { bucket: string } }).publish.bucket;
        // The security account's own enablement, as the plan makes it, where the emulator has it (its GuardDuty
        // detectors are the world's: world.ts).
        for (const region of [HOME, OTHER])
            await (await w.client(Macie2Client, w.security, region)).send(new EnableMacieCommand({}));
        await (await w.client(SecurityHubClient, w.security, HOME)).send(new EnableSecurityHubCommand({}));
    });

    it("a first run with no report writes every row and the matrix, and the next run reads them back", async () => {
        const s3 = await w.client(S3Client, w.security, HOME);
        const before = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "coverage/" }));
        assert.equal(before.KeyCount ?? 0, 0, "no report yet");
        const first = await coverage.run(() => handler({}, context));
        // Every call was allowed by the planned role; no missing report was read (which S3 would answer 403).
        assert.deepEqual(refusals(w.gate), []);
        assert.deepEqual(
            w.gate.calls.filter((c) => c.command === "GetObject" || c.command === "HeadObject"),
            [],
        );
        assert.deepEqual(first.notReached, []);
        // Every service and region the plan expects is a row: five services and Config in two regions.
        assert.equal(first.refreshed.length, 12);
        const latest = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "coverage/latest.json" }));
        const report = JSON.parse(await (latest.Body?.transformToString() ?? "{}")) as CoverageReport;
        const rows = report.rows.map((r) => `${r.service}/${r.region}`).sort();
        assert.deepEqual(rows, [...first.refreshed].sort());
        // Every row was read, or names the operation the emulator lacks: none failed on a denial or a crash.
        for (const row of report.rows)
            assert.ok(
                row.error === undefined || row.error.startsWith("NotInEmulator: "),
                `${row.service}/${row.region}: ${row.error}`,
            );
        // Macie's members are read from the emulator: the administrator alone is covered, as nothing is enrolled.
        const macie = report.rows.find((r) => r.service === "macie" && r.region === HOME);
        assert.ok(macie, JSON.stringify(rows));
        assert.deepEqual([macie.error, macie.covered, macie.gaps.length], [undefined, 1, 3]);
        const written = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "coverage/rows/" }));
        assert.ok((written.Contents ?? []).some((o) => o.Key === `coverage/rows/macie/${HOME}/latest.json`));
        const puts = w.gate.calls.filter((c) => c.command === "PutObject");
        assert.ok(puts.length > 0 && puts.every((c) => c.input.ServerSideEncryption === "aws:kms"));
        const metrics = await (
            await w.client(CloudWatchClient, w.security, HOME)
        ).send(new ListMetricsCommand({ Namespace: "SecurityGovernance/Coverage" }));
        assert.ok((metrics.Metrics ?? []).some((m) => m.MetricName === "CoveredAccounts"));

        w.gate.calls.splice(0);
        const second = await coverage.run(() => handler({}, context));
        assert.deepEqual(second.notReached, []);
        const reads = w.gate.calls.filter((c) => c.command === "GetObject");
        assert.ok(reads.length > 0, "the stored rows are read back");
        assert.ok(
            reads.every((c) => c.outcome === "ok"),
            JSON.stringify(reads.map((c) => c.outcome)),
        );
        assert.ok(
            reads.every((c) =>
                c.requests.some((r) => r.action === "kms:Decrypt" && r.decision === "Allowed"),
            ),
        );
        assert.deepEqual(refusals(w.gate), []);
    });
});

describe("integration: npm run coverage, with a person's credentials in the security account", function () {
    this.timeout(120_000);
    const opened = gatedWorld();
    let w: World;

    before(async () => {
        w = opened();
    });

    it("reads the same rows as the function and prints them; refuses credentials of another account with exit 2", async () => {
        const dir = projectDir({ "Pulumi.moto.yaml": yaml.dump({ config: w.stackValues }) });
        const out: string[] = [];
        const err: string[] = [];
        const output = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
        const session = await w.userSession(w.security);
        const saved = process.env.AWS_ENDPOINT_URL;
        process.env.AWS_ENDPOINT_URL = w.endpoint;
        try {
            const code = await runCoverageCommand(["--stack", "moto"], output, {
                stackDir: dir,
                credentials: async () => session,
            });
            // Exit 1: workload accounts are not members anywhere yet, so there are gaps.
            assert.equal(code, 1, err.join(""));
            const printed = out.join("");
            for (const row of [`macie ${HOME}`, `guardduty ${OTHER}`, `inspector ${HOME}`])
                assert.ok(printed.includes(row.split(" ")[0]), row);
            assert.match(printed, /NotInEmulator/, "the rows moto cannot read say so");
            assert.deepEqual(refusals(w.gate), []);
            const management = await w.userSession(w.management);
            err.length = 0;
            const refused = await runCoverageCommand(["--stack", "moto"], output, {
                stackDir: dir,
                credentials: async () => management,
            });
            assert.equal(refused, 2);
            assert.match(
                err.join(""),
                new RegExp(
                    `credentials belong to account ${w.management}; npm run coverage reads as the security account ${w.security}`,
                ),
            );
        } finally {
            if (saved === undefined) Reflect.deleteProperty(process.env, "AWS_ENDPOINT_URL");
            else process.env.AWS_ENDPOINT_URL = saved;
        }
    });
});
