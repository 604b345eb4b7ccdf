import { EC2Client } from "@aws-sdk/client-ec2";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { organizationalUnitsOf } from "./organization";
import type { MemberClients, ResponderDependencies } from "./respond";

/** The role the responder assumes in a member account. */
export function memberRoleArn(partition: string, accountId: string, roleName: string): string {
    return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/**
 * The responder's real dependencies: the SDK's standard endpoint and credential resolution everywhere (so an
 * endpoint set in the environment is used), clients that try once (retries are the run's), and in each member
 * account the member role's temporary credentials (STS AssumeRole through @aws-sdk/credential-providers,
 * which caches them until they expire), one set per account.
 */
export function awsResponderDependencies(options: {
    homeRegion: string;
    partition: string;
    memberRoleName: string;
}): ResponderDependencies {
    const base = { maxAttempts: 1 };
    const credentials = new Map<string, ReturnType<typeof fromTemporaryCredentials>>();
    const organizations = new OrganizationsClient({ ...base, region: options.homeRegion });
    const guardduty = new Map<string, GuardDutyClient>();
    return {
        s3: new S3Client({ ...base, region: options.homeRegion }),
        sns: new SNSClient({ ...base, region: options.homeRegion }),
        guardduty(region: string): GuardDutyClient {
            let client = guardduty.get(region);
            if (client === undefined) {
                client = new GuardDutyClient({ ...base, region });
                guardduty.set(region, client);
            }
            return client;
        },
        member(accountId: string, region: string): MemberClients {
            let assumed = credentials.get(accountId);
            if (assumed === undefined) {
                assumed = fromTemporaryCredentials({
                    params: {
                        RoleArn: memberRoleArn(options.partition, accountId, options.memberRoleName),
                        RoleSessionName: "security-governance-responder",
                        // The shortest session STS allows (AssumeRole DurationSeconds: 900 to the role's maximum).
                        DurationSeconds: 900,
                    },
                    clientConfig: { region: options.homeRegion },
                });
                credentials.set(accountId, assumed);
            }
            const config = { ...base, region, credentials: assumed };
            return { ec2: new EC2Client(config), iam: new IAMClient(config), s3: new S3Client(config) };
        },
        accountOus: (accountId, run) => organizationalUnitsOf(organizations, accountId, run),
        now: () => new Date(),
    };
}
