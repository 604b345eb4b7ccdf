import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DeployedResponderSettings } from "../functions/response/handler";
import { PARTITION } from "../stacks/regions";
import { REMEDIATION_ACTIONS, type RemediationAction, type RemediationConfig } from "../stacks/remediation";
import type { IdentityPolicyDocument } from "./policy-documents";
import { MEMBER_ROLE_NAME } from "./response-member-role";
import { logGroupArn, ownLogsStatement, scheduledFunction } from "./scheduled-function";

export const RESPONDER_FUNCTION_NAME = "security-governance-responder";
/** Key prefix of the responder's records in the findings bucket. */
export const RESPONSES_PREFIX = "responses/";

/** The rungs that may change something in a member account: their mode is dry-run or act. */
export function changingActions(remediation: RemediationConfig): RemediationAction[] {
    return REMEDIATION_ACTIONS.filter((a) => ["dry-run", "act"].includes(remediation[a].mode));
}

/** The finding types the responder is invoked for: those of every rung that is not off. */
export function responseFindingTypes(remediation: RemediationConfig): string[] {
    return [
        ...new Set(
            REMEDIATION_ACTIONS.filter((a) => remediation[a].mode !== "off").flatMap(
                (a) => remediation[a].findingTypes,
            ),
        ),
    ].sort();
}

/**
 * The findings the responder is invoked for, in the home region (where every region's findings arrive on the
 * default bus): GuardDuty findings of a responding rung's types, not archived. Severity is the ladder's rule,
 * per rung, so that a skipped finding is recorded with its reason.
 */
export function responsePattern(findingTypes: readonly string[]): object {
    return {
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: { type: [...findingTypes], service: { archived: [false] } },
    };
}

export interface ResponderRoleParams {
    securityAccountId: string;
    managementAccountId: string;
    homeRegion: string;
    bucketName: string;
    bucketKeyArn: string;
    topicArn: string;
    topicKeyArn: string;
    /** Exempt OUs are resolved per account with ListParents; without them the role cannot read the tree. */
    readsOrganizationalUnits: boolean;
}

/**
 * The responder's own permissions: assume the member role (only that role name, in any account: each one
 * trusts this role alone), keep its records under responses/ of the findings bucket (delete only expired
 * blocks), publish to the alert topic, read the OU tree when OUs are exempt, write its logs.
 */
export function responderRolePolicy(params: ResponderRoleParams): IdentityPolicyDocument {
    const bucket = `arn:${PARTITION}:s3:::${params.bucketName}`;
    const statements: IdentityPolicyDocument["Statement"] = [
        {
            Sid: "AssumeMemberRole",
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: `arn:${PARTITION}:iam::*:role/${MEMBER_ROLE_NAME}`,
        },
        ownLogsStatement(
            logGroupArn(PARTITION, params.homeRegion, params.securityAccountId, RESPONDER_FUNCTION_NAME),
        ),
        {
            Sid: "KeepResponseRecords",
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: `${bucket}/${RESPONSES_PREFIX}*`,
        },
        {
            Sid: "ForgetLiftedBlocks",
            Effect: "Allow",
            Action: "s3:DeleteObject",
            Resource: `${bucket}/${RESPONSES_PREFIX}blocks/*`,
        },
        {
            // The sweep lists blocks/; a done/ record is looked for by listing its key, since S3 answers a
            // HeadObject on a missing key 403 to a role without an unconditioned ListBucket
            // (functions/shared/s3-objects.ts). ListObjectsV2 carries its Prefix as s3:prefix.
            Sid: "ListBlocksAndDoneRecords",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucket,
            Condition: {
                StringLike: { "s3:prefix": [`${RESPONSES_PREFIX}blocks/*`, `${RESPONSES_PREFIX}done/*`] },
            },
        },
        {
            // SSE-KMS: S3 asks for a data key on write and decrypts on read, on the caller's behalf.
            Sid: "EncryptResponseRecords",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: params.bucketKeyArn,
        },
        { Sid: "TellTheTopic", Effect: "Allow", Action: "sns:Publish", Resource: params.topicArn },
        {
            // Publishing to an encrypted topic needs the topic key (SNS developer guide, sns-key-management).
            Sid: "EncryptMessages",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
            Resource: params.topicKeyArn,
        },
    ];
    if (params.readsOrganizationalUnits)
        statements.push({
            Sid: "ReadWhichOuAnAccountIsIn",
            Effect: "Allow",
            Action: "organizations:ListParents",
            // ListParents takes an account or an OU (Service Authorization Reference, Organizations).
            Resource: [
                `arn:${PARTITION}:organizations::${params.managementAccountId}:account/o-*/*`,
                `arn:${PARTITION}:organizations::${params.managementAccountId}:ou/o-*/ou-*`,
            ],
        });
    return { Version: "2012-10-17", Statement: statements };
}

export interface ResponseFunctionArgs {
    securityAccountId: string;
    managementAccountId: string;
    homeRegion: string;
    remediation: RemediationConfig;
    /** Accounts never acted on, each with why. */
    neverTouch: Record<string, string>;
    bucketName: pulumi.Input<string>;
    bucketKeyArn: pulumi.Input<string>;
    topicArn: pulumi.Input<string>;
    topicKeyArn: pulumi.Input<string>;
    logRetentionDays?: number;
}

/**
 * The responder (functions/response), in the security account's home region: invoked by an EventBridge rule for
 * the findings of every rung that is not off, and hourly to lift expired network ACL blocks.
 */
export class ResponseFunction extends pulumi.ComponentResource {
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ResponseFunctionArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("security-governance:response:ResponseFunction", name, {}, opts);
        const region = args.homeRegion;
        const resolved = pulumi
            .all([args.bucketName, args.bucketKeyArn, args.topicArn, args.topicKeyArn])
            .apply(([bucketName, bucketKeyArn, topicArn, topicKeyArn]) => ({
                bucketName,
                bucketKeyArn,
                topicArn,
                topicKeyArn,
            }));
        const settings = resolved.apply((r): DeployedResponderSettings => ({
            remediation: args.remediation,
            neverTouch: args.neverTouch,
            memberRoleName: MEMBER_ROLE_NAME,
            records: { bucket: r.bucketName, prefix: RESPONSES_PREFIX, kmsKeyArn: r.bucketKeyArn },
            topicArn: r.topicArn,
            homeRegion: region,
            partition: PARTITION,
        }));
        const fn = scheduledFunction(name, this, {
            securityAccountId: args.securityAccountId,
            region,
            functionName: RESPONDER_FUNCTION_NAME,
            description: "Responds to GuardDuty findings by the remediation ladder (security-governance)",
            entry: "response/handler",
            rolePolicy: resolved.apply((r) =>
                JSON.stringify(
                    responderRolePolicy({
                        securityAccountId: args.securityAccountId,
                        managementAccountId: args.managementAccountId,
                        homeRegion: region,
                        readsOrganizationalUnits: args.remediation.exemptOrganizationalUnits.length > 0,
                        ...r,
                    }),
                ),
            ),
            policyName: "respond",
            environment: { RESPONDER_SETTINGS: settings.apply((s) => JSON.stringify(s)) },
            // The sweep that lifts expired blocks.
            schedule: "rate(1 hour)",
            logRetentionDays: args.logRetentionDays ?? 365,
            memorySize: 512,
            after: [],
        });
        const types = responseFindingTypes(args.remediation);
        if (types.length > 0) {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-findings`,
                {
                    region,
                    name: `${RESPONDER_FUNCTION_NAME}-findings`,
                    description:
                        "GuardDuty findings the remediation ladder responds to (security-governance)",
                    eventPattern: JSON.stringify(responsePattern(types)),
                },
                { parent: this },
            );
            const permission = new aws.lambda.Permission(
                `${name}-findings-permission`,
                {
                    region,
                    action: "lambda:InvokeFunction",
                    function: fn.function.name,
                    principal: "events.amazonaws.com",
                    sourceArn: rule.arn,
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-findings-target`,
                { region, rule: rule.name, arn: fn.function.arn },
                { parent: this, dependsOn: [permission] },
            );
        }
        this.roleArn = fn.role.arn;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
