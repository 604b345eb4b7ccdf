import { PlannedResource, UNKNOWN_VALUE } from "../../tools/policy-driver";

/** Builders of hand-made resource sets for the policy pack tests. */

export { UNKNOWN_VALUE };

export const SECURITY_ACCOUNT = "222222222222";
export const MANAGEMENT_ACCOUNT = "111111111111";
export const HOME_REGION = "eu-west-1";
export const BUCKET_NAME = `findings-${SECURITY_ACCOUNT}-${HOME_REGION}`;
export const KEY_ARN = `arn:aws:kms:${HOME_REGION}:${SECURITY_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const TOPIC_ARN = `arn:aws:sns:${HOME_REGION}:${SECURITY_ACCOUNT}:security-findings`;

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::security-governance::${type}::${name}`;
}

export type ResourceOptions = Partial<
    Pick<
        PlannedResource,
        "parent" | "provider" | "protect" | "retainOnDelete" | "ignoreChanges" | "dependsOn"
    >
>;

export function resource(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    options: ResourceOptions = {},
): PlannedResource {
    return {
        urn: urnOf(type, name),
        type,
        name,
        parent: null,
        provider: null,
        protect: false,
        retainOnDelete: false,
        importId: null,
        ignoreChanges: [],
        dependsOn: [],
        inputs,
        ...options,
    };
}

export function awsProvider(name: string, region?: string): PlannedResource {
    return resource("pulumi:providers:aws", name, region === undefined ? {} : { region });
}

/** The "<urn>::<id>" reference resources carry to their provider. */
export function providerRef(provider: PlannedResource): string {
    return `${provider.urn}::${provider.name}-id`;
}

/** Replaces one resource (by name) with a modified copy. */
export function withResource(
    resources: PlannedResource[],
    name: string,
    change: (r: PlannedResource) => PlannedResource,
): PlannedResource[] {
    let found = false;
    const result = resources.map((r) => {
        if (r.name !== name) {
            return r;
        }
        found = true;
        return change(r);
    });
    if (!found) {
        throw new Error(`no resource named ${name}`);
    }
    return result;
}

/** Replaces some inputs of one resource (by name); an input set to `undefined` is removed. */
export function withInputs(
    resources: PlannedResource[],
    name: string,
    inputs: Record<string, unknown>,
): PlannedResource[] {
    return withResource(resources, name, (r) => {
        const merged = Object.entries({ ...r.inputs, ...inputs }).filter(([, value]) => value !== undefined);
        return { ...r, inputs: Object.fromEntries(merged) };
    });
}

export function without(resources: PlannedResource[], ...names: string[]): PlannedResource[] {
    for (const name of names) {
        if (!resources.some((r) => r.name === name)) {
            throw new Error(`no resource named ${name}`);
        }
    }
    return resources.filter((r) => !names.includes(r.name));
}

export const GUARDDUTY_FEATURES = [
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "RDS_LOGIN_EVENTS",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
];

export function keyPolicy(statements: unknown[]): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export const ROOT_ADMIN_STATEMENT = {
    Sid: "AdministerFromSecurityAccount",
    Effect: "Allow",
    Principal: { AWS: `arn:aws:iam::${SECURITY_ACCOUNT}:root` },
    Action: "kms:*",
    Resource: "*",
};

export const SCOPED_SERVICE_STATEMENT = {
    Sid: "GuardDutyEncryptsFindings",
    Effect: "Allow",
    Principal: { Service: "guardduty.amazonaws.com" },
    Action: "kms:GenerateDataKey",
    Resource: "*",
    Condition: { StringEquals: { "aws:SourceAccount": SECURITY_ACCOUNT } },
};

export const TLS_DENY_STATEMENT = {
    Sid: "DenyNonTlsAccess",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${BUCKET_NAME}`, `arn:aws:s3:::${BUCKET_NAME}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};

export interface StackOptions {
    /** Suffix of every resource name, so that several regions' sets can live in one stack. */
    suffix?: string;
    /** The region resources name explicitly; `undefined` leaves it to the provider. */
    region?: string;
    /** The provider region. Default: the home region. */
    providerRegion?: string;
    /** Include the organization-wide resources (Security Hub, Macie, admins, notifications). */
    organization?: boolean;
}

/**
 * A stack that satisfies every policy of the pack: each test changes one thing and expects exactly
 * the policy concerned to object.
 */
export function compliantStack(options: StackOptions = {}): PlannedResource[] {
    const s = options.suffix ?? "";
    const region = options.region;
    const provider = awsProvider(`aws${s}`, options.providerRegion ?? HOME_REGION);
    const onProvider: ResourceOptions = { provider: providerRef(provider) };
    const regional = (inputs: Record<string, unknown>) =>
        region === undefined ? inputs : { ...inputs, region };
    const detector = resource(
        "aws:guardduty/detector:Detector",
        `detector${s}`,
        regional({ enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" }),
        { ...onProvider, protect: true },
    );
    const detectorId = `${detector.name}-id`;
    const bucketName = `${BUCKET_NAME}${s}`;
    const bucket = resource("aws:s3/bucket:Bucket", `bucket${s}`, regional({ bucket: bucketName }), {
        ...onProvider,
        protect: true,
        retainOnDelete: true,
    });
    const onBucket = (inputs: Record<string, unknown>) => regional({ bucket: bucketName, ...inputs });
    const resources: PlannedResource[] = [
        provider,
        detector,
        resource(
            "aws:guardduty/organizationConfiguration:OrganizationConfiguration",
            `org-config${s}`,
            regional({ autoEnableOrganizationMembers: "ALL", detectorId }),
            { ...onProvider, dependsOn: [detector.urn] },
        ),
        ...GUARDDUTY_FEATURES.map((feature) =>
            resource(
                "aws:guardduty/organizationConfigurationFeature:OrganizationConfigurationFeature",
                `feature-${feature.toLowerCase()}${s}`,
                regional({ detectorId, name: feature, autoEnable: "ALL" }),
                onProvider,
            ),
        ),
        resource(
            "aws:kms/key:Key",
            `key${s}`,
            regional({
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: keyPolicy([ROOT_ADMIN_STATEMENT, SCOPED_SERVICE_STATEMENT]),
            }),
            { ...onProvider, protect: true },
        ),
        bucket,
        resource(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            `bucket-encryption${s}`,
            onBucket({
                rules: [
                    {
                        applyServerSideEncryptionByDefault: {
                            sseAlgorithm: "aws:kms",
                            kmsMasterKeyId: KEY_ARN,
                        },
                        bucketKeyEnabled: true,
                    },
                ],
            }),
            onProvider,
        ),
        resource(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            `bucket-public-access-block${s}`,
            onBucket({
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            }),
            onProvider,
        ),
        resource(
            "aws:s3/bucketVersioning:BucketVersioning",
            `bucket-versioning${s}`,
            onBucket({ versioningConfiguration: { status: "Enabled" } }),
            onProvider,
        ),
        resource(
            "aws:s3/bucketLogging:BucketLogging",
            `bucket-logging${s}`,
            onBucket({ targetBucket: `access-logs${s}`, targetPrefix: `${bucketName}/` }),
            onProvider,
        ),
        resource(
            "aws:s3/bucketPolicy:BucketPolicy",
            `bucket-policy${s}`,
            onBucket({ policy: keyPolicy([TLS_DENY_STATEMENT]) }),
            onProvider,
        ),
        resource(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            `bucket-lifecycle${s}`,
            onBucket({
                rules: [
                    {
                        id: "archive-then-expire",
                        status: "Enabled",
                        filter: {},
                        transitions: [{ days: 90, storageClass: "GLACIER" }],
                        expiration: { days: 400 },
                        noncurrentVersionExpiration: { noncurrentDays: 400 },
                    },
                ],
            }),
            onProvider,
        ),
        resource(
            "aws:guardduty/publishingDestination:PublishingDestination",
            `publishing-destination${s}`,
            regional({ detectorId, destinationArn: `arn:aws:s3:::${bucketName}`, kmsKeyArn: KEY_ARN }),
            onProvider,
        ),
        resource(
            "aws:guardduty/iPSet:IPSet",
            `trusted-ips${s}`,
            regional({
                detectorId,
                activate: true,
                format: "TXT",
                location: `s3://${bucketName}/lists/trusted.txt`,
            }),
            onProvider,
        ),
        resource(
            "aws:guardduty/threatIntelSet:ThreatIntelSet",
            `threat-intel${s}`,
            regional({
                detectorId,
                activate: true,
                format: "TXT",
                location: `s3://${bucketName}/lists/threats.txt`,
            }),
            onProvider,
        ),
        resource(
            "aws:guardduty/filter:Filter",
            `suppress-scanner${s}`,
            regional({
                detectorId,
                action: "ARCHIVE",
                rank: 1,
                findingCriteria: {
                    criterions: [
                        { field: "type", equals: ["Recon:EC2/PortProbeUnprotectedPort"] },
                        { field: "severity", lessThan: "4" },
                    ],
                },
            }),
            onProvider,
        ),
    ];
    if (options.organization === false) {
        return resources;
    }
    const admin = (type: string, name: string, property: string) =>
        resource(type, `${name}${s}`, regional({ [property]: SECURITY_ACCOUNT }), onProvider);
    resources.push(
        resource(
            "aws:securityhub/organizationConfiguration:OrganizationConfiguration",
            `securityhub-org-config${s}`,
            regional({
                autoEnable: false,
                autoEnableStandards: "NONE",
                organizationConfiguration: { configurationType: "CENTRAL" },
            }),
            onProvider,
        ),
        resource(
            "aws:securityhub/configurationPolicy:ConfigurationPolicy",
            `securityhub-policy${s}`,
            regional({
                name: "baseline",
                configurationPolicy: {
                    serviceEnabled: true,
                    enabledStandardArns: [
                        `arn:aws:securityhub:${HOME_REGION}::standards/aws-foundational-security-best-practices/v/1.0.0`,
                        "arn:aws:securityhub:::standards/cis-aws-foundations-benchmark/v/3.0.0",
                    ],
                },
            }),
            onProvider,
        ),
        resource(
            "aws:securityhub/findingAggregator:FindingAggregator",
            `securityhub-aggregator${s}`,
            regional({ linkingMode: "ALL_REGIONS" }),
            onProvider,
        ),
        resource("aws:macie2/account:Account", `macie${s}`, regional({ status: "ENABLED" }), onProvider),
        resource(
            "aws:macie2/organizationConfiguration:OrganizationConfiguration",
            `macie-org-config${s}`,
            regional({ autoEnable: true }),
            onProvider,
        ),
        resource(
            "aws:macie2/classificationExportConfiguration:ClassificationExportConfiguration",
            `macie-export${s}`,
            regional({ s3Destination: { bucketName, keyPrefix: "macie/", kmsKeyArn: KEY_ARN } }),
            onProvider,
        ),
        resource(
            "aws:detective/organizationConfiguration:OrganizationConfiguration",
            `detective-org-config${s}`,
            regional({
                autoEnable: true,
                graphArn: `arn:aws:detective:${HOME_REGION}:${SECURITY_ACCOUNT}:graph:1`,
            }),
            onProvider,
        ),
        resource(
            "aws:inspector2/organizationConfiguration:OrganizationConfiguration",
            `inspector-org-config${s}`,
            regional({ autoEnable: { ec2: true, ecr: true, lambda: true, lambdaCode: false } }),
            onProvider,
        ),
        admin(
            "aws:guardduty/organizationAdminAccount:OrganizationAdminAccount",
            "guardduty-admin",
            "adminAccountId",
        ),
        admin(
            "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount",
            "securityhub-admin",
            "adminAccountId",
        ),
        admin(
            "aws:macie2/organizationAdminAccount:OrganizationAdminAccount",
            "macie-admin",
            "adminAccountId",
        ),
        admin(
            "aws:detective/organizationAdminAccount:OrganizationAdminAccount",
            "detective-admin",
            "accountId",
        ),
        admin("aws:inspector2/delegatedAdminAccount:DelegatedAdminAccount", "inspector-admin", "accountId"),
        resource(
            "aws:organizations/policy:Policy",
            `inspector-organization-policy${s}`,
            {
                type: "INSPECTOR_POLICY",
                content: JSON.stringify({
                    inspector: {
                        enablement: {
                            ec2_scanning: {
                                enable_in_regions: { "@@assign": [HOME_REGION] },
                                disable_in_regions: { "@@assign": [] },
                            },
                        },
                    },
                }),
            },
            onProvider,
        ),
        resource(
            "aws:organizations/delegatedAdministrator:DelegatedAdministrator",
            `org-delegated-admin${s}`,
            { accountId: SECURITY_ACCOUNT, servicePrincipal: "guardduty.amazonaws.com" },
            onProvider,
        ),
        resource(
            "aws:sns/topic:Topic",
            `findings-topic${s}`,
            regional({ kmsMasterKeyId: KEY_ARN }),
            onProvider,
        ),
        resource(
            "aws:cloudwatch/eventRule:EventRule",
            `findings-rule${s}`,
            regional({
                name: `security-findings${s}`,
                eventPattern: JSON.stringify({
                    source: ["aws.guardduty"],
                    "detail-type": ["GuardDuty Finding"],
                }),
            }),
            onProvider,
        ),
        resource(
            "aws:cloudwatch/eventTarget:EventTarget",
            `findings-target${s}`,
            regional({ rule: `security-findings${s}`, arn: TOPIC_ARN }),
            onProvider,
        ),
        // A rule that delivers has its failed deliveries alarmed (delivery-failures-alarmed).
        resource(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            `findings-rule-alarm${s}`,
            regional({
                name: `security-findings${s}-delivery`,
                namespace: "AWS/Events",
                metricName: "FailedInvocations",
                dimensions: { RuleName: `security-findings${s}` },
                statistic: "Sum",
                period: 300,
                evaluationPeriods: 1,
                threshold: 1,
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                alarmActions: [TOPIC_ARN],
            }),
            onProvider,
        ),
    );
    return resources;
}
