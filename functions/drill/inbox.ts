import {
    DeleteMessageCommand,
    ReceiveMessageCommand,
    type Message,
    type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Run } from "../shared/run";

/*
 * The drill's inbox: an SQS queue subscribed to the alert topic, so it receives a copy of every alert e-mail. The
 * drill looks there for the copy of its own sample's e-mail; every other copy (real alerts, the responder's
 * notes, earlier drills) is deleted as it is read: the e-mails themselves went out through the topic.
 */

/**
 * The first words of the e-mail of a sample finding (components/notifications.ts, ALERT_INPUT_TEMPLATES.sample):
 * kept here, apart from Pulumi, so that the function's bundle and the rule's template share one text.
 */
export const SAMPLE_HEADLINE_PREFIX = "SAMPLE GuardDuty finding";
/** GuardDuty's title of every sample (user guide, sample_findings: "The title of sample findings always begins with [SAMPLE]"). */
export const SAMPLE_TITLE_PREFIX = "[SAMPLE]";

/** ReceiveMessage: at most 10 messages a call (SQS API reference, MaxNumberOfMessages 1 to 10). */
const MAX_MESSAGES = 10;
/**
 * A wait above 0 makes the call a long poll, which queries every server of the queue, where a short poll samples
 * some of them and may answer empty while messages wait (SQS developer guide, sqs-short-and-long-polling).
 */
const WAIT_SECONDS = 2;
/** Receives per run: 50 x 10 copies is more than a week of alerts of most organizations; the rest wait for the next run. */
const MAX_RECEIVES = 50;

/** The copy of the drill's e-mail: the finding it names and when SQS received it. */
export interface Delivery {
    findingId: string;
    /** SQS's SentTimestamp: "the time the message was sent to the queue", epoch milliseconds (ReceiveMessage). */
    sentAtMs: number;
    receiptHandle: string;
}

/** The alert text of an SNS notification as SQS keeps it (not raw: the SNS JSON envelope), or undefined. */
export function alertText(body: string, topicArn: string): string | undefined {
    try {
        const envelope = JSON.parse(body) as { Type?: unknown; TopicArn?: unknown; Message?: unknown };
        if (envelope.Type !== "Notification" || envelope.TopicArn !== topicArn) return undefined;
        return typeof envelope.Message === "string" ? envelope.Message : undefined;
    } catch {
        return undefined;
    }
}

/** One e-mail line as the input transformer left it: a JSON string per line, quotes kept or not. */
function unquote(line: string): string {
    const trimmed = line.trim();
    if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
        try {
            return JSON.parse(trimmed) as string;
        } catch {
            return trimmed.slice(1, -1);
        }
    }
    return trimmed;
}

/**
 * The finding ID when `text` is the e-mail of a sample of `findingType`: the sample headline with a "[SAMPLE]"
 * title, the line "Type: <findingType>", and the console link's fId. Anything else is undefined.
 */
export function sampleAlertFindingId(text: string, findingType: string): string | undefined {
    const lines = text.split("\n").map(unquote);
    const headline = lines[0] ?? "";
    if (!headline.startsWith(SAMPLE_HEADLINE_PREFIX) || !headline.includes(SAMPLE_TITLE_PREFIX))
        return undefined;
    if (!lines.includes(`Type: ${findingType}`)) return undefined;
    for (const line of lines) {
        const at = line.indexOf("fId=");
        if (at >= 0) {
            const id = line.slice(at + 4).split(/[&\s]/)[0];
            if (/^[A-Za-z0-9]{1,300}$/.test(id)) return id;
        }
    }
    return undefined;
}

function sentAt(message: Message): number | undefined {
    const value = Number(message.Attributes?.SentTimestamp);
    return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * Reads the inbox until it is empty or the drill's copy is found: a copy of a sample of `findingType` sent to the
 * queue at or after `sinceMs`. Every other copy read is deleted; the drill's own is left for the caller, which
 * deletes it once the drill has recorded it.
 */
export async function findDelivery(
    sqs: SQSClient,
    params: { queueUrl: string; topicArn: string; findingType: string; sinceMs: number },
    run: Run,
): Promise<{ delivery?: Delivery; read: number; deleted: number }> {
    let read = 0;
    let deleted = 0;
    for (let receives = 0; receives < MAX_RECEIVES; receives++) {
        const page = await run.call("sqs:ReceiveMessage", () =>
            sqs.send(
                new ReceiveMessageCommand({
                    QueueUrl: params.queueUrl,
                    MaxNumberOfMessages: MAX_MESSAGES,
                    WaitTimeSeconds: WAIT_SECONDS,
                    MessageSystemAttributeNames: ["SentTimestamp"],
                }),
            ),
        );
        const messages = page.Messages ?? [];
        if (messages.length === 0) return { read, deleted };
        let found: Delivery | undefined;
        for (const message of messages) {
            read++;
            const sent = sentAt(message);
            const text = alertText(message.Body ?? "", params.topicArn);
            const findingId = text === undefined ? undefined : sampleAlertFindingId(text, params.findingType);
            if (
                found === undefined &&
                findingId !== undefined &&
                sent !== undefined &&
                sent >= params.sinceMs &&
                message.ReceiptHandle !== undefined
            ) {
                found = { findingId, sentAtMs: sent, receiptHandle: message.ReceiptHandle };
                continue;
            }
            if (message.ReceiptHandle !== undefined) {
                await deleteMessage(sqs, params.queueUrl, message.ReceiptHandle, run);
                deleted++;
            }
        }
        if (found !== undefined) return { delivery: found, read, deleted };
    }
    return { read, deleted };
}

export async function deleteMessage(
    sqs: SQSClient,
    queueUrl: string,
    receiptHandle: string,
    run: Run,
): Promise<void> {
    await run.call("sqs:DeleteMessage", () =>
        sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle })),
    );
}
