import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { designationIn } from "./delegated-admin";
import { createHash } from "crypto";
import { GUARDDUTY_PROTECTIONS, type GuardDutyProtection } from "../stacks/guardduty-config";
import type { SuppressionRule } from "../stacks/suppression-config";
import { renderIpList } from "../stacks/ip-lists";
import { EXPORT_PREFIXES, IP_LIST_PREFIX } from "./policy-documents";
import { suppressionCriteria } from "./suppression-filters";
import { PROTECTION_NOT_OFFERED_IN } from "../stacks/availability";

/**
 * Runtime Monitoring is useless without its agents: let GuardDuty manage them everywhere it can
 * (EKS add-on, ECS Fargate sidecar, EC2 SSM agent) rather than leaving it to every account owner. No other plan
 * has an additional configuration: these three are every value of `FeatureAdditionalConfiguration` and
 * `OrgFeatureAdditionalConfiguration` in the GuardDuty API model (botocore service-2.json, commit
 * 0e6e2404b85dc336dd2889814e089bde7d1a4c55), so AI_PROTECTION is a name and a status alone.
 *
 * The provider checks a feature's `name` against the Go SDK's enums (terraform-provider-aws,
 * internal/service/guardduty/organization_configuration_feature.go `enum.Validate[awstypes.OrgFeature]()`,
 * detector_feature.go `enum.Validate[awstypes.DetectorFeature]()`), which hold AI_PROTECTION from
 * aws-sdk-go-v2/service/guardduty v1.83.0 (terraform-provider-aws PR #48972, due in v6.56.0 by issue #49024, which
 * also added AI_PROTECTION to the resources' documented valid values). The pinned @pulumi/aws 7.48.0
 * carries that documentation (guardduty/organizationConfigurationFeature.d.ts, detectorFeature.d.ts), so its provider
 * is built from an upstream at least that new.
 */
const AGENT_MANAGEMENT: Partial<Record<GuardDutyProtection, string[]>> = {
    RUNTIME_MONITORING: ["EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"],
    EKS_RUNTIME_MONITORING: ["EKS_ADDON_MANAGEMENT"],
};

/**
 * The protections managed in every region: all that GuardDuty knows, the configured ones ENABLED/ALL and
 * the others DISABLED/NONE. Deleting a detector feature or organization feature resource changes nothing
 * at AWS, so a protection dropped from the config must be switched off explicitly, or it stays on, auto-
 * enabled for every account, and billed. Of the runtime pair only one is managed: GuardDuty refuses a
 * detector with both EKS_RUNTIME_MONITORING and RUNTIME_MONITORING (provider docs of
 * `guardduty.DetectorFeature`, "adding both features will cause an error"); RUNTIME_MONITORING unless
 * EKS_RUNTIME_MONITORING is the one configured. A plan GuardDuty lacks in `region` (`notOfferedIn`, by default
 * the program's table in stacks/availability.ts) is left alone there.
 */
export function managedProtections(
    configured: readonly GuardDutyProtection[],
    region: string,
    notOfferedIn: Readonly<Record<string, readonly string[]>> = PROTECTION_NOT_OFFERED_IN,
): GuardDutyProtection[] {
    const runtime: GuardDutyProtection = configured.includes("EKS_RUNTIME_MONITORING")
        ? "RUNTIME_MONITORING"
        : "EKS_RUNTIME_MONITORING";
    return GUARDDUTY_PROTECTIONS.filter(
        (protection) => protection !== runtime && !(notOfferedIn[protection] ?? []).includes(region),
    );
}

export interface GuardDutyDetectorsArgs {
    /** Existing resources to import rather than create (`adopt` in the stack config), by region. Default: none. */
    importIds?: Record<string, string>;
    /** Governed regions: one detector in each. */
    regions: string[];
    /** How often finding updates are exported. */
    publishingFrequency: string;
    /** Protection plans enabled on the administrator's own detectors. */
    protections: GuardDutyProtection[];
    /** Regions where GuardDuty lacks each plan: the plan is left alone there. Default: the program's table. */
    protectionsNotOfferedIn?: Readonly<Record<string, readonly string[]>>;
    /** Protect detectors from deletion: deleting one disables GuardDuty and deletes its findings. */
    protectData: boolean;
}

/**
 * The security account's own detector in every governed region. It must exist before the account is
 * designated administrator: the designation auto-creates a detector, and creating ours afterwards fails
 * with "already exists" (aws-gotchas 1).
 */
export class GuardDutyDetectors extends pulumi.ComponentResource {
    /** Detector per region. */
    public readonly detectors: Record<string, aws.guardduty.Detector>;
    public readonly detectorIds: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: GuardDutyDetectorsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:guardduty:GuardDutyDetectors", name, {}, opts);
        this.detectors = {};
        this.detectorIds = {};
        for (const region of args.regions) {
            const detector = new aws.guardduty.Detector(
                `${name}-${region}`,
                {
                    region,
                    enable: true,
                    findingPublishingFrequency: args.publishingFrequency,
                    tags: { Purpose: "security-governance" },
                },
                {
                    parent: this,
                    protect: args.protectData,
                    retainOnDelete: args.protectData,
                    import: args.importIds?.[region],
                },
            );
            for (const protection of managedProtections(
                args.protections,
                region,
                args.protectionsNotOfferedIn,
            )) {
                const status = args.protections.includes(protection) ? "ENABLED" : "DISABLED";
                new aws.guardduty.DetectorFeature(
                    `${name}-${region}-${protection.toLowerCase()}`,
                    {
                        region,
                        detectorId: detector.id,
                        name: protection,
                        status,
                        additionalConfigurations: (AGENT_MANAGEMENT[protection] ?? []).map((agent) => ({
                            name: agent,
                            status,
                        })),
                    },
                    { parent: this },
                );
            }
            this.detectors[region] = detector;
            this.detectorIds[region] = detector.id;
        }
        this.registerOutputs({ detectorIds: this.detectorIds });
    }
}

/** Where GuardDuty exports findings and reads its lists. */
export interface GuardDutyExportDestination {
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    /** Resources (bucket policy, encryption) that must be in place before GuardDuty writes. */
    ready: pulumi.Resource[];
    /** Object Lock on: the list and folder objects are kept when the stack lets go of them. Default false. */
    objectLocked?: boolean;
    /** The bucket is kept on delete: so are the publishing destinations that write to it. Default false. */
    protectsData?: boolean;
}

export interface GuardDutyOrganizationArgs {
    /** The administrator's detectors, by region. */
    detectors: GuardDutyDetectors;
    /** The administrator designation per region: organization settings can only be made after it. */
    designations: Record<string, pulumi.Resource>;
    /** Protection plans auto-enabled for every account. */
    protections: GuardDutyProtection[];
    /** Regions where GuardDuty lacks each plan: the plan is left alone there. Default: the program's table. */
    protectionsNotOfferedIn?: Readonly<Record<string, readonly string[]>>;
    /** The findings bucket and key. */
    destination: GuardDutyExportDestination;
    /** Home region: where the list files are stored. */
    homeRegion: string;
    /** Trusted addresses and networks (rendered as one list shared by every region). */
    trustedIps: string[];
    /** Threat lists by name. */
    threatLists: Record<string, string[]>;
    /** Auto-archive rules. */
    suppressionRules: SuppressionRule[];
    /**
     * The organization's management account, made a member explicitly in every region. The guides do not
     * say that auto-enable ALL reaches it, and the management account "must first enable GuardDuty before
     * it can be added as a member account" (GuardDuty user guide, managing accounts with Organizations);
     * the Security Reference Architecture likewise adds it with CreateMembers. Omitted: not added.
     */
    managementAccount?: { id: string; email: string };
    /** The management account's trusted access for malware scans: the malware plan waits for it. */
    malwareScanAccess?: pulumi.Resource;
}

function contentHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/**
 * Organization-wide GuardDuty run from the administrator's detectors: every account (existing and new)
 * enrolled with every protection plan, findings exported to the encrypted bucket, trusted IPs, threat
 * lists and auto-archive rules applied in every governed region.
 */
export class GuardDutyOrganization extends pulumi.ComponentResource {
    /** Object keys of the rendered lists in the findings bucket. */
    public readonly listKeys: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: GuardDutyOrganizationArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:guardduty:GuardDutyOrganization", name, {}, opts);

        // A list's object key carries a hash of its content: an edit becomes a new location on every
        // IP set, and GuardDuty re-reads a list only when its location is updated (aws-gotchas 10).
        const lists: { kind: "trusted" | "threat"; listName: string; object: aws.s3.BucketObjectv2 }[] = [];
        const listObject = (kind: "trusted" | "threat", listName: string, entries: string[]) => {
            const content = renderIpList(entries);
            const key = `${IP_LIST_PREFIX}/${kind}/${listName}-${contentHash(content)}.txt`;
            const object = new aws.s3.BucketObjectv2(
                `${name}-${kind}-${listName}-list`,
                {
                    region: args.homeRegion,
                    bucket: args.destination.bucketName,
                    key,
                    content,
                    contentType: "text/plain",
                    serverSideEncryption: "aws:kms",
                    kmsKeyId: args.destination.keyArn,
                },
                {
                    parent: this,
                    dependsOn: args.destination.ready,
                    retainOnDelete: args.destination.objectLocked,
                },
            );
            lists.push({ kind, listName, object });
        };
        if (args.trustedIps.length > 0) listObject("trusted", "trusted-ips", args.trustedIps);
        for (const [listName, entries] of Object.entries(args.threatLists)) {
            listObject("threat", listName, entries);
        }
        const location = (object: aws.s3.BucketObjectv2) =>
            pulumi.interpolate`https://s3.amazonaws.com/${object.bucket}/${object.key}`;

        // GuardDuty checks that the destination prefix exists when the publishing destination is created or
        // updated: the folder object comes first. It is written by the deployer, under the key the bucket
        // requires, and outside the lifecycle's finding prefixes so that it never expires.
        const exportFolder = new aws.s3.BucketObjectv2(
            `${name}-export-folder`,
            {
                region: args.homeRegion,
                bucket: args.destination.bucketName,
                key: `${EXPORT_PREFIXES.guardduty}/`,
                content: "",
                serverSideEncryption: "aws:kms",
                kmsKeyId: args.destination.keyArn,
            },
            {
                parent: this,
                dependsOn: args.destination.ready,
                retainOnDelete: args.destination.objectLocked,
            },
        );

        for (const [region, detector] of Object.entries(args.detectors.detectors)) {
            const designation = designationIn(args.designations, region, "GuardDutyOrganization");
            const inRegion = { parent: this };
            const organizationConfiguration = new aws.guardduty.OrganizationConfiguration(
                `${name}-${region}`,
                { region, detectorId: detector.id, autoEnableOrganizationMembers: "ALL" },
                { ...inRegion, dependsOn: [designation] },
            );
            if (args.managementAccount !== undefined) {
                new aws.guardduty.Member(
                    `${name}-${region}-management`,
                    {
                        region,
                        detectorId: detector.id,
                        accountId: args.managementAccount.id,
                        email: args.managementAccount.email,
                        // An organization account is associated by CreateMembers alone; no invitation.
                        invite: false,
                        disableEmailNotification: true,
                    },
                    {
                        ...inRegion,
                        dependsOn: [organizationConfiguration],
                        // The provider reads `invite` back as true for an Enabled member and would "fix" the
                        // diff with DisassociateMembers; and a delete would disassociate the management
                        // account. Neither may happen from here.
                        ignoreChanges: ["invite"],
                        retainOnDelete: true,
                    },
                );
            }
            for (const protection of managedProtections(
                args.protections,
                region,
                args.protectionsNotOfferedIn,
            )) {
                const autoEnable = args.protections.includes(protection) ? "ALL" : "NONE";
                const waitsFor =
                    protection === "EBS_MALWARE_PROTECTION" && args.malwareScanAccess !== undefined
                        ? [organizationConfiguration, args.malwareScanAccess]
                        : [organizationConfiguration];
                new aws.guardduty.OrganizationConfigurationFeature(
                    `${name}-${region}-${protection.toLowerCase()}`,
                    {
                        region,
                        detectorId: detector.id,
                        name: protection,
                        autoEnable,
                        additionalConfigurations: (AGENT_MANAGEMENT[protection] ?? []).map((agent) => ({
                            name: agent,
                            autoEnable,
                        })),
                    },
                    { ...inRegion, dependsOn: waitsFor },
                );
            }
            new aws.guardduty.PublishingDestination(
                `${name}-${region}-export`,
                {
                    region,
                    detectorId: detector.id,
                    destinationType: "S3",
                    destinationArn: pulumi.interpolate`${args.destination.bucketArn}/${EXPORT_PREFIXES.guardduty}`,
                    kmsKeyArn: args.destination.keyArn,
                },
                // Kept with the bucket: deleted, the region's later findings would never reach the archive.
                {
                    ...inRegion,
                    retainOnDelete: args.destination.protectsData,
                    dependsOn: [...args.destination.ready, exportFolder],
                },
            );
            for (const list of lists) {
                const listArgs = {
                    region,
                    detectorId: detector.id,
                    name: list.listName,
                    format: "TXT",
                    location: location(list.object),
                    activate: true,
                };
                const listResourceName = `${name}-${region}-${list.kind}-${list.listName}`;
                if (list.kind === "trusted") {
                    new aws.guardduty.IPSet(listResourceName, listArgs, inRegion);
                } else {
                    new aws.guardduty.ThreatIntelSet(listResourceName, listArgs, inRegion);
                }
            }
            // Rank is a position in the region's filter list: GuardDuty refuses a rank past the number of
            // filters plus one ("rank is out-of-bounds"), so ranks run 1..N and each filter waits for the one
            // ranked before it. On an update Pulumi applies changes in dependency order and deletes last, so
            // moving filters into positions 1, 2, ... in turn leaves the list in config order.
            let previous: aws.guardduty.Filter | undefined;
            args.suppressionRules.forEach((rule, index) => {
                previous = new aws.guardduty.Filter(
                    `${name}-${region}-${rule.name}`,
                    {
                        region,
                        detectorId: detector.id,
                        name: rule.name,
                        description: rule.description,
                        action: "ARCHIVE",
                        rank: index + 1,
                        findingCriteria: { criterions: suppressionCriteria(rule) },
                    },
                    { ...inRegion, dependsOn: previous ? [previous] : [] },
                );
            });
        }

        this.listKeys = pulumi
            .all(lists.map((list) => list.object.key))
            .apply((keys) => Object.fromEntries(lists.map((list, index) => [list.listName, keys[index]])));
        this.registerOutputs({ listKeys: this.listKeys });
    }
}
