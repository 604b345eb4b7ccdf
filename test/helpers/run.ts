import { Run } from "../../functions/shared/run";

/** A run with a hand-moved clock: waits advance it instead of sleeping, each backoff 1 s. */
export function testRun(limitMs = 600_000, marginMs = 0): Run & { clock: { now: number } } {
    const clock = { now: 0 };
    const run = new Run({
        deadlineMs: limitMs,
        marginMs,
        now: () => clock.now,
        backoffMs: () => 1_000,
        sleep: async (ms) => {
            clock.now += ms;
        },
    });
    return Object.assign(run, { clock });
}
