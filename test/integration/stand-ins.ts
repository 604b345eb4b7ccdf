import { Readable } from "node:stream";
import { ListDetectorsCommand, type ListDetectorsCommandOutput } from "@aws-sdk/client-guardduty";
import { HttpResponse, type HttpRequest } from "@smithy/core/protocols";

/*
 * Stand-ins: operations moto 5.2.1 lacks that the code under test cannot go on without, answered by the tests in
 * the emulator's place. Nothing about the call changes for the code: it is simulated under the caller's planned
 * policies first, like every call (aws-gate.ts), and refused as AWS would refuse it; then the SDK serializes and
 * signs the request as always, and only the HTTP exchange is replaced: the request is answered with the HTTP
 * response the API reference documents, which the SDK's own deserializer turns into the output (or the error)
 * the code reads. So the code meets the SDK's real shapes, never a hand-made object.
 *
 * What a stand-in answers is what a test seeded, and says so: a stand-in proves what the code does with an
 * answer, never that AWS would give it.
 */

/** A finding in GuardDuty's API wire format: the JSON of GetFindings' `findings`, camelCase as on the wire. */
export type WireFinding = Record<string, unknown>;

/**
 * What each account's detector holds, by "<account>/<region>" and then finding ID: for the delegated
 * administrator, its members' findings too (GuardDuty user guide, managing multiple accounts). Seeded by the
 * tests (seed.ts, `published`).
 */
export type HeldFindings = Map<string, Map<string, WireFinding>>;

export const heldKey = (account: string, region: string) => `${account}/${region}`;

export interface StandInCall {
    /** The caller's account and the client's region. */
    account: string;
    region: string;
    /** The serialized, signed request, as it would go to AWS. */
    request: HttpRequest;
    /** Sends a call to the emulator itself with the caller's own client, outside the gate. */
    emulator<O>(command: unknown): Promise<O>;
    held: HeldFindings;
}

export interface Answer {
    status: number;
    /** The error's code (x-amzn-errortype), for an error answer. */
    errorType?: string;
    body: unknown;
}

interface StandIn {
    /** What moto answers instead. */
    moto: string;
    /** What the stand-in answers, from what. */
    answers: string;
    source: string;
    answer(call: StandInCall): Promise<Answer>;
}

function bodyOf(request: HttpRequest): Record<string, unknown> {
    const body = request.body as Uint8Array | string | undefined;
    if (body === undefined) return {};
    // The SDK's JSON body is a Uint8Array (one that also answers string methods, with a warning): decoded as bytes.
    const text = typeof body === "string" ? body : new TextDecoder().decode(body);
    return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

export const EMULATOR_STANDS_IN: Record<string, StandIn> = {
    "GuardDuty:GetFindings": {
        moto: "404 Not yet implemented: moto 5.2.1 routes no POST /detector/{detectorId}/findings/get",
        answers:
            "the findings the test seeded as held by the caller's detector in the region (HeldFindings), in the " +
            "requested order, leaving out IDs the detector does not hold; a detector ID that is not one of the " +
            "caller's in the region (moto's own ListDetectors, with the caller's credentials) is refused with " +
            "BadRequestException",
        source:
            "GuardDuty API reference, GetFindings (POST /detector/{detectorId}/findings/get, body findingIds; " +
            "response 200 with findings, a list of Finding; errors BadRequestException 400, " +
            "InternalServerErrorException 500) and ServiceAdditionalInfo (value, a JSON string, and type)",
        async answer(call) {
            const detector = /^\/detector\/([^/]+)\/findings\/get$/.exec(call.request.path)?.[1];
            const own = await call.emulator<ListDetectorsCommandOutput>(new ListDetectorsCommand({}));
            if (detector === undefined || !(own.DetectorIds ?? []).includes(decodeURIComponent(detector)))
                return {
                    status: 400,
                    errorType: "BadRequestException",
                    body: {
                        message:
                            "The request is rejected because the input detectorId is not owned by the current account.",
                        __type: "InvalidInputException",
                    },
                };
            const ids = bodyOf(call.request).findingIds;
            const held = call.held.get(heldKey(call.account, call.region)) ?? new Map<string, WireFinding>();
            const findings = (Array.isArray(ids) ? ids.map(String) : [])
                .map((id) => held.get(id))
                .filter((f): f is WireFinding => f !== undefined);
            return { status: 200, body: { findings } };
        },
    },
};

export function standInFor(service: string, command: string): StandIn | undefined {
    return EMULATOR_STANDS_IN[`${service}:${command}`];
}

/**
 * Puts the stand-in in place of the HTTP exchange of one command: a middleware at the very end of the stack
 * (deserialize step, low priority: inside the SDK's deserializer, after signing) answers the request instead of
 * sending it, and the SDK deserializes the answer as it would AWS's.
 */
export function answerInsteadOfEmulator(
    command: unknown,
    standIn: StandIn,
    call: Omit<StandInCall, "request">,
): void {
    const stack = (command as { middlewareStack: { add(m: unknown, o: object): void } }).middlewareStack;
    stack.add(
        () => async (args: { request: HttpRequest }) => {
            const answer = await standIn.answer({ ...call, request: args.request });
            const headers: Record<string, string> = { "content-type": "application/json" };
            if (answer.errorType !== undefined) headers["x-amzn-errortype"] = answer.errorType;
            const response = new HttpResponse({
                statusCode: answer.status,
                headers,
                body: Readable.from([Buffer.from(JSON.stringify(answer.body))]),
            });
            return { response, output: undefined };
        },
        { step: "deserialize", priority: "low", name: "emulatorStandIn" },
    );
}
