import { strict as assert } from "node:assert";
import { MAX_SCP_CHARACTERS, policyContent } from "../components/guardrail-documents";
import { guardrailScps } from "../components/guardrail-policies";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { guardrailParams } from "../stacks/guardrails";
import { readStackConfigValues } from "../tools/plan-runtime";

/*
 * The exact line for each mistake in the `guardrails` section and `findingsExport.objectLock`, on the dev stack
 * (management 111111111111, security 222222222222): what a user reads, and that a rule which loses its bounds or
 * its message is seen.
 */

const NS = "security-governance";
const DEPLOYER = "arn:aws:iam::222222222222:role/SecurityGovernanceDeployer";
const ROLE_TEXT =
    "expected an IAM role ARN without wildcards, such as arn:aws:iam::333333333333:role/SecurityGovernanceDeployer";

function problems(guardrails: Record<string, unknown>, objectLock?: unknown, exemptTag?: string): string[] {
    const values = structuredClone(readStackConfigValues("dev"));
    values[`${NS}:guardrails`] = guardrails;
    if (exemptTag !== undefined) {
        values[`${NS}:remediation`] = { exemptTag };
        // CSPM alone: the footing SCP then guards the account's own recorder too, and is the longest.
        values[`${NS}:securityHub`] = { ...(values[`${NS}:securityHub`] as object), v2: { enabled: false } };
    }
    if (objectLock !== undefined)
        values[`${NS}:findingsExport`] = {
            ...(values[`${NS}:findingsExport`] as object),
            retentionDays: 400,
            objectLock,
        };
    try {
        parseStackConfig(values);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    return [];
}

const on = (extra: Record<string, unknown> = {}) => ({ enabled: true, exemptRoleArns: [DEPLOYER], ...extra });

const CASES: [string, Record<string, unknown>, string[]][] = [
    [
        "enabled not a boolean",
        { enabled: "yes" },
        [`${NS}:guardrails.enabled = "yes": expected true or false`],
    ],
    [
        "protectTrails not a boolean",
        on({ protectTrails: 1 }),
        [`${NS}:guardrails.protectTrails = 1: expected true or false`],
    ],
    [
        "no target",
        on({ targets: [] }),
        [`${NS}:guardrails.targets = []: expected at least one target: root, or OU IDs`],
    ],
    [
        "a target that is not text",
        on({ targets: [7] }),
        [`${NS}:guardrails.targets[0] = 7: expected root, or an OU ID such as "ou-ab12-cd34ef56"`],
    ],
    [
        "a target twice",
        on({ targets: ["ou-ab12-cd34ef56", "ou-ab12-cd34ef56"] }),
        [`${NS}:guardrails.targets[1] = "ou-ab12-cd34ef56": expected each target once`],
    ],
    [
        "an exempt role twice",
        on({ exemptRoleArns: [DEPLOYER, DEPLOYER] }),
        [`${NS}:guardrails.exemptRoleArns[1] = "${DEPLOYER}": expected each role once`],
    ],
    [
        "a break-glass role twice",
        on({
            breakGlassRoleArns: [
                "arn:aws:iam::222222222222:role/BreakGlass",
                "arn:aws:iam::222222222222:role/BreakGlass",
            ],
        }),
        [
            `${NS}:guardrails.breakGlassRoleArns[1] = "arn:aws:iam::222222222222:role/BreakGlass": expected each role once`,
        ],
    ],
    [
        "a role in both lists",
        on({ breakGlassRoleArns: [DEPLOYER] }),
        [
            `${NS}:guardrails.breakGlassRoleArns[0] = "${DEPLOYER}": expected a role not also in guardrails.exemptRoleArns; keep it in one of the two`,
        ],
    ],
    [
        "a role that is not text",
        on({ exemptRoleArns: [DEPLOYER, 5] }),
        [`${NS}:guardrails.exemptRoleArns[1] = 5: ${ROLE_TEXT}`],
    ],
    ...[
        `x${DEPLOYER}`,
        `${DEPLOYER}*`,
        "arn:aws:iam::222222222222:role/*/Deployer",
        "arn:aws:iam::222222222222:role/te?m/Deployer",
        "arn:aws:iam::222222222222:role/ /Deployer",
        "arn:aws:iam::2222222222:role/Deployer",
        "arn:aws:iam::222222222222:user/Deployer",
        `arn:aws:iam::222222222222:role/${"d".repeat(65)}`,
    ].map((arn): [string, Record<string, unknown>, string[]] => [
        `a role ARN ${arn}`,
        on({ breakGlassRoleArns: [arn] }),
        [`${NS}:guardrails.breakGlassRoleArns[0] = ${JSON.stringify(arn)}: ${ROLE_TEXT}`],
    ]),
];

describe("guardrails: the line for each mistake in the section", () => {
    for (const [name, guardrails, expected] of CASES)
        it(name, () => {
            assert.deepEqual(problems(guardrails), expected);
        });

    it("accepts role names with paths, the punctuation IAM allows and 64 characters", () => {
        const roles = [
            "arn:aws:iam::222222222222:role/team/ops/Deployer",
            "arn:aws:iam::222222222222:role/a/b",
            "arn:aws:iam::111111111111:role/with+=,.@_-",
            `arn:aws:iam::222222222222:role/${"d".repeat(64)}`,
        ];
        assert.deepEqual(problems(on({ breakGlassRoleArns: roles })), []);
    });

    it("measures the documents only when the guardrails are on", () => {
        const many = Array.from(
            { length: 40 },
            (_, i) => `arn:aws:iam::222222222222:role/SecurityGovernanceDeployer${i}`,
        );
        assert.deepEqual(problems({ enabled: false, exemptRoleArns: many }), []);
        const [line, ...rest] = problems({ enabled: true, exemptRoleArns: many });
        assert.deepEqual(rest, []);
        // A list longer than 120 characters is cut at 117 and marked.
        assert.ok(
            line.startsWith(`${NS}:guardrails.exemptRoleArns = ${JSON.stringify(many).slice(0, 117)}...: `),
            line,
        );
        assert.match(
            line,
            /: expected fewer roles: with breakGlassRoleArns, 40 roles make the SCP security-governance-[a-z-]+ \d+ characters; Organizations takes at most 5120 \(Organizations quotas\)$/,
        );
    });

    it("counts both lists toward the documents' size, and shows a short list whole", () => {
        const many = Array.from(
            { length: 30 },
            (_, i) => `arn:aws:iam::222222222222:role/BreakGlassRoleNumber${i}`,
        );
        const [line] = problems(on({ breakGlassRoleArns: many }));
        assert.ok(line.startsWith(`${NS}:guardrails.exemptRoleArns = ${JSON.stringify([DEPLOYER])}: `), line);
        assert.match(line, / 31 roles make the SCP /);
    });

    it("refuses a document of 5,121 characters and takes one of exactly 5,120", () => {
        // The exempt tag's key is named once, in the footing SCP: its length moves that document a character at
        // a time. Found by building the documents as the check does, not by a number written here.
        // `extra` lengthens the last role's name, four characters of the document a character.
        const roles = (n: number, extra: number) =>
            Array.from(
                { length: n },
                (_, i) =>
                    `arn:aws:iam::222222222222:role/SecurityGovernanceDeployer${i}${i === n - 1 ? "x".repeat(extra) : ""}`,
            );
        const longest = (exemptRoleArns: string[], tag: string) =>
            Math.max(
                ...guardrailScps(
                    guardrailParams(
                        {
                            enabled: true,
                            targets: ["root"],
                            exemptRoleArns,
                            breakGlassRoleArns: [],
                            protectTrails: true,
                        },
                        {
                            securityAccountId: "222222222222",
                            homeRegion: "eu-west-1",
                            exemptTag: tag,
                            securityHubV2: false,
                        },
                    ),
                ).map((scp) => policyContent(scp.document).length),
            );
        let found: [string[], string] | undefined;
        for (let n = 1; n <= 20 && found === undefined; n++)
            for (let extra = 0; extra <= 30 && found === undefined; extra++)
                for (let length = 1; length <= 128 && found === undefined; length++) {
                    const tag = `${"k".repeat(length)}=v`;
                    if (longest(roles(n, extra), tag) === MAX_SCP_CHARACTERS) found = [roles(n, extra), tag];
                }
        assert.ok(found, "some roles and tag length make a document of exactly 5,120 characters");
        const [exemptRoleArns, tag] = found;
        const guardrails = { enabled: true, exemptRoleArns, protectTrails: true };
        assert.deepEqual(problems(guardrails, undefined, tag), []);
        const [line] = problems(guardrails, undefined, `k${tag}`);
        assert.match(line, / 5121 characters; Organizations takes at most 5120 /);
    });

    it("shows a list of exactly 120 characters whole", () => {
        const long = `arn:aws:iam::222222222222:role/${"p".repeat(20)}/${"q".repeat(64)}`;
        assert.equal(JSON.stringify([long]).length, 120);
        const many = Array.from(
            { length: 30 },
            (_, i) => `arn:aws:iam::222222222222:role/BreakGlassRoleNumber${i}`,
        );
        const [line] = problems({ enabled: true, exemptRoleArns: [long], breakGlassRoleArns: many });
        assert.ok(
            line.startsWith(
                `${NS}:guardrails.exemptRoleArns = ${JSON.stringify([long])}: expected fewer roles`,
            ),
            line,
        );
    });

    it("says which role is missing when the guardrails are on without the security account's deployer", () => {
        assert.deepEqual(problems({ enabled: true, exemptRoleArns: [] }), [
            `${NS}:guardrails.exemptRoleArns = []: expected the role that runs pulumi up in the security account 222222222222 when guardrails.enabled is true: the guardrails deny everyone else the changes an update makes`,
        ]);
    });
});

describe("findingsExport.objectLock: the line for each mistake", () => {
    const lock = (days: unknown) => problems({}, { mode: "COMPLIANCE", days });
    const at = `${NS}:findingsExport.objectLock.days`;
    it("names the days and what is allowed", () => {
        assert.deepEqual(lock("ten"), [`${at} = "ten": expected a whole number of days, at least 1`]);
        assert.deepEqual(lock(1.5), [`${at} = 1.5: expected a whole number of days, at least 1`]);
        assert.deepEqual(lock(0), [`${at} = 0: expected at least 1 day`]);
        // Past 100 years it is also past this stack's retentionDays (400), which has a line of its own.
        assert.equal(lock(36_501)[0], `${at} = 36501: expected at most 36500 days (100 years)`);
        assert.deepEqual(lock(1), []);
    });
});
