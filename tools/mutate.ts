/**
 * `npm run mutate [-- MODULE ...]`: Stryker mutation testing of the security-critical modules, each against
 * the tests that exercise it directly (running the whole suite per mutant would take hours). Not part of CI.
 * Results: one clear-text report per module on stdout, JSON under reports/mutation/<module>.json, and a
 * summary table at the end. The target is a score of at least 90% per module; survivors are either killed
 * by a new test or explained as equivalent in the issue note.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");

/** Module -> the files Stryker mutates and the test files that run against each mutant. */
export const MODULES: Record<string, { mutate: string[]; tests: string[]; skipTests?: string }> = {
    "ip-lists": { mutate: ["stacks/ip-lists.ts"], tests: ["test/ip-lists.test.ts"] },
    "suppression-filters": {
        mutate: ["components/suppression-filters.ts"],
        tests: ["test/suppression-properties.test.ts"],
    },
    "policy-documents": {
        mutate: ["components/policy-documents.ts"],
        tests: ["test/policy-simulation.test.ts", "test/findings-export.test.ts"],
    },
    config: {
        mutate: [
            "stacks/config.ts",
            "stacks/config-messages.ts",
            "stacks/cross-section-checks.ts",
            "stacks/namespace-config.ts",
            "stacks/accounts-config.ts",
            "stacks/regions-config.ts",
            "stacks/findings-export-config.ts",
            "stacks/guardduty-config.ts",
            "stacks/suppression-config.ts",
            "stacks/macie-config.ts",
            "stacks/detective-config.ts",
            "stacks/notifications-config.ts",
            "stacks/security-hub-standards.ts",
            "stacks/quotas.ts",
        ],
        // The property tests parse a whole generated config per case and cover every mutant: with them a run
        // takes over an hour, so the table-driven tests carry this module (bad-input is its catalogue).
        tests: ["test/config.test.ts", "test/config-messages.test.ts", "test/bad-input.test.ts"],
        // The same catalogue again as child processes and under the Pulumi runtime: seconds per case, and
        // the validation they reach is the one the in-process cases already run.
        skipTests: "as real processes|through index\\.ts",
    },
    // Coverage's judgement: whether one account is covered, how several readings of it merge (failure wins), and
    // which changes tell a person.
    coverage: {
        mutate: ["functions/coverage/verdicts.ts", "functions/coverage/matrix.ts"],
        tests: [
            "test/coverage-merge.test.ts",
            "test/coverage-matrix.test.ts",
            "test/coverage-ai-protection.test.ts",
            "test/coverage-config.test.ts",
            "test/coverage-scopes.test.ts",
            "test/coverage-publish.test.ts",
        ],
    },
    // OU scopes: which OU's policy each account must have, and what the config may ask of an OU.
    scopes: {
        mutate: ["functions/coverage/scopes.ts", "stacks/organizational-units.ts"],
        tests: [
            "test/organizational-units-config.test.ts",
            "test/coverage-scopes.test.ts",
            "test/bad-input.test.ts",
        ],
        skipTests: "as real processes|through index\\.ts",
    },
    // Suppression as code: the config that may only hide below HIGH, and the pack's guard over every rule.
    noise: {
        mutate: ["stacks/noise-rules.ts", "policies/noise.ts"],
        tests: ["test/noise-rules.test.ts", "test/noise-rules-config.test.ts", "test/bad-input.test.ts"],
        skipTests: "as real processes|through index\\.ts",
    },
    // The in-account decision logic: what to enroll, what counts as enrolled, the run's budget and deadline.
    enrollment: {
        mutate: [
            "functions/enrollment/*.ts",
            "!functions/enrollment/handler.ts",
            "!functions/enrollment/aws.ts",
            "functions/shared/*.ts",
        ],
        tests: [
            "test/enrollment-function.test.ts",
            "test/enrollment-details.test.ts",
            "test/enrollment-priorities.test.ts",
            "test/members-command.test.ts",
        ],
    },
    // The response ladder and its actions: which finding is acted on, and exactly what each action changes.
    response: {
        mutate: [
            "functions/response/*.ts",
            "!functions/response/handler.ts",
            "!functions/response/aws.ts",
            "functions/shared/s3-objects.ts",
            "stacks/remediation.ts",
        ],
        tests: [
            "test/response-ladder.test.ts",
            "test/response-actions.test.ts",
            "test/response-run.test.ts",
            "test/response-network-details.test.ts",
            "test/response-run-details.test.ts",
            "test/response-config-details.test.ts",
            "test/response-isolate.test.ts",
            "test/response-safety.test.ts",
            "test/response-ledgers.test.ts",
            "test/response-confirm.test.ts",
            "test/response-network-placement.test.ts",
            "test/response-sweep-races.test.ts",
            "test/response-isolate-details.test.ts",
            "test/response-isolate-deadlines.test.ts",
        ],
    },
    // The guardrails' documents and config: what each SCP denies and whom it exempts, what the config accepts,
    // what the quotas allow. Only tests that build what they check inside the test: a plan in a before hook
    // would run every mutant there and make it look static, so the plan's own tests carry guardrail-wiring.
    // The fast suites come first, so a mutant they kill stops there.
    guardrails: {
        mutate: [
            "components/guardrail-actions.ts",
            "components/guardrail-documents.ts",
            "components/guardrail-policies.ts",
            "components/guardrail-security-account.ts",
            "stacks/guardrails.ts",
            "stacks/guardrail-quotas.ts",
        ],
        tests: [
            "test/guardrails-actions.test.ts",
            "test/guardrails-footing.test.ts",
            "test/guardrails-security.test.ts",
            "test/guardrail-quotas.test.ts",
            "test/guardrails-config.test.ts",
            "test/bad-input.test.ts",
        ],
        // Child processes: Stryker sees no coverage there, and the in-process cases reach the same checks.
        skipTests: "as real processes|through index\\.ts",
    },
    // What the plan reads from the project directory (stack files, Pulumi.yaml, ESC imports, one stack per
    // organization) and what discovery refuses of a second stack over the organization.
    "stack-files": {
        mutate: ["tools/stack-file.ts", "stacks/one-organization.ts", "stacks/load.ts"],
        tests: ["test/one-organization.test.ts", "test/pulumi-cli-files.test.ts", "test/bad-input.test.ts"],
        // Child processes: Stryker sees no coverage there.
        skipTests:
            "npm run plan with its message alone|npm run coverage without credentials|as real processes",
    },
    // Where the plan attaches the guardrails, that it keeps them, the findings perimeter (its tests need the
    // plan's bucket and key policies), and the pack's judgement of them.
    "guardrail-wiring": {
        mutate: ["components/guardrails.ts", "components/guardrail-perimeter.ts", "policies/guardrails.ts"],
        tests: ["test/guardrails-iam.test.ts", "test/policies.guardrails.test.ts"],
    },
    // Detection that watches itself: which alarms each watched thing gets, the watch path's policies and
    // relays, and the dashboard. The pack's monitoring policies are served once per process, which Stryker
    // cannot judge (see policies); they were mutated by hand (test/policies.monitoring.test.ts).
    monitoring: {
        mutate: [
            "components/failure-alarms.ts",
            "components/watch-path.ts",
            "components/dashboard.ts",
            "stacks/capabilities/monitoring.ts",
        ],
        tests: ["test/monitoring.test.ts", "test/policy-simulation.test.ts"],
    },
    policies: {
        // Under Stryker the tests serve the pack inside their own process (test/helpers/policy-session.ts),
        // still through its gRPC analyzer, so Stryker sees which test covers which mutant.
        mutate: ["policies/*.ts", "!policies/index.ts", "!policies/all.ts"],
        tests: [
            "test/policies-util.test.ts",
            "test/policies.test.ts",
            "test/policies.guardduty.test.ts",
            "test/policies.services.test.ts",
            "test/policies.storage.test.ts",
            "test/policies.storage-messages.test.ts",
            "test/policies.notifications-messages.test.ts",
            "test/policies.guardduty-messages.test.ts",
            "test/policies.services-messages.test.ts",
        ],
    },
};

/**
 * The mocha `grep` that runs every test but those whose full title matches `skip`. Stryker's mocha runner
 * passes `grep` on but not `invert`: a negative lookahead does both.
 */
export function testGrep(skip: string): string {
    return `^(?!.*(?:${skip}))`;
}

interface Summary {
    module: string;
    killed: number;
    survived: number;
    noCoverage: number;
    timeout: number;
    score: number;
}

function summarize(module: string, reportFile: string): Summary {
    const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as {
        files: Record<string, { mutants: { status: string }[] }>;
    };
    const statuses = Object.values(report.files).flatMap((file) => file.mutants.map((m) => m.status));
    const count = (status: string) => statuses.filter((s) => s === status).length;
    const killed = count("Killed");
    const timeout = count("Timeout");
    const survived = count("Survived");
    const noCoverage = count("NoCoverage");
    const detected = killed + timeout;
    const valid = detected + survived + noCoverage;
    return {
        module,
        killed,
        survived,
        noCoverage,
        timeout,
        score: valid === 0 ? 100 : (100 * detected) / valid,
    };
}

/**
 * `--only FILE[,FILE]` mutates just those files of the chosen modules: a large module's files can then be
 * re-measured one at a time after new tests, against the module's full test list.
 */
export function parseArgs(argv: string[]): { modules: string[]; only?: string[] } {
    const at = argv.indexOf("--only");
    if (at === -1) {
        return { modules: argv };
    }
    const files = argv[at + 1];
    if (files === undefined || files.startsWith("--")) {
        throw new Error("--only needs a comma-separated list of files, e.g. --only policies/util.ts");
    }
    return { modules: [...argv.slice(0, at), ...argv.slice(at + 2)], only: files.split(",") };
}

function main(argv: string[]): number {
    let parsed: { modules: string[]; only?: string[] };
    try {
        parsed = parseArgs(argv);
    } catch (e) {
        console.error((e as Error).message);
        return 2;
    }
    const unknown = parsed.modules.filter((name) => !(name in MODULES));
    if (unknown.length > 0) {
        console.error(
            `unknown module ${unknown.join(", ")}: expected any of ${Object.keys(MODULES).join(", ")}`,
        );
        return 2;
    }
    const chosen = parsed.modules.length > 0 ? parsed.modules : Object.keys(MODULES);
    const summaries: Summary[] = [];
    for (const module of chosen) {
        const { tests, skipTests } = MODULES[module];
        const mutate = parsed.only ?? MODULES[module].mutate;
        // A partial run keeps its own report, so the module's full report stays whole.
        const suffix = parsed.only ? `.${parsed.only.map((f) => path.basename(f, ".ts")).join("+")}` : "";
        const reportFile = path.join(ROOT, "reports", "mutation", `${module}${suffix}.json`);
        const mocharc = path.join(ROOT, "reports", "mutation", `${module}.mocharc.json`);
        fs.mkdirSync(path.dirname(mocharc), { recursive: true });
        fs.writeFileSync(
            mocharc,
            JSON.stringify({
                require: ["ts-node/register/transpile-only", "test/helpers/environment.ts"],
                extension: ["ts"],
                spec: tests,
                timeout: 120000,
                ...(skipTests === undefined ? {} : { grep: testGrep(skipTests) }),
            }),
        );
        const config = {
            packageManager: "npm",
            testRunner: "mocha",
            coverageAnalysis: "perTest",
            concurrency: 2,
            timeoutMS: 60000,
            mutate,
            // The runner's own options have no timeout, so the module's tests get a mocha config of their own.
            mochaOptions: { config: mocharc },
            ignorePatterns: ["reports", ".stryker-tmp", "bin"],
            reporters: ["clear-text", "json", "progress-append-only"],
            jsonReporter: { fileName: reportFile },
            tempDirName: ".stryker-tmp",
            cleanTempDir: "always",
        };
        const configFile = path.join(ROOT, "reports", "mutation", `${module}.stryker.json`);
        fs.mkdirSync(path.dirname(configFile), { recursive: true });
        fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
        console.log(`\n== ${module}: ${mutate.join(", ")} against ${tests.join(", ")}`);
        const run = spawnSync("npx", ["stryker", "run", configFile], { cwd: ROOT, stdio: "inherit" });
        if (run.status !== 0) {
            console.error(`stryker failed for ${module} (exit ${run.status})`);
            return 1;
        }
        summaries.push(summarize(module, reportFile));
    }
    console.log("\nmodule                killed  timeout  survived  no coverage  score");
    for (const s of summaries) {
        console.log(
            `${s.module.padEnd(20)}  ${String(s.killed).padStart(6)}  ${String(s.timeout).padStart(7)}  ${String(s.survived).padStart(8)}  ${String(s.noCoverage).padStart(11)}  ${s.score.toFixed(1).padStart(5)}%`,
        );
    }
    return summaries.every((s) => s.score >= 90) ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
