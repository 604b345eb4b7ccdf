/**
 * The AWS the responder's burst benchmark (tools/bench-responder.ts) runs against: the security account's S3,
 * SNS, GuardDuty and Organizations, and each member account's EC2 (network ACLs, instances, security groups),
 * answered in the SDK's shapes through aws-sdk-client-mock instance mocks of the very clients the responder's
 * own wiring (functions/response/aws.ts) makes. Every call costs a latency on the virtual clock and takes a
 * token of its request-rate bucket; an empty bucket answers the service's throttling error.
 */
import { EC2ServiceException } from "@aws-sdk/client-ec2";
import {
    GetFindingsCommand,
    ListDetectorsCommand,
    type Finding,
    type GuardDutyClient,
} from "@aws-sdk/client-guardduty";
import { ListParentsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { cachedAccountOus } from "../functions/response/aws";
import {
    DeleteObjectCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    PutObjectCommand,
    S3ServiceException,
    type S3Client,
} from "@aws-sdk/client-s3";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { organizationalUnitsOf } from "../functions/response/organization";
import type { MemberClients, ResponderDependencies } from "../functions/response/respond";
import { TokenBuckets, type Rate, type VirtualTime } from "./bench-sim";
import { mockMemberEc2, type Ec2World } from "./bench-responder-ec2";

/**
 * Request rates. EC2: per account and Region, per API action ("each API is evaluated individually"), in the
 * token bucket sizes and refill rates of the EC2 API reference, "Request throttling for the Amazon EC2 API"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/throttling.html). S3: 3,500 PUT/COPY/POST/DELETE and
 * 5,500 GET/HEAD requests per second per partitioned prefix (S3 user guide, optimizing-performance.html); the
 * records share one prefix, responses/, and a listing is counted as a GET. The rest AWS does not publish as
 * numbers for these calls: assumed, conservatively, and printed as assumptions.
 */
export const RESPONDER_RATES: Record<string, Rate> = {
    "ec2 non-mutating (Describe*), per action": { perSecond: 20, burst: 100, documented: true },
    "ec2 mutating, per action": { perSecond: 5, burst: 50, documented: true },
    "ec2:CreateTags": { perSecond: 10, burst: 100, documented: true },
    "s3 PUT/DELETE per prefix": { perSecond: 3_500, burst: 3_500, documented: true },
    "s3 GET/LIST per prefix": { perSecond: 5_500, burst: 5_500, documented: true },
    "sts:AssumeRole": { perSecond: 50, burst: 100, documented: false },
    "guardduty:ListDetectors": { perSecond: 10, burst: 20, documented: false },
    "guardduty:GetFindings": { perSecond: 10, burst: 20, documented: false },
    "sns:Publish": { perSecond: 300, burst: 300, documented: false },
    "organizations:ListParents": { perSecond: 5, burst: 10, documented: false },
};

/** The rate bucket of an API, by the classes above. */
export function rateClass(api: string): string {
    if (api === "ec2:CreateTags") return api;
    if (api.startsWith("ec2:Describe")) return "ec2 non-mutating (Describe*), per action";
    if (api.startsWith("ec2:")) return "ec2 mutating, per action";
    if (api === "s3:PutObject" || api === "s3:DeleteObject") return "s3 PUT/DELETE per prefix";
    if (api.startsWith("s3:")) return "s3 GET/LIST per prefix";
    return api;
}

/**
 * Time one call takes, assumed: a plausible round trip from a Lambda function in the home region, the service's
 * work included (SSE-KMS on S3 writes, an encrypted topic for SNS). Calls to another Region's endpoint add
 * CROSS_REGION_MS. A throttled call costs its latency too.
 */
export const LATENCY_MS: Record<string, number> = {
    "s3:PutObject": 60,
    "s3:GetObject": 30,
    "s3:ListObjectsV2": 40,
    "s3:DeleteObject": 30,
    "sns:Publish": 50,
    "sts:AssumeRole": 150,
    "guardduty:ListDetectors": 80,
    "guardduty:GetFindings": 150,
    "organizations:ListParents": 100,
    "ec2:Describe*": 150,
    "ec2:CreateSnapshots": 500,
    "ec2:CreateTags": 150,
    "ec2 other changes": 250,
};
export const CROSS_REGION_MS = 70;

function latencyOf(api: string): number {
    if (api in LATENCY_MS) return LATENCY_MS[api];
    if (api.startsWith("ec2:Describe")) return LATENCY_MS["ec2:Describe*"];
    return LATENCY_MS["ec2 other changes"];
}

/** An execution environment: a timed-out invocation's environment is discarded, and its calls fail. */
export interface Caller {
    killed: boolean;
}

/** The throttling error of a service, as the SDK names it (so the run's retry sees throttling). */
function throttlingError(api: string): Error {
    if (api.startsWith("ec2:"))
        return new EC2ServiceException({
            name: "RequestLimitExceeded",
            $fault: "client",
            message: "Request limit exceeded.",
            $metadata: { httpStatusCode: 503 },
        });
    if (api.startsWith("s3:")) return s3Error("SlowDown", 503);
    return Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
    });
}

export function s3Error(name: string, status: number): S3ServiceException {
    return new S3ServiceException({
        name,
        $fault: "client",
        message: name,
        $metadata: { httpStatusCode: status },
    });
}

/** Sorted keys and their texts: a listing is a binary search, not a scan of every record. */
class Objects {
    readonly texts = new Map<string, string>();
    private readonly keys: string[] = [];

    private lowerBound(key: string): number {
        let lo = 0;
        let hi = this.keys.length;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (this.keys[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    put(key: string, text: string): void {
        if (!this.texts.has(key)) this.keys.splice(this.lowerBound(key), 0, key);
        this.texts.set(key, text);
    }

    delete(key: string): void {
        if (!this.texts.delete(key)) return;
        this.keys.splice(this.lowerBound(key), 1);
    }

    /** Keys beginning with `prefix` after `after`, in order (ASCII keys: UTF-8 order is string order). */
    list(prefix: string, after: string | undefined, max: number): { keys: string[]; truncated: boolean } {
        const keys: string[] = [];
        const from = after === undefined ? prefix : after > prefix ? after + "\u0000" : prefix;
        for (let i = this.lowerBound(from); i < this.keys.length && this.keys[i].startsWith(prefix); i++) {
            if (keys.length === max) return { keys, truncated: true };
            keys.push(this.keys[i]);
        }
        return { keys, truncated: false };
    }
}

export interface SimulatedAwsOptions {
    homeRegion: string;
    bucket: string;
    /** The virtual clock's 0, as a date: what `deps.now()` reads. */
    epochMs: number;
    /** The OU each member account sits in, directly under the root. */
    accountOu: (accountId: string) => string;
}

/** The services' state, shared by every execution environment, and the counts of calls and throttles. */
export class SimulatedAws {
    readonly calls = new Map<string, number>();
    readonly throttled = new Map<string, number>();
    readonly objects = new Objects();
    readonly published: { subject?: string; message?: string }[] = [];
    /** The administrator's findings, by region and ID, in the SDK's shape. */
    readonly findings = new Map<string, Map<string, Finding>>();
    readonly ec2 = new Map<string, Ec2World>();
    private readonly buckets: TokenBuckets;
    private readonly assumed = new WeakMap<object, Promise<void>>();

    constructor(
        readonly time: VirtualTime,
        readonly options: SimulatedAwsOptions,
    ) {
        this.buckets = new TokenBuckets(time);
    }

    ec2World(accountId: string, region: string): Ec2World {
        const world = this.ec2.get(`${accountId}/${region}`);
        if (world === undefined) throw new Error(`no simulated EC2 in ${accountId}/${region}`);
        return world;
    }

    /**
     * One call: counted, a token taken from its bucket (`scope` names whose bucket: an account and region, a
     * prefix), its latency waited, then answered or throttled. The answer is computed when the call returns.
     */
    async serve<T>(caller: Caller, api: string, scope: string, region: string, answer: () => T): Promise<T> {
        if (caller.killed) throw killed();
        this.calls.set(api, (this.calls.get(api) ?? 0) + 1);
        const bucket = rateClass(api);
        const key = bucket.endsWith("per action") ? `${api}@${scope}` : `${bucket}@${scope}`;
        const allowed = this.buckets.take(key, RESPONDER_RATES[bucket]);
        await this.time.sleep(latencyOf(api) + (region === this.options.homeRegion ? 0 : CROSS_REGION_MS));
        if (caller.killed) throw killed();
        if (!allowed) {
            this.throttled.set(api, (this.throttled.get(api) ?? 0) + 1);
            throw throttlingError(api);
        }
        return answer();
    }

    /**
     * The member role's credentials of one client, as the SDK resolves them: before the client's first request,
     * once per client (@smithy/core memoizeIdentityProvider), by the provider functions/response/aws.ts gives
     * it: fromTemporaryCredentials, which calls STS AssumeRole every time it is asked and keeps nothing. STS's
     * client retries a throttled AssumeRole itself (the SDK's standard mode, 3 attempts).
     */
    async credentials(client: object, caller: Caller): Promise<void> {
        let pending = this.assumed.get(client);
        if (pending === undefined) {
            pending = (async () => {
                for (let attempt = 1; ; attempt++) {
                    try {
                        await this.serve(
                            caller,
                            "sts:AssumeRole",
                            "security",
                            this.options.homeRegion,
                            () => 0,
                        );
                        return;
                    } catch (error) {
                        if (attempt === 3 || (error as Error).name !== "ThrottlingException") throw error;
                        await this.time.sleep(100 * 2 ** attempt);
                    }
                }
            })();
            this.assumed.set(client, pending);
            pending.catch(() => this.assumed.delete(client));
        }
        return pending;
    }

    /**
     * The responder's dependencies with every client answered here: `real` is what awsResponderDependencies
     * makes (one set per execution environment, as the handler keeps it), so its clients, their reuse and their
     * credentials are the deployed function's. `now` reads the virtual clock.
     */
    wire(real: ResponderDependencies, caller: Caller): ResponderDependencies {
        const mocked = new WeakSet<object>();
        const once = <T extends object>(client: T, mock: (client: T) => void): T => {
            if (!mocked.has(client)) {
                mocked.add(client);
                mock(client);
            }
            return client;
        };
        const home = this.options.homeRegion;
        const organizations = new OrganizationsClient({ region: home });
        mockClient(organizations)
            .on(ListParentsCommand)
            .callsFake((input: { ChildId?: string }) =>
                this.serve(caller, "organizations:ListParents", "organization", home, () => {
                    const child = String(input.ChildId);
                    const parent = child.startsWith("ou-")
                        ? { Id: "r-sim0", Type: "ROOT" }
                        : { Id: this.options.accountOu(child), Type: "ORGANIZATIONAL_UNIT" };
                    return { Parents: [parent] };
                }),
            );
        return {
            s3: once(real.s3, (c) => this.mockRecords(c, caller)),
            sns: once(real.sns, (c) => this.mockTopic(c, caller)),
            guardduty: (region) => once(real.guardduty(region), (c) => this.mockGuardDuty(c, region, caller)),
            member: (accountId, region): MemberClients => {
                const clients = real.member(accountId, region);
                once(clients.ec2, (c) => mockMemberEc2(this, c, accountId, region, caller));
                // The member's IAM and S3 are not simulated: this workload has no credential or bucket findings.
                return clients;
            },
            // The deployed cache of an account's OUs, on the virtual clock: one per execution environment.
            accountOus: cachedAccountOus(
                (accountId, run) => organizationalUnitsOf(organizations, accountId, run),
                () => this.options.epochMs + this.time.now,
            ),
            now: () => new Date(this.options.epochMs + this.time.now),
        };
    }

    /** The findings bucket: the records under one prefix, conditional writes as S3 answers them. */
    private mockRecords(client: S3Client, caller: Caller): void {
        const { bucket, homeRegion } = this.options;
        const scope = `${bucket}/responses/`;
        const check = (name: string | undefined) => {
            if (name !== bucket) throw s3Error("NoSuchBucket", 404);
        };
        const mock = mockClient(client);
        mock.on(PutObjectCommand).callsFake(
            (input: { Bucket?: string; Key?: string; Body?: unknown; IfNoneMatch?: string }) =>
                this.serve(caller, "s3:PutObject", scope, homeRegion, () => {
                    check(input.Bucket);
                    const key = String(input.Key);
                    // A conditional write on an existing key: 412 Precondition Failed (PutObject, If-None-Match).
                    if (input.IfNoneMatch === "*" && this.objects.texts.has(key))
                        throw s3Error("PreconditionFailed", 412);
                    this.objects.put(key, String(input.Body));
                    return { ETag: `"${this.objects.texts.size}"` };
                }),
        );
        mock.on(GetObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) =>
            this.serve(caller, "s3:GetObject", scope, homeRegion, () => {
                check(input.Bucket);
                const text = this.objects.texts.get(String(input.Key));
                if (text === undefined) throw s3Error("NoSuchKey", 404);
                return { Body: { transformToString: async () => text } };
            }),
        );
        mock.on(ListObjectsV2Command).callsFake(
            (input: { Bucket?: string; Prefix?: string; MaxKeys?: number; ContinuationToken?: string }) =>
                this.serve(caller, "s3:ListObjectsV2", scope, homeRegion, () => {
                    check(input.Bucket);
                    const page = this.objects.list(
                        input.Prefix ?? "",
                        input.ContinuationToken,
                        input.MaxKeys ?? 1000,
                    );
                    const last = page.keys[page.keys.length - 1];
                    return {
                        Contents: page.keys.map((Key) => ({ Key })),
                        KeyCount: page.keys.length,
                        IsTruncated: page.truncated,
                        ...(page.truncated ? { NextContinuationToken: last } : {}),
                    };
                }),
        );
        mock.on(DeleteObjectCommand).callsFake((input: { Bucket?: string; Key?: string }) =>
            this.serve(caller, "s3:DeleteObject", scope, homeRegion, () => {
                check(input.Bucket);
                this.objects.delete(String(input.Key));
                return {};
            }),
        );
    }

    private mockTopic(client: SNSClient, caller: Caller): void {
        const region = this.options.homeRegion;
        mockClient(client)
            .on(PublishCommand)
            .callsFake((input: { Subject?: string; Message?: string }) =>
                this.serve(caller, "sns:Publish", region, region, () => {
                    this.published.push({ subject: input.Subject, message: input.Message });
                    return { MessageId: `m-${this.published.length}` };
                }),
            );
    }

    /** The administrator's detector in a region, holding every finding the workload raised there. */
    private mockGuardDuty(client: GuardDutyClient, region: string, caller: Caller): void {
        const detector = `d${region.replace(/-/g, "")}`.padEnd(32, "0");
        const mock = mockClient(client);
        mock.on(ListDetectorsCommand).callsFake(() =>
            this.serve(caller, "guardduty:ListDetectors", region, region, () => ({
                DetectorIds: [detector],
            })),
        );
        mock.on(GetFindingsCommand).callsFake((input: { DetectorId?: string; FindingIds?: string[] }) =>
            this.serve(caller, "guardduty:GetFindings", region, region, () => {
                if (input.DetectorId !== detector)
                    throw Object.assign(
                        new Error(
                            "The request is rejected because the input detectorId is not owned by the current account.",
                        ),
                        { name: "BadRequestException", $metadata: { httpStatusCode: 400 } },
                    );
                const held = this.findings.get(region) ?? new Map<string, Finding>();
                return {
                    Findings: (input.FindingIds ?? [])
                        .map((id) => held.get(id))
                        .filter((f): f is Finding => f !== undefined)
                        .map((f) => structuredClone(f)),
                };
            }),
        );
    }
}

function killed(): Error {
    return Object.assign(new Error("the invocation timed out and its environment was discarded"), {
        name: "InvocationKilled",
    });
}
