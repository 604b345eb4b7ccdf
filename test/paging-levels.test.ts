import { strict as assert } from "node:assert";
import type { PlanDocument } from "../tools/plan-runtime";
import { ofType, plan } from "./helpers/plan";
import { emails, fixtureEvent, type Json } from "./helpers/event-pattern";
import { atOrAbove } from "../stacks/alert-config";

/*
 * Paging at every level, as a user's config makes it: for both paging levels the config allows
 * (`notifications.paging.minSeverity`) and every e-mail threshold of every service, the dev stack is planned
 * with that config, and real-format finding events of each of the service's severities are raised in each
 * governed region and run through the planned rules as EventBridge would (test/helpers/event-pattern.ts:
 * matched where raised, forwarded, matched at home, sent to a topic). A plan takes well under a second, so the
 * whole matrix goes through the plan, none of it through the functions the capability calls.
 *
 * The rule under test (docs/operations.md, "Routing by severity"; docs/configuration.md,
 * notifications.paging): a finding pages when it is at or above the paging level on its service's own scale
 * AND at or above the service's e-mail threshold: a page is never below the threshold, so with the threshold
 * above the paging level pages start at the threshold, and every page is mailed too.
 *
 * The scales and where each level starts are written here from the services' documentation, not imported
 * from the code under test.
 */

type Level = "HIGH" | "CRITICAL";
const LEVELS: Level[] = ["HIGH", "CRITICAL"];

/**
 * GuardDuty: "Critical severity, Value range: 9.0 - 10.0", "High severity, Value range: 7.0 - 8.9", Medium
 * 4.0 - 6.9, Low 1.0 - 3.9 (GuardDuty user guide, "Severity levels of GuardDuty findings",
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html).
 */
const GUARDDUTY_START: Record<Level, number> = { HIGH: 7.0, CRITICAL: 9.0 };

/** The e-mail thresholds tried (notifications.minSeverity: 1 to 10): each level's bounds and between. */
const GUARDDUTY_THRESHOLDS = [1, 4, 6.9, 7, 7.5, 8.9, 9, 9.5, 10];

/** Every band's bounds, the gaps between bands, and each threshold and just below it. */
const GUARDDUTY_SEVERITIES = [
    ...new Set([
        ...[1, 2, 3.9, 4, 5, 6.9, 6.99, 7, 7.5, 8, 8.5, 8.9, 8.99, 9, 9.5, 9.99, 10],
        ...GUARDDUTY_THRESHOLDS.flatMap((t) => [t, Math.round((t - 0.01) * 100) / 100]).filter((s) => s >= 1),
    ]),
].sort((a, b) => a - b);

/**
 * A service's severity words, lowest first (`ranked`), those no threshold reaches (`unranked`), and its word
 * for each paging level (none where the scale has no such level).
 */
interface Scale {
    ranked: string[];
    unranked: string[];
    paging: Record<Level, string | undefined>;
}

const SCALES: Record<"macie" | "inspector" | "securityHub", Scale> = {
    // "Severity levels range from Low, for least severe, to High, for most severe" (Macie user guide,
    // findings-severity.html): no CRITICAL, so with paging from CRITICAL nothing of Macie's pages.
    macie: { ranked: ["Low", "Medium", "High"], unranked: [], paging: { HIGH: "High", CRITICAL: undefined } },
    // Inspector's Severity: INFORMATIONAL | LOW | MEDIUM | HIGH | CRITICAL | UNTRIAGED (Inspector API
    // reference, Finding.severity); INFORMATIONAL and UNTRIAGED are on no threshold's scale.
    inspector: {
        ranked: ["LOW", "MEDIUM", "HIGH", "CRITICAL"],
        unranked: ["INFORMATIONAL", "UNTRIAGED"],
        paging: { HIGH: "HIGH", CRITICAL: "CRITICAL" },
    },
    // Security Hub Severity.Label: INFORMATIONAL | LOW | MEDIUM | HIGH | CRITICAL (API reference, Severity).
    securityHub: {
        ranked: ["LOW", "MEDIUM", "HIGH", "CRITICAL"],
        unranked: ["INFORMATIONAL"],
        paging: { HIGH: "HIGH", CRITICAL: "CRITICAL" },
    },
};

/** Mailed: on the scale, at or above the threshold. */
function mailed(scale: Scale, threshold: string, severity: string): boolean {
    const rank = scale.ranked.indexOf(severity);
    return rank >= 0 && rank >= scale.ranked.indexOf(threshold);
}

/** Paged: mailed, and at or above the paging level on the service's own scale. */
function paged(scale: Scale, threshold: string, level: Level, severity: string): boolean {
    const start = scale.paging[level];
    return (
        mailed(scale, threshold, severity) &&
        start !== undefined &&
        scale.ranked.indexOf(severity) >= scale.ranked.indexOf(start)
    );
}

/** One planned config: its thresholds and the plan. */
interface Case {
    level: Level;
    guardduty: number;
    macie: string;
    inspector: string;
    securityHub: string;
    planned: PlanDocument;
}

const describeCase = (c: Case) =>
    `paging ${c.level}, thresholds GuardDuty ${c.guardduty}, Macie ${c.macie}, Inspector ${c.inspector}, Security Hub ${c.securityHub}`;

/**
 * The thresholds of plan `i`: GuardDuty's i-th, the others cycling through their scales, Inspector's and
 * Security Hub's two apart, so that no plan gives two services the same threshold (a rule built from another
 * service's threshold would go unseen).
 */
function thresholds(i: number) {
    return {
        guardduty: GUARDDUTY_THRESHOLDS[i],
        macie: SCALES.macie.ranked[i % 3],
        inspector: SCALES.inspector.ranked[i % 4],
        securityHub: SCALES.securityHub.ranked[(i + 2) % 4],
    };
}

const ALERTS = "finding-alerts-topic";
const PAGES = "finding-alerts-paging-topic";

/** The event as raised in `region`, with `edit` applied to its detail. */
function raised(event: Json, region: string, edit: (detail: Json) => void): Json {
    event.region = region;
    edit(event.detail as Json);
    return event;
}

interface GuardDutyEvent {
    type?: string;
    count?: number;
    archived?: boolean;
    sample?: boolean;
}

/** A GuardDuty finding; the fixture is a sample, so the real finding has the mark removed unless asked for. */
function guardduty(region: string, severity: number, options: GuardDutyEvent = {}): Json {
    return raised(
        fixtureEvent("guardduty-events.json", "UnauthorizedAccess:EC2/SSHBruteForce"),
        region,
        (detail) => {
            const service = detail.service as Json;
            detail.region = region;
            detail.severity = severity;
            if (options.type !== undefined) detail.type = options.type;
            service.count = options.count ?? 1;
            service.archived = options.archived ?? false;
            const info = service.additionalInfo as Json;
            if (options.sample === true) info.sample = true;
            else delete info.sample;
        },
    );
}

/** A real (not sample) Macie finding of the given severity. */
const macie = (region: string, severity: string, sample = false) =>
    raised(fixtureEvent("service-events.json", "macie sensitive data"), region, (detail) => {
        detail.region = region;
        detail.severity = { score: SCALES.macie.ranked.indexOf(severity) + 1, description: severity };
        detail.sample = sample;
    });

const inspector = (region: string, severity: string, status = "ACTIVE") =>
    raised(fixtureEvent("service-events.json", "inspector Lambda code"), region, (detail) => {
        detail.severity = severity;
        detail.status = status;
    });

/** Security Hub CSPM's normalized score for each label (API reference, Severity). */
const NORMALIZED: Record<string, number> = { INFORMATIONAL: 0, LOW: 1, MEDIUM: 40, HIGH: 70, CRITICAL: 90 };

const control = (region: string, label: string) =>
    raised(fixtureEvent("service-events.json", "security hub cspm"), region, (detail) => {
        (detail.findings as Json[])[0].Severity = {
            Label: label,
            Normalized: NORMALIZED[label],
            Original: label,
        };
    });

/** How many e-mails and pages an event makes. */
const reached = (planned: PlanDocument, event: Json) => ({
    alerts: emails(planned, event, ALERTS).length,
    pages: emails(planned, event, PAGES).length,
});

const once = (yes: boolean) => (yes ? 1 : 0);

for (const level of LEVELS) {
    describe(`paging from ${level}: every service, every e-mail threshold, every severity`, () => {
        const cases: Case[] = [];
        before(async () => {
            for (let i = 0; i < GUARDDUTY_THRESHOLDS.length; i++) {
                const t = thresholds(i);
                const planned = await plan("dev", {
                    configOverrides: {
                        "security-governance:notifications": {
                            emails: ["secops@example.com"],
                            minSeverity: t.guardduty,
                            macie: { minSeverity: t.macie },
                            inspector: { minSeverity: t.inspector },
                            securityHub: { minSeverity: t.securityHub },
                            paging: { minSeverity: level, emails: ["pager@example.com"] },
                        },
                    },
                });
                cases.push({ level, ...t, planned });
            }
        });

        it("covers every threshold each service allows", () => {
            for (const [service, scale] of Object.entries(SCALES)) {
                const tried = new Set(cases.map((c) => c[service as keyof typeof SCALES]));
                assert.deepEqual([...tried].sort(), [...scale.ranked].sort(), service);
            }
        });

        it("plans a paging rule for each service that has a level to page, and none for one that has not", () => {
            for (const c of cases) {
                const home = c.planned.homeRegion;
                const rules = ofType(c.planned, "aws:cloudwatch/eventRule:EventRule")
                    .map((r) => r.name)
                    .filter((name) => name.startsWith("finding-alerts-paging-"))
                    .sort();
                const pages = (key: keyof typeof SCALES) =>
                    SCALES[key].ranked.some((s) => paged(SCALES[key], c[key], level, s));
                const expected = [
                    "guardduty",
                    ...(pages("macie") ? ["macie"] : []),
                    ...(pages("inspector") ? ["inspector"] : []),
                    ...(pages("securityHub") ? ["securityhub"] : []),
                ].map((key) => `finding-alerts-paging-${key}-${home}`);
                assert.deepEqual(rules, expected.sort(), describeCase(c));
            }
        });

        it("GuardDuty: a new finding pages from the level's start or the threshold, whichever is higher, from every region", () => {
            for (const c of cases) {
                const from = Math.max(c.guardduty, GUARDDUTY_START[level]);
                for (const region of c.planned.regions) {
                    for (const severity of GUARDDUTY_SEVERITIES) {
                        const what = `${describeCase(c)}: severity ${severity} in ${region}`;
                        assert.deepEqual(
                            reached(c.planned, guardduty(region, severity)),
                            { alerts: once(severity >= c.guardduty), pages: once(severity >= from) },
                            what,
                        );
                        // An always-alert type is mailed whatever its severity; it pages by severity alone.
                        const always = guardduty(region, severity, {
                            type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
                        });
                        assert.deepEqual(
                            reached(c.planned, always),
                            { alerts: 1, pages: once(severity >= from) },
                            what,
                        );
                    }
                }
            }
        });

        it("GuardDuty: later occurrences, archived findings and samples never page, whatever their severity", () => {
            for (const c of cases) {
                for (const region of c.planned.regions) {
                    for (const severity of GUARDDUTY_SEVERITIES) {
                        const what = `${describeCase(c)}: severity ${severity} in ${region}`;
                        const mails = once(severity >= c.guardduty);
                        for (const count of [2, 21]) {
                            assert.deepEqual(
                                reached(c.planned, guardduty(region, severity, { count })),
                                { alerts: mails, pages: 0 },
                                `${what}, count ${count}`,
                            );
                        }
                        assert.deepEqual(
                            reached(c.planned, guardduty(region, severity, { archived: true })),
                            { alerts: 0, pages: 0 },
                            `${what}, archived`,
                        );
                        // Mailed by the samples rule, which says it is a test.
                        assert.deepEqual(
                            reached(c.planned, guardduty(region, severity, { sample: true })),
                            { alerts: mails, pages: 0 },
                            `${what}, sample`,
                        );
                    }
                }
            }
        });

        it("Macie: each severity pages at or above both the level and the threshold, from every region; samples never", () => {
            for (const c of cases) {
                for (const region of c.planned.regions) {
                    for (const severity of SCALES.macie.ranked) {
                        const what = `${describeCase(c)}: Macie ${severity} in ${region}`;
                        const mails = once(mailed(SCALES.macie, c.macie, severity));
                        assert.deepEqual(
                            reached(c.planned, macie(region, severity)),
                            { alerts: mails, pages: once(paged(SCALES.macie, c.macie, level, severity)) },
                            what,
                        );
                        assert.deepEqual(
                            reached(c.planned, macie(region, severity, true)).pages,
                            0,
                            `${what}, sample`,
                        );
                    }
                }
            }
        });

        it("Inspector: each active finding pages at or above both the level and the threshold, from every region", () => {
            for (const c of cases) {
                for (const region of c.planned.regions) {
                    for (const severity of [...SCALES.inspector.ranked, ...SCALES.inspector.unranked]) {
                        const what = `${describeCase(c)}: Inspector ${severity} in ${region}`;
                        assert.deepEqual(
                            reached(c.planned, inspector(region, severity)),
                            {
                                alerts: once(mailed(SCALES.inspector, c.inspector, severity)),
                                pages: once(paged(SCALES.inspector, c.inspector, level, severity)),
                            },
                            what,
                        );
                        for (const status of ["SUPPRESSED", "CLOSED"]) {
                            assert.deepEqual(
                                reached(c.planned, inspector(region, severity, status)),
                                { alerts: 0, pages: 0 },
                                `${what}, ${status}`,
                            );
                        }
                    }
                }
            }
        });

        it("Security Hub CSPM: each failed control pages at or above both the level and the threshold", () => {
            for (const c of cases) {
                // The home region's feed holds the linked regions' findings: every event is raised there.
                for (const label of [...SCALES.securityHub.ranked, ...SCALES.securityHub.unranked]) {
                    assert.deepEqual(
                        reached(c.planned, control(c.planned.homeRegion, label)),
                        {
                            alerts: once(mailed(SCALES.securityHub, c.securityHub, label)),
                            pages: once(paged(SCALES.securityHub, c.securityHub, level, label)),
                        },
                        `${describeCase(c)}: Security Hub ${label}`,
                    );
                }
            }
        });
    });
}

describe("paging follows each service's e-mail switch", () => {
    it("pages nothing of a service whose alerts are off, GuardDuty still from its level", async () => {
        const planned = await plan("dev", {
            configOverrides: {
                "security-governance:notifications": {
                    emails: ["secops@example.com"],
                    minSeverity: 1,
                    macie: { enabled: false, minSeverity: "Low" },
                    inspector: { enabled: false, minSeverity: "LOW" },
                    securityHub: { enabled: false, minSeverity: "LOW" },
                    paging: { minSeverity: "HIGH", emails: ["pager@example.com"] },
                },
            },
        });
        const home = planned.homeRegion;
        assert.deepEqual(
            ofType(planned, "aws:cloudwatch/eventRule:EventRule")
                .map((r) => r.name)
                .filter((name) => name.startsWith("finding-alerts-paging-")),
            [`finding-alerts-paging-guardduty-${home}`],
        );
        assert.deepEqual(reached(planned, macie(home, "High")), { alerts: 0, pages: 0 });
        assert.deepEqual(reached(planned, inspector(home, "CRITICAL")), { alerts: 0, pages: 0 });
        assert.deepEqual(reached(planned, control(home, "CRITICAL")), { alerts: 0, pages: 0 });
        assert.deepEqual(reached(planned, guardduty(home, 7)), { alerts: 1, pages: 1 });
        assert.deepEqual(reached(planned, guardduty(home, 6.9)), { alerts: 1, pages: 0 });
    });
});

describe("a threshold off its scale", () => {
    it("is refused, not read as the scale's top level", () => {
        const scale = ["LOW", "MEDIUM", "HIGH"];
        assert.deepEqual(atOrAbove(scale, "MEDIUM"), ["MEDIUM", "HIGH"]);
        // indexOf gives -1, and slice(-1) would page the top level alone.
        assert.throws(() => atOrAbove(scale, "High"), /High is not one of LOW, MEDIUM, HIGH/);
    });
});
