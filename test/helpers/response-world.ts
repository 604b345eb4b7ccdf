import { DescribeNetworkAclsCommand, EC2Client, EC2ServiceException } from "@aws-sdk/client-ec2";
import {
    GetFindingsCommand,
    GuardDutyClient,
    ListDetectorsCommand,
    type Finding,
} from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import {
    ListObjectsV2Command,
    PutObjectCommand,
    S3Client,
    S3ServiceException,
    type GetObjectCommandOutput,
    type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient, type PublishCommandInput } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import type { QuarantineLedger } from "../../functions/response/isolate";
import type { Block, BlockLedger } from "../../functions/response/network";
import type { RecordStore } from "../../functions/response/records";
import type { FindingDetail } from "../../functions/response/ladder";
import {
    decisionMessage,
    respondToFinding,
    type DecisionRecord,
    type FindingEvent,
    type ResponderDependencies,
    type ResponderSettings,
} from "../../functions/response/respond";
import type { Run } from "../../functions/shared/run";
import { PUBLIC_IP, SUBNET_ID, ladderSettings, type Json } from "./response";

/*
 * The responder's world for its run tests: the security account's S3 and SNS and a member's EC2, IAM and S3,
 * as fresh aws-sdk-client-mock instance mocks per test (instance mocks only: the suite runs every file in one
 * process, and class and instance mocks of one client cannot be mixed), answering in the SDK's shapes.
 */

export const BUCKET = "findings-222222222222-eu-west-1";
export const KEY = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
export const TOPIC = "arn:aws:sns:eu-west-1:222222222222:security-findings";
export const ACL = "acl-0123456789abcdef0";
export const NOW = new Date("2026-12-01T10:00:00.000Z");
export const STORE: RecordStore = { bucket: BUCKET, prefix: "responses/", kmsKeyArn: KEY };
/** The real-shaped fixture's subnet (test/helpers/response.ts). */
export const SUBNET = SUBNET_ID;
export const ROLE = "security-governance-responder";

export function s3Error(name: string, status?: number): S3ServiceException {
    return new S3ServiceException({
        name,
        $fault: "client",
        message: name,
        $metadata: status === undefined ? {} : { httpStatusCode: status },
    });
}

export function ec2Error(name: string): EC2ServiceException {
    return new EC2ServiceException({ name, $fault: "client", message: name, $metadata: {} });
}

/** The message of the deadline refusing the call `scope` (functions/shared/run.ts). */
export function refused(scope: string) {
    return {
        name: "DeadlineReached",
        message: `stopped before the time limit, before ${scope}; the next run resumes`,
    };
}

export function responderSettings(remediation: Json = {}): ResponderSettings {
    const ladder = ladderSettings(remediation);
    return {
        remediation: ladder.remediation,
        neverTouch: ladder.neverTouch,
        memberRoleName: ROLE,
        records: { ...STORE },
        topicArn: TOPIC,
    };
}

/** Fresh instance mocks per test: the security account's S3 and SNS, and the member's EC2, IAM and S3. */
export function world(options: { ous?: () => Promise<string[]> } = {}) {
    const s3 = new S3Client({ region: "eu-west-1" });
    const sns = new SNSClient({ region: "eu-west-1" });
    const ec2 = new EC2Client({ region: "us-east-1" });
    const iam = new IAMClient({ region: "us-east-1" });
    const memberS3 = new S3Client({ region: "us-east-1" });
    const guardduty = new GuardDutyClient({ region: "us-east-1" });
    const mocks = {
        guardduty: mockClient(guardduty),
        s3: mockClient(s3),
        sns: mockClient(sns),
        ec2: mockClient(ec2),
        iam: mockClient(iam),
        memberS3: mockClient(memberS3),
    };
    // No done/ record yet: the role finds one by listing its key (functions/shared/s3-objects.ts).
    mocks.s3.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });
    mocks.s3.on(PutObjectCommand).resolves({});
    mocks.sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    // The administrator's GuardDuty: one detector, and the findings a test says it holds.
    const held = new Map<string, Finding>();
    mocks.guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
    mocks.guardduty.on(GetFindingsCommand).callsFake((input: { FindingIds?: string[] }) => ({
        Findings: (input.FindingIds ?? []).flatMap((id) => {
            const finding = held.get(id);
            return finding === undefined ? [] : [finding];
        }),
    }));
    const guarddutyRegions: string[] = [];
    const members: [string, string][] = [];
    const ousAsked: string[] = [];
    const deps: ResponderDependencies = {
        s3,
        sns,
        guardduty(region) {
            guarddutyRegions.push(region);
            return guardduty;
        },
        member(accountId, region) {
            members.push([accountId, region]);
            return { ec2, iam, s3: memberS3 };
        },
        async accountOus(accountId) {
            ousAsked.push(accountId);
            return (options.ous ?? (async () => []))();
        },
        now: () => NOW,
    };
    const puts = () =>
        mocks.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input as PutObjectCommandInput);
    const doneLookups = () => mocks.s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    const published = () =>
        mocks.sns.commandCalls(PublishCommand).map((c) => c.args[0].input as PublishCommandInput);
    /** The administrator's GuardDuty holds this finding (in the wire format the event carries). */
    const hold = (detail: FindingDetail | Record<string, unknown>) => {
        const finding = asSdkFinding(detail);
        if (finding.Id !== undefined) held.set(finding.Id, finding);
    };
    return { deps, mocks, members, ousAsked, puts, doneLookups, published, hold, guarddutyRegions };
}

export const DETECTOR = "12abc34d567e8fa901bc2d34e56789f0";

/**
 * A finding as the SDK returns it from GetFindings: the wire format's camelCase members in PascalCase, and
 * `service.additionalInfo` as the SDK models it, { Value: the JSON document, Type } (ServiceAdditionalInfo).
 */
export function asSdkFinding(detail: unknown): Finding {
    const convert = (value: unknown, key?: string): unknown => {
        if (key === "additionalInfo") return { Value: JSON.stringify(value), Type: "default" };
        if (Array.isArray(value)) return value.map((v) => convert(v));
        if (typeof value !== "object" || value === null) return value;
        return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), convert(v, k)]),
        );
    };
    return convert(structuredClone(detail)) as Finding;
}

/** The responder's run on an event whose finding the administrator's GuardDuty holds as the event says. */
export function respondHeld(
    w: ReturnType<typeof world>,
    event: FindingEvent,
    settings: ResponderSettings,
    run: Run,
): Promise<DecisionRecord[]> {
    if (event.detail !== undefined) w.hold(event.detail);
    return respondToFinding(event, settings, w.deps, run);
}

/** The listing a done/ record is looked for with: its whole key as the prefix, one entry. */
export function doneLookupOf(key: string) {
    return { Bucket: BUCKET, Prefix: `responses/${key}`, MaxKeys: 1 };
}

/** The PutObject a record is written with: pretty JSON, SSE-KMS with the findings key. */
export function putOf(key: string, body: unknown, onlyIfAbsent = false): PutObjectCommandInput {
    return {
        Bucket: BUCKET,
        Key: `responses/${key}`,
        Body: JSON.stringify(body, null, 2),
        ContentType: "application/json",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: KEY,
        ...(onlyIfAbsent ? { IfNoneMatch: "*" } : {}),
    };
}

/** The topic message of a record, as it must be published. */
export function publishOf(record: DecisionRecord): PublishCommandInput {
    const { subject, message } = decisionMessage(record, STORE);
    return { TopicArn: TOPIC, Subject: subject, Message: message };
}

/** The part of a GetObject body stream the responder reads (the SDK's `transformToString`). */
export function textBody(text: string): GetObjectCommandOutput["Body"] {
    return { transformToString: async () => text } as unknown as GetObjectCommandOutput["Body"];
}

/** The finding's subnet's ACL, with the usual allow-all rules at 100 and `extra`. */
export function subnetAcl(
    w: ReturnType<typeof world>,
    extra: { RuleNumber: number; Egress: boolean }[] = [],
) {
    w.mocks.ec2.on(DescribeNetworkAclsCommand).resolves({
        NetworkAcls: [
            {
                NetworkAclId: ACL,
                Entries: [
                    ...[false, true].map((Egress) => ({
                        RuleNumber: 100,
                        Egress,
                        RuleAction: "allow" as const,
                        CidrBlock: "0.0.0.0/0",
                        Protocol: "-1",
                    })),
                    ...extra.map((e) => ({
                        ...e,
                        RuleAction: "deny" as const,
                        CidrBlock: `${PUBLIC_IP}/32`,
                        Protocol: "-1",
                    })),
                ],
            },
        ],
    });
}

/** Collects console.log lines while `fn` runs. */

/**
 * A ledger of the responder's blocks in memory: `own` are the entries its records name; `claimedElsewhere` the
 * rule numbers another run's records hold (a claim of them is refused).
 */
export function memoryLedger(own: Block[] = [], claimedElsewhere: number[] = []) {
    const kept: Block[] = [];
    const claimed: Block[] = [];
    const attempted: Block[] = [];
    const forgotten: Block[] = [];
    const same = (a: Block, b: Block) =>
        a.networkAclId === b.networkAclId &&
        a.ruleNumber === b.ruleNumber &&
        a.egress === b.egress &&
        a.cidr === b.cidr;
    const ledger: BlockLedger = {
        isOwn: async (block) => own.some((o) => same(o, block)),
        claim: async (block) => {
            attempted.push(block);
            if (claimedElsewhere.includes(block.ruleNumber)) return false;
            claimed.push(block);
            return true;
        },
        keep: async (block) => {
            kept.push(block);
        },
        forget: async (block) => {
            forgotten.push(block);
        },
    };
    return { ledger, kept, claimed, attempted, forgotten };
}

/** Options for blockRemoteAddresses with a fresh memory ledger. */
export function blockOptions(mode: "act" | "dry-run", own: Block[] = []) {
    return { mode, ledger: memoryLedger(own).ledger };
}

/** A quarantine ledger in memory, by VPC. */
export function memoryQuarantine(recorded: Record<string, string> = {}) {
    const records: [string, string][] = [];
    const ledger: QuarantineLedger = {
        recorded: async (vpcId) => recorded[vpcId],
        record: async (vpcId, groupId) => {
            records.push([vpcId, groupId]);
            return true;
        },
    };
    return { ledger, records };
}
