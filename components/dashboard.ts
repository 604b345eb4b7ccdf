import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/*
 * The dashboard a team looks at: is every account covered, is anything broken, did the drill pass, what did the
 * responder decide. Its body follows CloudWatch's Dashboard Body Structure (CloudWatch API reference): a `widgets`
 * array of at most 500; a metric widget takes rows [namespace, metric, dimension, value, ...] and a region per
 * widget, so the home region's coverage metrics of every governed region are one widget each; an alarm widget
 * takes 1 to 100 alarm ARNs; a log widget a Logs Insights query beginning SOURCE '<log group>' (its JSON as AWS's
 * own CDK writes it, aws-cdk-lib aws-cloudwatch LogQueryWidget and AlarmStatusWidget). Dashboards are global.
 */

export const DASHBOARD_NAME = "security-governance";
/** An alarm status widget lists at most 100 alarms. */
export const ALARMS_PER_WIDGET = 100;

export interface DashboardArgs {
    homeRegion: string;
    /** Coverage metrics' namespace and the rows they are published for. */
    coverage: { namespace: string; rows: { service: string; region: string }[] };
    /** Every alarm of the stack, by ARN. */
    alarmArns: string[];
    /** The drill's metrics, when the stack drills. */
    drill?: { namespace: string; passed: string; deliverySeconds: string };
    /** The responder's log group, when the stack responds. */
    responderLogGroup?: string;
}

interface Widget {
    type: "metric" | "alarm" | "log" | "text";
    width: number;
    height: number;
    properties: Record<string, unknown>;
}

/**
 * The responder logs one line per decision (functions/response/handler.ts): `{"decision":"<verdict>",...}`. The
 * query counts them per verdict and day (Logs Insights query syntax: parse with a named capture, stats by bin).
 */
export function decisionsQuery(logGroup: string): string {
    return [
        `SOURCE '${logGroup}'`,
        `parse @message /"decision":"(?<verdict>[a-z-]+)","action":"(?<action>[A-Za-z]+)"/`,
        "filter ispresent(verdict)",
        "stats count(*) as decisions by verdict, bin(1d)",
    ].join(" | ");
}

/** The widgets, top to bottom: coverage by service, alarms, drills, the responder's decisions. */
export function dashboardWidgets(args: DashboardArgs): Widget[] {
    const home = args.homeRegion;
    const alarmArns = args.alarmArns;
    const widgets: Widget[] = [
        {
            type: "text",
            width: 24,
            height: 2,
            properties: {
                markdown:
                    "## Security governance\nCoverage is what the hourly coverage function read; an alarm here means the path from a finding to a person is broken somewhere (docs/operations.md, Alarms).",
            },
        },
    ];
    const services = [...new Set(args.coverage.rows.map((row) => row.service))];
    for (const service of services) {
        const rows = args.coverage.rows.filter((row) => row.service === service);
        widgets.push({
            type: "metric",
            width: 12,
            height: 6,
            properties: {
                title: `${service}: accounts not covered, by region`,
                region: home,
                view: "timeSeries",
                stat: "Maximum",
                period: 3600,
                metrics: rows.map((row) => [
                    args.coverage.namespace,
                    "UncoveredAccounts",
                    "Service",
                    row.service,
                    "Region",
                    row.region,
                ]),
            },
        });
    }
    for (let i = 0; i < alarmArns.length; i += ALARMS_PER_WIDGET) {
        widgets.push({
            type: "alarm",
            width: 24,
            height: 6,
            properties: {
                title: `Alarms${alarmArns.length > ALARMS_PER_WIDGET ? ` (${i / ALARMS_PER_WIDGET + 1})` : ""}`,
                alarms: alarmArns.slice(i, i + ALARMS_PER_WIDGET),
            },
        });
    }
    if (args.drill)
        widgets.push({
            type: "metric",
            width: 12,
            height: 6,
            properties: {
                title: "Weekly drill: passed (1) or failed (0), and seconds to the alert",
                region: home,
                view: "timeSeries",
                stat: "Minimum",
                period: 86400,
                metrics: [
                    [args.drill.namespace, args.drill.passed],
                    [args.drill.namespace, args.drill.deliverySeconds, { stat: "Maximum", yAxis: "right" }],
                ],
            },
        });
    if (args.responderLogGroup)
        widgets.push({
            type: "log",
            width: 12,
            height: 6,
            properties: {
                title: "Responder decisions per day",
                region: home,
                view: "bar",
                query: decisionsQuery(args.responderLogGroup),
            },
        });
    return widgets;
}

export class SecurityDashboard extends pulumi.ComponentResource {
    constructor(name: string, args: DashboardArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:monitoring:SecurityDashboard", name, {}, opts);
        new aws.cloudwatch.Dashboard(
            name,
            {
                region: args.homeRegion,
                dashboardName: DASHBOARD_NAME,
                dashboardBody: JSON.stringify({ widgets: dashboardWidgets(args) }),
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
