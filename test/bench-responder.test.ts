import { strict as assert } from "node:assert";
import { MAXIMUM_EVENT_AGE_SECONDS } from "../components/response-function";
import { FUNCTION_TIMEOUT_SECONDS } from "../components/scheduled-function";
import { deploymentFromConfig, simulateBurst, summarize, type LambdaModel } from "../tools/bench-responder";
import { BURST_WORKLOAD, type BurstWorkload } from "../tools/bench-responder-workload";

/*
 * The responder's burst benchmark at a small scale: the real responder behind the simulated Lambda queue, on the
 * virtual clock. Nothing here reads real time; the burst's minutes are virtual.
 */

/** Lambda as components/ deploys the responder; the reserved concurrency is the test's to choose. */
function lambda(reservedConcurrency: number): LambdaModel {
    return {
        reservedConcurrency,
        timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
        maximumRetryAttempts: 2,
        maximumEventAgeSeconds: MAXIMUM_EVENT_AGE_SECONDS,
        source: "test",
    };
}

const small: BurstWorkload = {
    ...BURST_WORKLOAD,
    findings: 40,
    overSeconds: 60,
    accounts: 2,
    vpcsPerAccount: 1,
    subnetsPerVpc: 4,
    instances: 40,
    attackers: 30,
};

describe("the responder's burst benchmark (npm run bench -- --responder)", () => {
    it("decides every event of a burst one invocation at a time: each decision recorded and told, none dropped", async () => {
        const deployment = deploymentFromConfig("prod", lambda(1));
        const result = await simulateBurst(deployment, small);
        const summary = summarize(result);
        assert.equal(summary.events, 40);
        assert.equal(summary.decided, 40);
        assert.equal(summary.dropped, 0);
        // One invocation at a time: events arriving meanwhile are throttled and wait in Lambda's queue.
        assert.ok(result.throttledInvocations > 0, String(result.throttledInvocations));
        assert.ok(summary.delaysSeconds.max >= summary.delaysSeconds.p95);
        const { bucket, prefix } = deployment.settings.records;
        for (const event of result.events) {
            assert.ok(event.records.length > 0, `no decision for event ${event.arrival.event.id}`);
            for (const record of event.records) {
                assert.equal(record.eventId, event.arrival.event.id);
                const stored = result.aws.objects.texts.get(prefix + record.key);
                assert.ok(stored !== undefined, `no record ${record.key}`);
                assert.equal((JSON.parse(stored) as { eventId?: string }).eventId, event.arrival.event.id);
                const told = `Record: s3://${bucket}/${prefix}${record.key}`;
                assert.ok(
                    result.aws.published.some((m) => m.message?.includes(told) === true),
                    `not told: ${record.key}`,
                );
                // What the record says was blocked is in the member's network ACL.
                for (const block of record.outcome?.blocks ?? []) {
                    const world = result.aws.ec2World(String(record.accountId), String(record.region));
                    const way = block.egress ? "out" : "in";
                    assert.ok(
                        world
                            .responderEntries()
                            .includes(`${block.networkAclId} ${block.ruleNumber} ${way} ${block.cidr}`),
                        JSON.stringify(block),
                    );
                }
            }
        }
        assert.ok(summary.blocked > 0 && summary.isolated >= 0, JSON.stringify(summary));
    });

    it("throttles EC2 as documented: a burst into one account and Region empties CreateNetworkAclEntry's bucket, and the runs' retries still decide every event", async () => {
        // 60 blocks in 3 s on 60 subnets of one account, 30 invocations at once: 120 CreateNetworkAclEntry
        // calls against a bucket of 50 tokens refilled at 5 a second. The dev stack: its remediation reads no
        // OUs, so no Organizations call paces the invocations before they reach EC2.
        const result = await simulateBurst(deploymentFromConfig("dev", lambda(30)), {
            ...BURST_WORKLOAD,
            findings: 60,
            overSeconds: 3,
            accounts: 1,
            regions: ["us-east-1"],
            vpcsPerAccount: 1,
            subnetsPerVpc: 60,
            instances: 60,
            attackers: 60,
            isolateShare: 0,
        });
        const summary = summarize(result);
        assert.ok((result.aws.throttled.get("ec2:CreateNetworkAclEntry") ?? 0) > 0, "no EC2 throttling");
        assert.ok(result.callRetries > 0);
        assert.equal(summary.decided, 60);
        assert.equal(summary.dropped, 0);
    });
});
