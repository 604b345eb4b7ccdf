import * as pulumi from "@pulumi/pulumi";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { planStack, PROJECT, REPO_ROOT } from "../tools/plan-runtime";

/**
 * The docs a newcomer follows: the README stays short, its table of stack outputs names exactly what the
 * program returns, and no relative link in README.md, CONTRIBUTING.md or docs/*.md points at nothing.
 */

const README = path.join(REPO_ROOT, "README.md");

/** The Markdown files whose links are checked, relative to the repository. */
function guides(): string[] {
    const docs = fs
        .readdirSync(path.join(REPO_ROOT, "docs"))
        .filter((file) => file.endsWith(".md"))
        .map((file) => `docs/${file}`);
    return ["README.md", "CONTRIBUTING.md", ...docs.sort()];
}

/** The text outside fenced code blocks and inline code: links and headings in code are not links. */
function prose(markdown: string): string {
    return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
    return heading
        .replace(/\[([^[\]]*)\]\([^()]*\)/g, "$1")
        .replace(/[`*]/g, "")
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers, duplicates numbered as GitHub numbers them. */
export function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const result = new Set<string>();
    const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
    for (const match of withoutFences.matchAll(/^#{1,6} (.+)$/gm)) {
        const base = slug(match[1]);
        const count = seen.get(base) ?? 0;
        seen.set(base, count + 1);
        result.add(count === 0 ? base : `${base}-${count}`);
    }
    return result;
}

/** The relative links of a Markdown file: `[text](target)`, with no scheme. */
export function relativeLinks(markdown: string): string[] {
    return [...prose(markdown).matchAll(/\]\(([^()\s]+)(?: "[^"]*")?\)/g)]
        .map((match) => match[1])
        .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** What is wrong with one link of `file` (repository-relative), or undefined. */
function brokenLink(file: string, target: string): string | undefined {
    const [pathPart, anchor] = target.split("#", 2);
    const resolved =
        pathPart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), pathPart));
    const relative = resolved.replace(/\/$/, "");
    const absolute = path.join(REPO_ROOT, relative);
    if (!fs.existsSync(absolute)) return `${file}: ${target}: no ${relative}`;
    if (anchor === undefined) return undefined;
    if (!relative.endsWith(".md")) return `${file}: ${target}: an anchor into a file that is not Markdown`;
    if (!anchors(fs.readFileSync(absolute, "utf8")).has(anchor))
        return `${file}: ${target}: ${relative} has no heading #${anchor}`;
    return undefined;
}

/** The first cell of each row of the table under the README's "## Stack outputs". */
function documentedOutputs(readme: string): string[] {
    const start = readme.indexOf("\n## Stack outputs\n");
    assert.ok(start !== -1, 'README.md has a section "Stack outputs"');
    const end = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, end === -1 ? undefined : end);
    return [...section.matchAll(/^\| `(\w+)` +\|/gm)].map((match) => match[1]);
}

function outputValue<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => {
        output.apply((value) => {
            resolve(value);
            return value;
        });
    });
}

/** Plans the stack offline and reads the outputs Pulumi records for it: what main() returned, massaged. */
async function plannedOutputs(stack: string): Promise<string[]> {
    await planStack({ stack });
    const root = pulumi.runtime.getStackResource();
    assert.ok(root !== undefined, "the plan ran under a stack resource");
    // The stack resource of this plan, not of an earlier one in the process.
    assert.ok((await outputValue(root.urn)).endsWith(`::${PROJECT}-${stack}`));
    return Object.keys(await outputValue(root.outputs));
}

describe("the docs", function () {
    this.timeout(180_000);

    it("keep the README short and starting with the two commands a newcomer runs", () => {
        const readme = fs.readFileSync(README, "utf8");
        const lines = readme.split("\n").length - (readme.endsWith("\n") ? 1 : 0);
        assert.ok(lines <= 220, `README.md has ${lines} lines; move detail to docs/`);
        assert.match(
            readme,
            /^# security-governance\n\n```sh\nnpm ci && npm run plan .*\nnpm test .*\n```\n/,
        );
    });

    it("list exactly the program's stack outputs in the README", async () => {
        const documented = documentedOutputs(fs.readFileSync(README, "utf8"));
        assert.equal(new Set(documented).size, documented.length, `a row twice: ${documented.join(", ")}`);
        // Both stacks: an output that one stack leaves undefined is not recorded for it.
        const planned = new Set([...(await plannedOutputs("dev")), ...(await plannedOutputs("prod"))]);
        assert.ok(planned.size >= 10, [...planned].join(", "));
        assert.deepEqual([...documented].sort(), [...planned].sort());
    });

    it("link only to files and headings that exist", () => {
        const problems: string[] = [];
        let links = 0;
        for (const file of guides()) {
            for (const target of relativeLinks(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"))) {
                links++;
                const problem = brokenLink(file, target);
                if (problem !== undefined) problems.push(problem);
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(links >= 30, `only ${links} links found: the link pattern no longer matches`);
    });

    it("find a broken link, a missing heading and GitHub's anchors", () => {
        assert.deepEqual(
            relativeLinks("[a](docs/x.md#y) `[b](no.md)` [c](https://example.com) [`d`](iam/)"),
            ["docs/x.md#y", "iam/"],
        );
        assert.equal(
            brokenLink("README.md", "docs/no-such-file.md"),
            "README.md: docs/no-such-file.md: no docs/no-such-file.md",
        );
        assert.match(brokenLink("README.md", "docs/deploying.md#no-such-heading") ?? "", /has no heading/);
        assert.equal(brokenLink("docs/deploying.md", "../README.md#stack-outputs"), undefined);
        assert.deepEqual(
            [
                ...anchors(
                    "# Before a real `pulumi up`\n## Coverage: proof for auditors\n## A\n## A\n```\n# not\n```\n",
                ),
            ],
            ["before-a-real-pulumi-up", "coverage-proof-for-auditors", "a", "a-1"],
        );
    });
});
