import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ESLint } from "eslint";

describe("the lint rules", () => {
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
});
