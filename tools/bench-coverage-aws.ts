/**
 * The AWS the coverage benchmark (tools/bench-coverage.ts) runs against: Organizations, GuardDuty, Security Hub,
 * Macie, Detective and Inspector in every governed region, and the security account's S3, CloudWatch and SNS.
 * Every client the function's own wiring makes (functions/coverage/handler.ts) is answered through
 * aws-sdk-client-mock class mocks in the SDK's shapes; each call costs a latency on the virtual clock and takes a
 * token of its API's request-rate bucket; an empty bucket answers the service's own throttling exception, which
 * the run's retry (the SDK's retry strategy, functions/shared/run.ts) classifies as throttling.
 *
 * The organization is computed, not stored: account i's status in each service and region follows from i, so
 * the simulated services hold next to nothing and the heap measured is the function's.
 */
import { CloudWatchClient, CloudWatchServiceException } from "@aws-sdk/client-cloudwatch";
import { DetectiveClient, TooManyRequestsException as DetectiveThrottled } from "@aws-sdk/client-detective";
import { GuardDutyClient, GuardDutyServiceException } from "@aws-sdk/client-guardduty";
import { Inspector2Client, ThrottlingException as InspectorThrottled } from "@aws-sdk/client-inspector2";
import { Macie2Client, ThrottlingException as MacieThrottled } from "@aws-sdk/client-macie2";
import {
    OrganizationsClient,
    TooManyRequestsException as OrganizationsThrottled,
} from "@aws-sdk/client-organizations";
import { S3Client } from "@aws-sdk/client-s3";
import { SecurityHubClient, ThrottlingException as SecurityHubThrottled } from "@aws-sdk/client-securityhub";
import { SNSClient, ThrottledException as SnsThrottled } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { s3Error } from "./bench-responder-aws";
import { TokenBuckets, type Rate, type VirtualTime } from "./bench-sim";
import {
    answerMembers,
    answerOrganizations,
    answerSecurityHub,
    answerStorage,
} from "./bench-coverage-answers";
import type { CoverageWorld } from "./bench-coverage-world";

/**
 * Request rates per API, per account and Region (Organizations: per account, global).
 * - Security Hub documents them in its API reference's introduction (and @aws-sdk/client-securityhub's README):
 *   "GetFindings - RateLimit of 3 requests per second. BurstLimit of 6 requests per second" and "All other
 *   operations - RateLimit of 10 requests per second. BurstLimit of 30 requests per second".
 * - Organizations: "ListAccounts | 8, 12" (rate, burst; Organizations user guide, orgs_reference_limits.html,
 *   throttling limits), as tools/bench-functions.ts. ListAccountsForParent and ListOrganizationalUnitsForParent
 *   are assumed at the same rate (not confirmed here).
 * - S3: 3,500 PUT and 5,500 GET/LIST requests per second per partitioned prefix (S3 user guide,
 *   optimizing-performance.html); each row is a prefix of its own.
 * - GuardDuty, Macie, Detective and Inspector publish no request rate for these calls (guardduty_limits.html,
 *   macie-quotas.html, Detective regions-limitations.html, the Inspector quotas page): assumed, conservatively,
 *   at 5 a second with a burst of 10, as the enrollment benchmark assumes for Macie and Detective.
 * - CloudWatch PutMetricData and SNS Publish: assumed (one call or none per run; never the bottleneck).
 */
export const COVERAGE_RATES: Record<string, Rate> = {
    "organizations:ListAccounts": { perSecond: 8, burst: 12, documented: true },
    "organizations:ListAccountsForParent": { perSecond: 8, burst: 12, documented: false },
    "organizations:ListOrganizationalUnitsForParent": { perSecond: 8, burst: 12, documented: false },
    "guardduty:ListDetectors": { perSecond: 5, burst: 10, documented: false },
    "guardduty:ListMembers": { perSecond: 5, burst: 10, documented: false },
    "guardduty:GetMemberDetectors": { perSecond: 5, burst: 10, documented: false },
    "securityhub:GetFindings": { perSecond: 3, burst: 6, documented: true },
    "securityhub:ListMembers": { perSecond: 10, burst: 30, documented: true },
    "securityhub:ListConfigurationPolicies": { perSecond: 10, burst: 30, documented: true },
    "securityhub:ListConfigurationPolicyAssociations": { perSecond: 10, burst: 30, documented: true },
    "macie2:ListMembers": { perSecond: 5, burst: 10, documented: false },
    "detective:ListGraphs": { perSecond: 5, burst: 10, documented: false },
    "detective:ListMembers": { perSecond: 5, burst: 10, documented: false },
    "inspector2:BatchGetAccountStatus": { perSecond: 5, burst: 10, documented: false },
    "s3:PutObject": { perSecond: 3_500, burst: 3_500, documented: true },
    "s3:GetObject": { perSecond: 5_500, burst: 5_500, documented: true },
    "s3:ListObjectsV2": { perSecond: 5_500, burst: 5_500, documented: true },
    "cloudwatch:PutMetricData": { perSecond: 50, burst: 100, documented: false },
    "sns:Publish": { perSecond: 300, burst: 300, documented: false },
};

/**
 * Time one call takes, assumed: a round trip from the function in the home region with the service's work, a
 * page of members or a batch of statuses being more work than a single lookup; GetFindings is Security Hub's
 * slowest read. Calls to another Region's endpoint add CROSS_REGION_MS; S3 adds BODY_MS_PER_MB for the body it
 * moves. A throttled call costs its latency too.
 */
export const COVERAGE_LATENCY_MS: Record<string, number> = {
    organizations: 100,
    "guardduty:ListDetectors": 60,
    "guardduty:ListMembers": 100,
    "guardduty:GetMemberDetectors": 150,
    "securityhub:GetFindings": 250,
    securityhub: 100,
    macie2: 100,
    detective: 100,
    "inspector2:BatchGetAccountStatus": 150,
    "s3:PutObject": 60,
    "s3:GetObject": 30,
    "s3:ListObjectsV2": 40,
    "cloudwatch:PutMetricData": 50,
    "sns:Publish": 50,
};
export const CROSS_REGION_MS = 70;
export const BODY_MS_PER_MB = 10;

function latencyOf(api: string): number {
    return COVERAGE_LATENCY_MS[api] ?? COVERAGE_LATENCY_MS[api.split(":")[0]] ?? 100;
}

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

/**
 * Each service's throttling answer as its SDK deserializes it: the modeled exception where the model has one
 * (HTTP status from the model), else the service exception with the code AWS answers. GuardDuty's model has no
 * throttling exception; it is assumed to answer HTTP 429 TooManyRequestsException. CloudWatch answers
 * "Throttling", HTTP 400 (re:Post knowledge center, cloudwatch-400-error-throttling).
 */
function throttlingError(api: string): Error {
    const message = "Rate exceeded";
    switch (api.split(":")[0]) {
        case "organizations":
            return new OrganizationsThrottled({ message, ...metadata(400) });
        case "guardduty":
            return new GuardDutyServiceException({
                name: "TooManyRequestsException",
                $fault: "client",
                message,
                ...metadata(429),
            });
        case "securityhub":
            return new SecurityHubThrottled({ message, ...metadata(429) });
        case "macie2":
            return new MacieThrottled({ message, ...metadata(429) });
        case "detective":
            return new DetectiveThrottled({ message, ...metadata(429) });
        case "inspector2":
            return new InspectorThrottled({ message, ...metadata(429) });
        case "s3":
            return s3Error("SlowDown", 503);
        case "cloudwatch":
            return new CloudWatchServiceException({
                name: "Throttling",
                $fault: "client",
                message,
                ...metadata(400),
            });
        default:
            return new SnsThrottled({ message, ...metadata(429) });
    }
}

/** What the simulated services counted. */
export interface Counters {
    calls: number;
    throttled: number;
    /** Calls per API, throttled ones included. */
    byApi: Map<string, number>;
}

/**
 * Answers every call of the coverage function's clients, between `install` and `restore`. Each call waits its
 * latency, then is throttled (its bucket empty) or answered.
 */
export class SimulatedAws {
    readonly counters: Counters = { calls: 0, throttled: 0, byApi: new Map() };
    /** The bucket's latest.json texts; dated copies are counted only. */
    readonly objects = new Map<string, string>();
    datedCopies = 0;
    /** Told of every object written, with the virtual time the write ended. */
    onPut?: (key: string, at: number) => void;
    private readonly buckets: TokenBuckets;
    private readonly mocks: ReturnType<typeof mockClient>[] = [];

    constructor(
        private readonly time: VirtualTime,
        readonly world: CoverageWorld,
    ) {
        this.buckets = new TokenBuckets(time);
    }

    /**
     * One call of `api` from the home region to `region`'s endpoint ("global": Organizations), drawing on the
     * rate bucket `bucket` (the region, or an S3 prefix); `bodyBytes` the size of what it uploads or downloads.
     */
    async call<T>(api: string, region: string, bucket: string, answer: () => T, bodyBytes = 0): Promise<T> {
        const counters = this.counters;
        counters.calls++;
        counters.byApi.set(api, (counters.byApi.get(api) ?? 0) + 1);
        const allowed = this.buckets.take(`${api}@${bucket}`, COVERAGE_RATES[api]);
        const far = region === this.world.homeRegion || region === "global" ? 0 : CROSS_REGION_MS;
        await this.time.sleep(latencyOf(api) + far + (bodyBytes / 1024 / 1024) * BODY_MS_PER_MB);
        // sinon keeps every call's arguments and result: dropped as the run goes (never inside a call, which sinon
        // refuses), or they would be counted as the function's memory.
        if (counters.calls % 256 === 0) this.resetHistory();
        if (!allowed) {
            counters.throttled++;
            throw throttlingError(api);
        }
        return answer();
    }

    /** Keeps a written object: a latest.json's text, a dated copy's count. */
    stored(key: string, text: string): void {
        if (key.endsWith("/latest.json")) this.objects.set(key, text);
        else this.datedCopies++;
        this.onPut?.(key, this.time.now);
    }

    /** Mocks every client class the coverage function makes (class mocks: the instances it makes itself). */
    install(): void {
        const organizations = mockClient(OrganizationsClient);
        const guardduty = mockClient(GuardDutyClient);
        const securityhub = mockClient(SecurityHubClient);
        const macie = mockClient(Macie2Client);
        const detective = mockClient(DetectiveClient);
        const inspector = mockClient(Inspector2Client);
        const s3 = mockClient(S3Client);
        const cloudwatch = mockClient(CloudWatchClient);
        const sns = mockClient(SNSClient);
        this.mocks.push(
            organizations,
            guardduty,
            securityhub,
            macie,
            detective,
            inspector,
            s3,
            cloudwatch,
            sns,
        );
        answerOrganizations(this, organizations);
        answerMembers(this, { guardduty, macie, detective, inspector });
        answerSecurityHub(this, securityhub);
        answerStorage(this, { s3, cloudwatch, sns });
    }

    /** Drops the mocks' call history, between runs. */
    resetHistory(): void {
        for (const mock of this.mocks) mock.resetHistory();
    }

    restore(): void {
        for (const mock of this.mocks) mock.restore();
        this.mocks.length = 0;
    }
}
