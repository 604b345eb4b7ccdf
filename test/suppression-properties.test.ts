import { strict as assert } from "node:assert";
import fc from "fast-check";
import { suppressionCriteria } from "../components/suppression-filters";
import { HIGH_SEVERITY, type SuppressionRule } from "../stacks/config";
import {
    accountId,
    criterionMatches,
    type Finding,
    filterMatches,
    findingFor,
    fractionalSeverityBound,
    networkType,
    parseSuppressionRule,
    portProbeType,
    rawSuppressionRule,
    severityBetween,
    suppressionRule,
    valuesAt,
} from "./helpers/arbitraries";

/*
 * Properties of suppressionCriteria(rule) over rules generated within the schema's rules and validated by
 * it, checked with a model of GuardDuty's filter evaluation (helpers/arbitraries.ts): a filter matches a
 * finding when every criterion does. fast-check's default 100 runs per property, about a second each.
 */
const RUNS = { numRuns: 100 };

/** The highest whole bound GuardDuty can be given without reaching belowSeverity. */
const expressibleBound = (rule: SuppressionRule) => Math.floor(rule.belowSeverity);

function severityFrom(min: number, maxExclusive: number): fc.Arbitrary<number> {
    const arbitrary = severityBetween(min, maxExclusive);
    assert.ok(arbitrary, `a GuardDuty severity in [${min}, ${maxExclusive})`);
    return arbitrary;
}

/** A rule and a finding it describes, with a severity GuardDuty can archive under the rendered bound. */
function describedFinding(rule: fc.Arbitrary<SuppressionRule>) {
    return rule
        .filter((r) => expressibleBound(r) > 1)
        .chain((r) =>
            findingFor(r, severityFrom(1, expressibleBound(r))).map((finding) => ({ rule: r, finding })),
        );
}

function show(finding: Finding): string {
    return JSON.stringify(finding);
}

describe("suppression rules as GuardDuty filters (fast-check properties)", () => {
    describe("the filter evaluator", () => {
        const probe: Finding = {
            schemaVersion: "2.0",
            accountId: "444444444444",
            region: "eu-west-1",
            type: "Recon:EC2/PortProbeUnprotectedPort",
            severity: 2,
            resource: {
                resourceType: "Instance",
                instanceDetails: {
                    instanceId: "i-0123456789abcdef0",
                    tags: [
                        { key: "Name", value: "web" },
                        { key: "ScanTarget", value: "approved" },
                    ],
                },
            },
            service: {
                serviceName: "guardduty",
                action: {
                    actionType: "PORT_PROBE",
                    portProbeAction: {
                        blocked: false,
                        portProbeDetails: [
                            { localPortDetails: { port: 22 }, remoteIpDetails: { ipAddressV4: "192.0.2.1" } },
                            {
                                localPortDetails: { port: 443 },
                                remoteIpDetails: { ipAddressV4: "198.51.100.7" },
                            },
                        ],
                    },
                },
            },
        };

        it("reads dotted paths through lists (tags, probe details)", () => {
            assert.deepEqual(valuesAt(probe, "resource.instanceDetails.tags.key"), ["Name", "ScanTarget"]);
            assert.deepEqual(
                valuesAt(probe, "service.action.portProbeAction.portProbeDetails.localPortDetails.port"),
                [22, 443],
            );
            assert.deepEqual(
                valuesAt(probe, "service.action.networkConnectionAction.remoteIpDetails.ipAddressV4"),
                [],
            );
        });

        it("matches dev's approved-scanner rule on its example finding, and not once severity reaches 7", () => {
            const rule = parseSuppressionRule({
                name: "approved-scanner-port-probes",
                findingTypes: ["Recon:EC2/PortProbeUnprotectedPort"],
                resourceTags: { ScanTarget: "approved" },
                remoteIps: ["198.51.100.7"],
                belowSeverity: 7,
            });
            assert.ok(rule);
            const criteria = suppressionCriteria(rule);
            assert.equal(filterMatches(criteria, probe), true);
            assert.equal(filterMatches(criteria, { ...probe, severity: 7 }), false);
            assert.equal(filterMatches(criteria, { ...probe, type: "Recon:EC2/Portscan" }), false);
        });

        it("refuses a bound GuardDuty cannot take (not a whole number)", () => {
            assert.throws(
                () => criterionMatches({ field: "severity", lessThan: "4.5" }, probe),
                /whole number/,
            );
        });
    });

    it("renders exactly one severity bound: a whole number GuardDuty accepts, never above belowSeverity or 7", () => {
        fc.assert(
            fc.property(suppressionRule(), (rule) => {
                const bounds = suppressionCriteria(rule).filter((c) => c.field === "severity");
                assert.equal(bounds.length, 1);
                const { lessThan } = bounds[0];
                assert.ok(lessThan !== undefined && /^\d+$/.test(lessThan), `lessThan ${String(lessThan)}`);
                assert.ok(Number(lessThan) <= rule.belowSeverity, `${lessThan} <= ${rule.belowSeverity}`);
                assert.ok(Number(lessThan) <= HIGH_SEVERITY);
            }),
            RUNS,
        );
    });

    it("archives every finding a rule with a whole-number bound describes", () => {
        fc.assert(
            fc.property(describedFinding(suppressionRule()), ({ rule, finding }) => {
                assert.ok(filterMatches(suppressionCriteria(rule), finding), show(finding));
            }),
            RUNS,
        );
    });

    it("refuses every severity bound that is not a whole number (GuardDuty compares whole numbers)", () => {
        fc.assert(
            fc.property(rawSuppressionRule(), fractionalSeverityBound, (raw, bound) => {
                assert.equal(parseSuppressionRule({ ...raw, belowSeverity: bound }), undefined);
            }),
            RUNS,
        );
    });

    it("archives no finding at or above belowSeverity, however well the rest matches", () => {
        fc.assert(
            fc.property(
                suppressionRule().chain((rule) =>
                    findingFor(rule, severityFrom(rule.belowSeverity, 10.05)).map((finding) => ({
                        rule,
                        finding,
                    })),
                ),
                ({ rule, finding }) => {
                    assert.equal(filterMatches(suppressionCriteria(rule), finding), false, show(finding));
                },
            ),
            RUNS,
        );
    });

    it("never archives a finding of severity 7 or above: neither the rule's own findings nor others", () => {
        const high = severityFrom(HIGH_SEVERITY, 10.05);
        fc.assert(
            fc.property(
                suppressionRule().chain((rule) =>
                    fc
                        .oneof(
                            findingFor(rule, high),
                            suppressionRule().chain((other) => findingFor(other, high)),
                        )
                        .map((finding) => ({ rule, finding })),
                ),
                ({ rule, finding }) => {
                    assert.equal(filterMatches(suppressionCriteria(rule), finding), false, show(finding));
                },
            ),
            RUNS,
        );
    });

    type Attribute =
        "type" | "accountId" | "tag key" | "tag value" | "remote IP" | "local port" | "remote port";

    /** Makes the described finding differ from the rule in exactly one attribute the rule names. */
    function outside(rule: SuppressionRule, finding: Finding, attribute: Attribute): fc.Arbitrary<Finding> {
        const copy = (): Finding => structuredClone(finding);
        const action = (f: Finding) => f.service.action;
        switch (attribute) {
            case "type": {
                const listed = rule.findingTypes ?? [];
                return fc
                    .oneof(networkType, portProbeType)
                    .filter((type) => !listed.includes(type))
                    .map((type) => ({ ...copy(), type }));
            }
            case "accountId":
                return accountId
                    .filter((id) => !(rule.accountIds ?? []).includes(id))
                    .map((id) => ({ ...copy(), accountId: id }));
            case "tag key":
            case "tag value": {
                const listed = Object.entries(rule.resourceTags ?? {}).map(([key, value]) =>
                    attribute === "tag key" ? key : value,
                );
                return fc
                    .stringMatching(/^[A-Za-z0-9]{1,12}$/)
                    .filter((text) => !listed.includes(text))
                    .map((text) => {
                        const f = copy();
                        for (const t of f.resource.instanceDetails.tags) {
                            if (attribute === "tag key") t.key = text;
                            else t.value = text;
                        }
                        return f;
                    });
            }
            case "remote IP":
                return fc
                    .ipV4()
                    .filter((ip) => !(rule.remoteIps ?? []).includes(ip))
                    .map((ip) => {
                        const f = copy();
                        const a = action(f);
                        if (a.actionType === "PORT_PROBE") {
                            for (const d of a.portProbeAction.portProbeDetails)
                                d.remoteIpDetails.ipAddressV4 = ip;
                        } else a.networkConnectionAction.remoteIpDetails.ipAddressV4 = ip;
                        return f;
                    });
            case "local port":
            case "remote port": {
                const listed = (attribute === "local port" ? rule.localPorts : rule.remotePorts) ?? [];
                return fc
                    .integer({ min: 0, max: 65535 })
                    .filter((port) => !listed.includes(port))
                    .map((port) => {
                        const f = copy();
                        const a = action(f);
                        if (a.actionType === "PORT_PROBE") {
                            for (const d of a.portProbeAction.portProbeDetails)
                                d.localPortDetails.port = port;
                        } else if (attribute === "local port")
                            a.networkConnectionAction.localPortDetails.port = port;
                        else a.networkConnectionAction.remotePortDetails.port = port;
                        return f;
                    });
            }
        }
    }

    function namedAttributes(rule: SuppressionRule): Attribute[] {
        const named: [Attribute, unknown][] = [
            ["type", rule.findingTypes],
            ["accountId", rule.accountIds],
            ["tag key", rule.resourceTags],
            ["tag value", rule.resourceTags],
            ["remote IP", rule.remoteIps],
            ["local port", rule.localPorts],
            ["remote port", rule.remotePorts],
        ];
        return named.filter(([, value]) => value !== undefined).map(([attribute]) => attribute);
    }

    it("narrows by every criterion it names: a described finding differing in one of them is not archived", () => {
        fc.assert(
            fc.property(
                describedFinding(suppressionRule()).chain(({ rule, finding }) =>
                    fc.constantFrom(...namedAttributes(rule)).chain((attribute) =>
                        outside(rule, finding, attribute).map((changed) => ({
                            rule,
                            attribute,
                            changed,
                        })),
                    ),
                ),
                ({ rule, attribute, changed }) => {
                    assert.equal(
                        filterMatches(suppressionCriteria(rule), changed),
                        false,
                        `${attribute}: ${show(changed)}`,
                    );
                },
            ),
            RUNS,
        );
    });

    it("narrows by every pair of criteria it names: a finding differing in two of them at once is not archived", () => {
        fc.assert(
            fc.property(
                describedFinding(suppressionRule())
                    .filter(({ rule }) => namedAttributes(rule).length >= 2)
                    .chain(({ rule, finding }) =>
                        fc
                            .shuffledSubarray(namedAttributes(rule), { minLength: 2, maxLength: 2 })
                            .chain(([first, second]) =>
                                outside(rule, finding, first).chain((once) =>
                                    outside(rule, once, second).map((changed) => ({
                                        rule,
                                        attributes: `${first} and ${second}`,
                                        changed,
                                    })),
                                ),
                            ),
                    ),
                ({ rule, attributes, changed }) => {
                    assert.equal(
                        filterMatches(suppressionCriteria(rule), changed),
                        false,
                        `${attributes}: ${show(changed)}`,
                    );
                },
            ),
            RUNS,
        );
    });

    it("refuses a rule mixing port-probe and other types with remote IPs or local ports: one filter cannot match both", () => {
        const mixedWithNetworkCriteria = rawSuppressionRule({ families: ["mixed"] }).chain((raw) =>
            fc.oneof(
                fc
                    .uniqueArray(fc.ipV4(), { minLength: 1, maxLength: 3 })
                    .map((remoteIps) => ({ ...raw, remoteIps })),
                fc
                    .uniqueArray(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 3 })
                    .map((localPorts) => ({ ...raw, localPorts })),
            ),
        );
        fc.assert(
            fc.property(mixedWithNetworkCriteria, (raw) => {
                assert.equal(parseSuppressionRule(raw), undefined);
            }),
            RUNS,
        );
    });
});
