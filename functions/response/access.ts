import {
    ListAccessKeysCommand,
    PutRolePolicyCommand,
    UpdateAccessKeyCommand,
    type IAMClient,
} from "@aws-sdk/client-iam";
import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, type S3Client } from "@aws-sdk/client-s3";
import { reasonOf, rethrowDeadline, type Run } from "../shared/run";
import { isBucketGone, isIamEntityGone } from "./gone";
import type { Target } from "./ladder";
import { overallStatus, type ActionOutcome, type Mode } from "./network";

/*
 * The access rungs, in a member account: contain credentials, close a public bucket. IAM and S3 have no
 * DryRun parameter, so a dry run reads the current state and says exactly what acting would change.
 */

/**
 * The policy the IAM console's "Revoke active sessions" attaches, named as it names it
 * (IAM user guide, id_roles_use_revoke-sessions.html), with the statement the IAM user guide documents for
 * it (id_credentials_temp_control-access_disable-perms.html): deny everything to sessions issued before
 * `now`. Sessions assumed later are unaffected; long-term keys carry no aws:TokenIssueTime.
 */
export const REVOKE_POLICY_NAME = "AWSRevokeOlderSessions";

export function revokeOlderSessionsPolicy(now: Date): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Deny",
                Action: ["*"],
                Resource: ["*"],
                Condition: { DateLessThan: { "aws:TokenIssueTime": now.toISOString() } },
            },
        ],
    };
}

/** Deactivates an IAM user's access key (UpdateAccessKey, Status Inactive: "the key cannot be used"). */
async function deactivateKey(
    iam: IAMClient,
    target: Extract<Target, { kind: "accessKey" }>,
    mode: Mode,
    run: Run,
): Promise<ActionOutcome> {
    const name = `access key ${target.accessKeyId} of user ${target.userName}`;
    const gone: ActionOutcome = { status: "gone", details: [`${name} no longer exists`] };
    const keys = await run.call("iam:ListAccessKeys", () =>
        iam.send(new ListAccessKeysCommand({ UserName: target.userName })),
    );
    const key = (keys.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === target.accessKeyId);
    // A deleted key can never be used again: there is nothing left to contain.
    if (key === undefined) return gone;
    if (key.Status === "Inactive")
        return { status: "already done", details: [`${name} is already inactive`] };
    if (mode === "dry-run") return { status: "would act", details: [`${name} would be deactivated`] };
    await run.call("iam:UpdateAccessKey", () =>
        iam.send(
            new UpdateAccessKeyCommand({
                UserName: target.userName,
                AccessKeyId: target.accessKeyId,
                Status: "Inactive",
            }),
        ),
    );
    return { status: "acted", details: [`${name} deactivated`] };
}

/** Contains the finding's credentials: the user's key, or every session of the role issued before `now`. */
export async function containCredentials(
    iam: IAMClient,
    target: Extract<Target, { action: "containCredentials" }>,
    options: { mode: Mode; now: Date },
    run: Run,
): Promise<ActionOutcome> {
    try {
        if (target.kind === "accessKey") return await deactivateKey(iam, target, options.mode, run);
        const what = `sessions of role ${target.roleName} issued before ${options.now.toISOString()}`;
        if (options.mode === "dry-run") return { status: "would act", details: [`${what} would be revoked`] };
        await run.call("iam:PutRolePolicy", () =>
            iam.send(
                new PutRolePolicyCommand({
                    RoleName: target.roleName,
                    PolicyName: REVOKE_POLICY_NAME,
                    PolicyDocument: JSON.stringify(revokeOlderSessionsPolicy(options.now)),
                }),
            ),
        );
        return { status: "acted", details: [`${what} revoked (inline policy ${REVOKE_POLICY_NAME})`] };
    } catch (error) {
        rethrowDeadline(error);
        // The user (with its keys) or the role was deleted: its credentials no longer work.
        if (isIamEntityGone(error)) {
            const who = target.kind === "accessKey" ? `user ${target.userName}` : `role ${target.roleName}`;
            return { status: "gone", details: [`${who} no longer exists: ${reasonOf(error)}`] };
        }
        return { status: "failed", details: [reasonOf(error)] };
    }
}

const ALL_BLOCKED = {
    BlockPublicAcls: true,
    IgnorePublicAcls: true,
    BlockPublicPolicy: true,
    RestrictPublicBuckets: true,
} as const;

/**
 * Turns on all four settings of each bucket's public access block (PutPublicAccessBlock "creates or modifies"
 * the whole configuration, so all four are sent). A bucket without one answers the error code
 * NoSuchPublicAccessBlockConfiguration (seen for bucket-level GetPublicAccessBlock in boto/boto3#3627; the
 * SDK models it for S3 Control only), which means nothing is blocked.
 */
export async function blockPublicBuckets(
    s3: S3Client,
    target: Extract<Target, { action: "blockPublicBucket" }>,
    options: { mode: Mode; accountId: string },
    run: Run,
): Promise<ActionOutcome> {
    const details: string[] = [];
    let failed = false;
    let changed = false;
    let gone = 0;
    for (const bucket of target.buckets) {
        try {
            let current: Partial<Record<keyof typeof ALL_BLOCKED, boolean>> = {};
            try {
                const got = await run.call("s3:GetPublicAccessBlock", () =>
                    s3.send(
                        new GetPublicAccessBlockCommand({
                            Bucket: bucket,
                            ExpectedBucketOwner: options.accountId,
                        }),
                    ),
                );
                current = got.PublicAccessBlockConfiguration ?? {};
            } catch (error) {
                if (!(error instanceof Error && error.name === "NoSuchPublicAccessBlockConfiguration"))
                    throw error;
            }
            const off = (Object.keys(ALL_BLOCKED) as (keyof typeof ALL_BLOCKED)[]).filter(
                (k) => current[k] !== true,
            );
            if (off.length === 0) {
                details.push(`${bucket}: public access already blocked`);
                continue;
            }
            changed = true;
            if (options.mode === "dry-run") {
                details.push(`${bucket}: would turn on ${off.join(", ")}`);
                continue;
            }
            await run.call("s3:PutPublicAccessBlock", () =>
                s3.send(
                    new PutPublicAccessBlockCommand({
                        Bucket: bucket,
                        // The bucket must still be the member's: never close someone else's bucket by name.
                        ExpectedBucketOwner: options.accountId,
                        PublicAccessBlockConfiguration: { ...ALL_BLOCKED },
                    }),
                ),
            );
            details.push(`${bucket}: turned on ${off.join(", ")}`);
        } catch (error) {
            rethrowDeadline(error);
            if (isBucketGone(error)) {
                gone++;
                details.push(`${bucket}: no longer exists`);
                continue;
            }
            failed = true;
            details.push(`${bucket}: ${reasonOf(error)}`);
        }
    }
    // The ladder gives every target at least one bucket.
    const allGone = gone === target.buckets.length;
    return { status: overallStatus(failed, changed, options.mode, allGone), details };
}
