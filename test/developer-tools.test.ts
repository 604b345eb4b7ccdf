import { strict as assert } from "node:assert";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { ESLint } from "eslint";
import { MODULES, parseArgs, testGrep } from "../tools/mutate";

describe("developer tools", () => {
    it("npm run test:files runs only the test files named, not the whole suite", function () {
        this.timeout(120_000);
        const run = spawnSync("npm", ["run", "-s", "test:files", "--", "test/aws-retry.test.ts"], {
            cwd: path.join(__dirname, ".."),
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /\n {2}withAwsRetry\n/);
        // Only that file's suite ran: its tests, and no other describe block of the suite.
        const passing = /^ {2}(\d+) passing/m.exec(run.stdout);
        assert.ok(passing !== null && Number(passing[1]) >= 5 && Number(passing[1]) < 20, run.stdout);
        assert.doesNotMatch(run.stdout, /stack configuration|IP lists|GuardDuty policies/);
    });

    it("npm run mutate names modules and tests that exist, and skips only the slow copies of the catalogue", () => {
        const root = path.join(__dirname, "..");
        for (const [name, module] of Object.entries(MODULES)) {
            for (const file of module.tests)
                assert.ok(fs.existsSync(path.join(root, file)), `${name}: ${file}`);
            for (const pattern of module.mutate.filter((p) => !p.startsWith("!"))) {
                const dir = path.dirname(pattern);
                const [prefix, suffix] = path.basename(pattern).split("*");
                const matches = fs
                    .readdirSync(path.join(root, dir))
                    .filter((f) =>
                        suffix === undefined ? f === prefix : f.startsWith(prefix) && f.endsWith(suffix),
                    );
                assert.ok(matches.length > 0, `${name}: ${pattern} matches no file`);
            }
        }
        const skip = MODULES.config.skipTests;
        assert.ok(skip !== undefined);
        const grep = new RegExp(testGrep(skip));
        const suite = "bad input: each mistake stops the plan with exit 2 and one message";
        assert.ok(grep.test(`${suite} unknown region: names aws:region`));
        assert.ok(grep.test("stack configuration parses the dev stack"));
        assert.ok(!grep.test(`${suite} as real processes (npm run plan) unknown region: exit 2`));
        assert.ok(!grep.test(`${suite} through index.ts under the Pulumi runtime (as pulumi up runs it) x`));
    });

    it("npm run mutate --only FILE[,FILE] narrows the mutated files and keeps the modules named around it", () => {
        assert.deepEqual(parseArgs(["policies"]), { modules: ["policies"] });
        assert.deepEqual(parseArgs(["policies", "--only", "policies/util.ts,policies/kms.ts"]), {
            modules: ["policies"],
            only: ["policies/util.ts", "policies/kms.ts"],
        });
        assert.deepEqual(parseArgs(["--only", "stacks/ip-lists.ts", "ip-lists"]), {
            modules: ["ip-lists"],
            only: ["stacks/ip-lists.ts"],
        });
        assert.throws(
            () => parseArgs(["policies", "--only"]),
            /--only needs a comma-separated list of files/,
        );
        assert.throws(() => parseArgs(["--only", "--other"]), /--only needs/);
    });

    it("refuse a super-linear regular expression, such as the one that once could hang the suite", async () => {
        const eslint = new ESLint({ cwd: path.join(__dirname, "..") });
        // The pattern test/plan-policies once matched the printed report with: 40 s at 8 lines.
        const source = "export const report = /\\[mandatory\\] x\\n(\\s+.*\\n)*\\s+aws:guardduty/;\n";
        const [result] = await eslint.lintText(source, { filePath: path.join(__dirname, "lint-sample.ts") });
        const rules = result.messages.map((message) => message.ruleId);
        assert.ok(rules.includes("regexp/no-super-linear-backtracking"), JSON.stringify(result.messages));
        const [clean] = await eslint.lintText("export const report = /^\\[mandatory\\] x$/m;\n", {
            filePath: path.join(__dirname, "lint-sample.ts"),
        });
        assert.deepEqual(clean.messages, []);
    });

    it("cites only design notes the repository contains", () => {
        const root = path.join(__dirname, "..");
        const notes = fs.readFileSync(path.join(root, "docs", "aws-gotchas.md"), "utf8");
        const entries = new Set([...notes.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));
        assert.ok(entries.size >= 10);
        const files = spawnSync("git", ["ls-files", "*.ts", "*.md", "*.yaml", "*.yml", "*.json"], {
            cwd: root,
            encoding: "utf8",
        }).stdout.split("\n");
        let citations = 0;
        for (const file of files.filter((f) => f !== "")) {
            const text = fs.readFileSync(path.join(root, file), "utf8");
            assert.doesNotMatch(text, /DESIGN\.md/, file);
            for (const match of text.matchAll(/aws-gotchas(?:\.md`?,)? (\d+)/g)) {
                citations++;
                assert.ok(entries.has(Number(match[1])), `${file} cites aws-gotchas ${match[1]}`);
            }
        }
        assert.ok(citations >= 15, `${citations} citations`);
    });

    it("leaves no dependency install script unreviewed, so npm ci prints no warning a newcomer cannot act on", function () {
        this.timeout(60_000);
        const root = path.join(__dirname, "..");
        const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
            allowScripts?: Record<string, boolean>;
        };
        // esbuild's postinstall only checks its platform binary, which npm installs as an optional dependency
        // (@esbuild/linux-x64 here); the bundling tests prove esbuild runs without it.
        assert.deepEqual(manifest.allowScripts, { esbuild: false, protobufjs: false });
        // npm reviews install scripts from 11.16 on; older npm (Node 20's) has no such command.
        const [major, minor] = spawnSync("npm", ["--version"], { encoding: "utf8" })
            .stdout.trim()
            .split(".")
            .map(Number);
        if (major > 11 || (major === 11 && minor >= 16)) {
            const run = spawnSync("npm", ["install-scripts", "ls"], { cwd: root, encoding: "utf8" });
            assert.equal(run.status, 0, run.stderr);
            assert.match(run.stdout + run.stderr, /No packages with unreviewed install scripts\./);
        }
    });
});
