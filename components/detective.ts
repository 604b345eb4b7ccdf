import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { designationIn } from "./delegated-admin";

export interface DetectiveGraphsArgs {
    /** Existing resources to import rather than create (`adopt` in the stack config), by region. Default: none. */
    importArns?: Record<string, string>;
    /** Governed regions: one behavior graph in each. */
    regions: string[];
    /**
     * GuardDuty's detector in each region. Detective ingests GuardDuty findings, so every graph is created
     * after its region's detector (aws-gotchas 6; the current guide no longer asks for 48 hours first).
     */
    guardDutyDetectors: Record<string, pulumi.Resource>;
    /**
     * Protect the graphs from deletion by Pulumi (and keep them if removed from the program): a graph
     * holds up to a year of investigation data, which deleting it destroys. Default false.
     */
    protectData?: boolean;
}

/**
 * The security account's behavior graph in every governed region. It must exist before the designation:
 * designating an account without a graph creates one, which Pulumi would then fail to create or would
 * not manage (aws-gotchas 1). With a graph in place, that graph becomes the organization graph.
 */
export class DetectiveGraphs extends pulumi.ComponentResource {
    /** Behavior graph per region. */
    public readonly graphs: Record<string, aws.detective.Graph>;
    public readonly graphArns: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: DetectiveGraphsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:detective:DetectiveGraphs", name, {}, opts);
        const protectData = args.protectData ?? false;
        this.graphs = {};
        this.graphArns = {};
        for (const region of args.regions) {
            const detector = args.guardDutyDetectors[region];
            if (detector === undefined) {
                throw new Error(`DetectiveGraphs: no GuardDuty detector for region ${region}`);
            }
            const graph = new aws.detective.Graph(
                `${name}-${region}`,
                { region, tags: { Purpose: "security-governance" } },
                {
                    parent: this,
                    dependsOn: [detector],
                    protect: protectData,
                    retainOnDelete: protectData,
                    import: args.importArns?.[region],
                },
            );
            this.graphs[region] = graph;
            this.graphArns[region] = graph.graphArn;
        }
        this.registerOutputs({ graphArns: this.graphArns });
    }
}

export interface DetectiveOrganizationArgs {
    /** The administrator's behavior graphs, by region. */
    graphs: DetectiveGraphs;
    /** The administrator designation per region: organization settings can only be made after it. */
    designations: Record<string, pulumi.Resource>;
}

/**
 * Organization-wide Detective in every governed region: new accounts auto-enabled into the organization
 * graph (existing accounts, which auto-enable never reaches, aws-gotchas 4, are enrolled by the enrollment
 * function).
 */
export class DetectiveOrganization extends pulumi.ComponentResource {
    /** The organization configuration per region: enrollment waits for it. */
    public readonly configurations: Record<string, aws.detective.OrganizationConfiguration>;

    constructor(name: string, args: DetectiveOrganizationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:detective:DetectiveOrganization", name, {}, opts);
        this.configurations = {};
        for (const [region, graph] of Object.entries(args.graphs.graphs)) {
            const designation = designationIn(args.designations, region, "DetectiveOrganization");
            this.configurations[region] = new aws.detective.OrganizationConfiguration(
                `${name}-${region}`,
                { region, autoEnable: true, graphArn: graph.graphArn },
                { parent: this, dependsOn: [designation] },
            );
        }
        this.registerOutputs({ regions: Object.keys(this.configurations) });
    }
}
