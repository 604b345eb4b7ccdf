import { PARTITION } from "../stacks/regions";
import type { PolicyDocument } from "./policy-documents";

export interface FindingsResourceControlParams {
    organizationId: string;
    bucketName: string;
    /** The findings key and the alert key. */
    keyArns: readonly string[];
}

/**
 * The RCP attached to the security account: the findings bucket and keys answer only the organization's
 * principals, and AWS services only when they act for one of its accounts. The two statements are the AWS
 * data perimeter examples' identity perimeter and confused-deputy statements (aws-samples/
 * data-perimeter-policy-examples, resource_control_policies), narrowed to these resources. RCPs take
 * `Principal: "*"` and Deny only (Organizations user guide, "Resource control policies").
 */
export function findingsResourceControlPolicy(params: FindingsResourceControlParams): PolicyDocument {
    const bucket = `arn:${PARTITION}:s3:::${params.bucketName}`;
    const resources = [bucket, `${bucket}/*`, ...params.keyArns];
    const actions = ["s3:*", "kms:*"];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "OnlyTheOrganization",
                Effect: "Deny",
                Principal: "*",
                Action: actions,
                Resource: resources,
                Condition: {
                    StringNotEqualsIfExists: { "aws:PrincipalOrgID": params.organizationId },
                    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
                },
            },
            {
                Sid: "ServicesOnlyForTheOrganization",
                Effect: "Deny",
                Principal: "*",
                Action: actions,
                Resource: resources,
                Condition: {
                    StringNotEqualsIfExists: { "aws:SourceOrgID": params.organizationId },
                    Null: { "aws:SourceAccount": "false" },
                    Bool: { "aws:PrincipalIsAWSService": "true" },
                },
            },
        ],
    };
}
