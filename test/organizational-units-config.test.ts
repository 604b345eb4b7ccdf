import { strict as assert } from "node:assert";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { readStackConfigValues } from "../tools/plan-runtime";
import { assignScopes, scopeMembers, type CoverageScope } from "../functions/coverage/scopes";
import { DeadlineReached, Run } from "../functions/shared/run";
import type { OrganizationalUnitTree } from "../functions/enrollment/adapters";

/*
 * The rules of `organizationalUnits` that the bad-input catalogue (one mistake per case) does not reach, and
 * the nearest-scope rule of the coverage reader on its own: the boundaries a mutation run found untested.
 */

const NS = "security-governance";
const dev = readStackConfigValues("dev");
const FSBP = "aws-foundational-security-best-practices/v/1.0.0";

function problemsWith(overrides: Record<string, unknown>): string[] {
    try {
        parseStackConfig({ ...dev, ...overrides });
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    return [];
}

const ou = (n: number) => `ou-ab12-scope${String(n).padStart(3, "0")}`;
const withSecurityHub = (n: number) => ({ id: ou(n), name: `s${n}`, securityHub: { standards: [FSBP] } });
const withInspector = (n: number) => ({ id: ou(n), name: `s${n}`, inspector: { resourceTypes: ["EC2"] } });

describe("organizationalUnits: what the config accepts", () => {
    it("takes 19 OUs with securityHub, and any number more with Inspector alone", () => {
        const scopes = [
            ...Array.from({ length: 19 }, (_, i) => withSecurityHub(i)),
            ...Array.from({ length: 5 }, (_, i) => withInspector(19 + i)),
        ];
        assert.deepEqual(problemsWith({ [`${NS}:organizationalUnits`]: scopes }), []);
    });

    it("takes Security Hub scopes with Inspector off, and an OU that only disables controls", () => {
        assert.deepEqual(
            problemsWith({
                [`${NS}:inspector`]: { enabled: false },
                [`${NS}:organizationalUnits`]: [
                    withSecurityHub(1),
                    {
                        id: ou(2),
                        name: "quiet",
                        securityHub: {
                            disabledControls: [{ controlId: "EC2.10", reason: "No VPC endpoints here" }],
                        },
                    },
                ],
            }),
            [],
        );
    });

    it("refuses an OU standard a governed region lacks, naming the OU's key", () => {
        assert.deepEqual(
            problemsWith({
                [`${NS}:regions`]: ["eu-west-1", "ca-west-1"],
                [`${NS}:organizationalUnits`]: [
                    {
                        id: ou(1),
                        name: "tagged",
                        securityHub: { standards: [FSBP, "aws-resource-tagging-standard/v/1.0.0"] },
                    },
                ],
            }),
            [
                `${NS}:organizationalUnits[0].securityHub.standards[1] = "aws-resource-tagging-standard/v/1.0.0": expected a standard Security Hub offers in every governed region; not offered in ca-west-1 (Security Hub CSPM user guide, Regional limits); remove the standard or those regions`,
            ],
        );
    });

    it("refuses a name used twice, or one with characters a policy name cannot hold", () => {
        assert.deepEqual(
            problemsWith({
                [`${NS}:organizationalUnits`]: [withInspector(1), { ...withInspector(2), name: "s1" }],
            }),
            [`${NS}:organizationalUnits[1].name = "s1": expected a name used by no other OU`],
        );
        for (const name of ["sandbox!", "sandbox box", 5]) {
            const found = problemsWith({ [`${NS}:organizationalUnits`]: [{ ...withInspector(1), name }] });
            assert.equal(found.length, 1, String(name));
            assert.match(
                found[0],
                /^security-governance:organizationalUnits\[0\]\.name = .*: expected a short name such as sandbox: a lowercase letter, then /,
            );
        }
    });
});

describe("assignScopes: the nearest OU per service", () => {
    const run = () => new Run({ deadlineMs: Date.now() + 60_000, marginMs: 0 });
    /** outer (Security Hub only) holds inner (Inspector only); the walk lists accounts out of order. */
    const trees: Record<string, OrganizationalUnitTree> = {
        "ou-ab12-outer001": {
            accounts: ["300000000009", "300000000001", "300000000002"],
            organizationalUnits: ["ou-ab12-inner001"],
        },
        "ou-ab12-inner001": { accounts: ["300000000002"], organizationalUnits: [] },
    };
    const scopes: CoverageScope[] = [
        { id: "ou-ab12-inner001", name: "inner", inspectorScans: ["ec2"] },
        { id: "ou-ab12-outer001", name: "outer", securityHubPolicy: "securityhub-outer" },
    ];

    it("assigns each service only the scopes that set something for it", async () => {
        const assignment = await assignScopes(scopes, async (id) => trees[id], run());
        assert.deepEqual(scopeMembers(assignment), {
            inspector: { inner: ["300000000002"] },
            securityhub: { outer: ["300000000001", "300000000002", "300000000009"] },
        });
        assert.equal(assignment.error, undefined);
    });

    it("says so when it has no way to read the OUs, and stops at the run's deadline", async () => {
        assert.equal((await assignScopes(scopes, undefined, run())).error, "no OU reader was given");
        await assert.rejects(
            assignScopes(
                scopes,
                async () => {
                    throw new DeadlineReached("no time left");
                },
                run(),
            ),
            DeadlineReached,
        );
    });
});
