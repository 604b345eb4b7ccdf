/*
 * The answers that say the thing an action or a lift works on no longer exists, so there is nothing left to
 * do: a deleted network ACL, entry, instance, network interface, IAM user, key or role, or bucket. Each is
 * settled ("gone") instead of failing, since retrying it would fail the same way on every later event or sweep.
 *
 * EC2's error codes are not modelled in the SDK, which names such an error by its code; the codes are those of
 * the EC2 API reference ("Error codes for the Amazon EC2 API", client errors). IAM's is modelled as
 * NoSuchEntityException (wire code NoSuchEntity, HTTP 404; IAM API reference, e.g. UpdateAccessKey and
 * PutRolePolicy errors). S3's is NoSuchBucket ("The specified bucket does not exist", S3 API reference, Error
 * codes). Checked by name, not by class, so the check holds in a bundle that carries its own copy of a client.
 */
export const EC2_GONE = {
    networkAcl: "InvalidNetworkAclID.NotFound",
    networkAclEntry: "InvalidNetworkAclEntry.NotFound",
    instance: "InvalidInstanceID.NotFound",
    networkInterface: "InvalidNetworkInterfaceID.NotFound",
    securityGroup: "InvalidGroup.NotFound",
} as const;

const nameOf = (error: unknown) => (error instanceof Error ? error.name : undefined);

export function isEc2Gone(error: unknown, what: keyof typeof EC2_GONE): boolean {
    return nameOf(error) === EC2_GONE[what];
}

export function isIamEntityGone(error: unknown): boolean {
    return nameOf(error) === "NoSuchEntityException";
}

export function isBucketGone(error: unknown): boolean {
    return nameOf(error) === "NoSuchBucket";
}
