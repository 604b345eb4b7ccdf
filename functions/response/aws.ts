import { EC2Client } from "@aws-sdk/client-ec2";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { Run } from "../shared/run";
import { organizationalUnitsOf } from "./organization";
import type { MemberClients, ResponderDependencies } from "./respond";

/** How long an account's OUs are taken as known. */
export const OU_CACHE_MS = 5 * 60_000;

/**
 * An account's OUs, kept for OU_CACHE_MS: they change only when someone moves the account, so a burst of findings
 * in one account asks Organizations once, and a move is seen within minutes.
 */
export function cachedAccountOus(
    lookup: (accountId: string, run: Run) => Promise<string[]>,
    clock: () => number = Date.now,
): (accountId: string, run: Run) => Promise<string[]> {
    const known = new Map<string, { ous: string[]; at: number }>();
    return async (accountId, run) => {
        const kept = known.get(accountId);
        if (kept !== undefined && kept.at > clock() - OU_CACHE_MS) return kept.ous;
        const ous = await lookup(accountId, run);
        known.set(accountId, { ous, at: clock() });
        return ous;
    };
}

/** The role the responder assumes in a member account. */
export function memberRoleArn(partition: string, accountId: string, roleName: string): string {
    return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/**
 * The responder's real dependencies: the SDK's standard endpoint and credential resolution everywhere (so an
 * endpoint set in the environment is used), clients that try once (retries are the run's), and in each member
 * account and region clients with the member role's temporary credentials (STS AssumeRole through
 * @aws-sdk/credential-providers; each client keeps what it resolved until it expires), made once.
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
    const clients = new Map<string, MemberClients>();
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
            // One set of clients per account and region: a client keeps the credentials it resolved until they
            // are about to expire, so a new client per event would assume the role again each time.
            const cached = clients.get(`${accountId}/${region}`);
            if (cached !== undefined) return cached;
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
            const made = { ec2: new EC2Client(config), iam: new IAMClient(config), s3: new S3Client(config) };
            clients.set(`${accountId}/${region}`, made);
            return made;
        },
        accountOus: cachedAccountOus((accountId, run) =>
            organizationalUnitsOf(organizations, accountId, run),
        ),
        now: () => new Date(),
    };
}
