import * as assert from "node:assert/strict";

import { streamPage } from "../../components/pipelines/status/html";
import { buildStatus } from "../../components/pipelines/status/model";
import { type ThrottleState, pushesOf, throttleStateSchema } from "../../components/pipelines/status/throttle";
import { tree } from "./records";

const state = (
    stream: Partial<ThrottleState["streams"][number]>,
    fields: Partial<ThrottleState> = {},
): ThrottleState => ({
    observed: "2025-03-01T12:03:00Z",
    dispatchSchedule: "*/10 * * * *",
    streams: [{ stream: "4.15", pending: [], unfinished: 0, lastStarted: null, ...stream }],
    ...fields,
});
const settings = { minIntervalMinutes: 240, maxUnfinished: 2 };
const push = (repository: string) => ({ repository, revision: "a".repeat(40), since: "2025-03-01T10:00:00Z" });

describe("pushes waiting for a nightly, by dispatch-nightly.sh's rules", () => {
    it("shows nothing for a stream the snapshot does not name", () => {
        assert.equal(pushesOf(state({}), "4.16", settings), undefined);
    });

    it("says nothing waits, with what was seen", () => {
        assert.deepEqual(pushesOf(state({ unfinished: 3, lastStarted: "2025-03-01T11:00:00Z" }), "4.15", settings), {
            observed: "2025-03-01T12:03:00Z",
            pending: [],
            unfinished: 3,
            lastStarted: "2025-03-01T11:00:00Z",
            scheduled: null,
            nextDispatch: null,
            next: "no pushes waiting",
        });
    });

    it("counts one push, several, and the scheduled nightly, in words", () => {
        const next = (s: Partial<ThrottleState["streams"][number]>) =>
            pushesOf(state({ unfinished: 2, ...s }), "4.15", settings)?.next;
        const scheduled = "2025-03-01T02:00:00Z";
        const one = [push("openshift/oc")];
        const two = [push("openshift/oc"), push("openshift/installer")];
        const until = "until a nightly finishes: 2 unfinished, at most 2";
        assert.equal(next({ pending: one }), `1 push waits ${until}`);
        assert.equal(next({ pending: two }), `2 pushes wait ${until}`);
        assert.equal(next({ scheduled }), `the scheduled nightly (due since ${scheduled}) waits ${until}`);
        assert.equal(
            next({ scheduled, pending: one }),
            `the scheduled nightly (due since ${scheduled}) and 1 push wait ${until}`,
        );
        assert.equal(
            next({ pending: two, unfinished: 5 }),
            `2 pushes wait until a nightly finishes: 5 unfinished, at most 2`,
        );
    });

    it("says it cannot tell when without the stream's throttle settings", () => {
        for (const s of [
            undefined,
            {},
            { minIntervalMinutes: 240 },
            { maxUnfinished: 1 },
            { minIntervalMinutes: "240", maxUnfinished: 1 },
            { minIntervalMinutes: 240, maxUnfinished: "1" },
        ]) {
            assert.deepEqual(
                pushesOf(state({ pending: [push("openshift/oc")] }), "4.15", s),
                {
                    observed: "2025-03-01T12:03:00Z",
                    pending: [push("openshift/oc")],
                    unfinished: 0,
                    lastStarted: null,
                    scheduled: null,
                    nextDispatch: null,
                    next: "1 push waits; the stream's throttle settings are not known here",
                },
                JSON.stringify(s),
            );
        }
    });

    it("dispatches at the first firing once minIntervalMinutes have passed since the last nightly started", () => {
        const at = (lastStarted: string | null, unfinished = 1, observed = "2025-03-01T12:03:00Z") =>
            pushesOf(
                state({ pending: [push("openshift/oc")], lastStarted, unfinished }, { observed }),
                "4.15",
                settings,
            );
        // 09:55 + 4 h = 13:55; every ten minutes: 14:00.
        assert.deepEqual(at("2025-03-01T09:55:00Z"), {
            observed: "2025-03-01T12:03:00Z",
            pending: [push("openshift/oc")],
            unfinished: 1,
            lastStarted: "2025-03-01T09:55:00Z",
            scheduled: null,
            nextDispatch: "2025-03-01T14:00:00Z",
            next: "1 push waits; next dispatch at 2025-03-01T14:00:00Z",
        });
        // Exactly at a firing: that firing.
        assert.equal(at("2025-03-01T10:00:00Z")?.nextDispatch, "2025-03-01T14:00:00Z");
        // The interval passed long ago, or no nightly ever started: the first firing after the snapshot.
        assert.equal(at("2025-03-01T00:00:00Z")?.nextDispatch, "2025-03-01T12:10:00Z");
        assert.equal(at(null)?.nextDispatch, "2025-03-01T12:10:00Z");
        assert.equal(at(null, 1, "2025-03-01T12:10:00.000Z")?.nextDispatch, "2025-03-01T12:10:00Z");
    });

    it("says from when the next nightly may start when the dispatcher's schedule never fires", () => {
        for (const dispatchSchedule of ["@every 1h", "not a schedule"]) {
            assert.deepEqual(
                pushesOf(
                    state(
                        { pending: [push("openshift/oc")], lastStarted: "2025-03-01T09:55:30.250Z" },
                        { dispatchSchedule },
                    ),
                    "4.15",
                    settings,
                ),
                {
                    observed: "2025-03-01T12:03:00Z",
                    pending: [push("openshift/oc")],
                    unfinished: 0,
                    lastStarted: "2025-03-01T09:55:30.250Z",
                    scheduled: null,
                    nextDispatch: null,
                    next: `1 push waits; the next nightly may start from 2025-03-01T13:55:30Z (dispatcher schedule ${dispatchSchedule})`,
                },
            );
        }
    });

    it("refuses a snapshot that is not the starter's, naming the field", () => {
        const bad = (s: object, fields: object = {}) => {
            const r = throttleStateSchema.safeParse({
                ...state({}),
                ...fields,
                streams: [{ ...state({}).streams[0], ...s }],
            });
            return r.success ? "accepted" : r.error.issues.map((i) => i.path.join(".")).join(" ");
        };
        assert.equal(bad({}), "accepted");
        assert.equal(bad({ scheduled: null }), "accepted");
        assert.equal(bad({ scheduled: "2025-03-01T02:00:00Z" }), "accepted");
        assert.equal(bad({ stream: "4.x" }), "streams.0.stream");
        assert.equal(bad({ stream: "v4.15" }), "streams.0.stream");
        assert.equal(bad({ stream: "4.15.1" }), "streams.0.stream");
        assert.equal(bad({ unfinished: -1 }), "streams.0.unfinished");
        assert.equal(bad({ unfinished: 1.5 }), "streams.0.unfinished");
        assert.equal(bad({ lastStarted: "yesterday" }), "streams.0.lastStarted");
        assert.equal(bad({ scheduled: "soon" }), "streams.0.scheduled");
        assert.equal(
            bad({ pending: [{ repository: "r", revision: "x", since: "then" }] }),
            "streams.0.pending.0.since",
        );
        assert.equal(bad({}, { observed: "now" }), "observed");
        assert.equal(bad({}, { dispatchSchedule: 5 }), "dispatchSchedule");
    });

    it("shows the pushes, the runs and the next dispatch on the stream's page", () => {
        const snapshot = state({
            pending: [push("openshift/oc")],
            unfinished: 1,
            lastStarted: null,
        });
        const status = buildStatus(tree([]), {
            now: new Date("2025-03-01T12:00:00Z"),
            limit: 5,
            streams: [{ minor: "4.15", throttle: settings }],
            throttle: snapshot,
        });
        const page = streamPage(status, status.streams[0]);
        assert.ok(
            page.includes(
                `<p class="muted">As of 2025-03-01T12:03:00Z: 1 nightly run unfinished; the last started never. Next dispatch: <time datetime="2025-03-01T12:10:00Z">2025-03-01T12:10:00Z</time>.</p>`,
            ),
        );
        assert.ok(
            page.includes(
                `<dt>Pushes waiting</dt><dd class="pushes-next">1 push waits; next dispatch at 2025-03-01T12:10:00Z</dd>`,
            ),
        );
        assert.ok(
            page.includes(
                `<p class="pushes-next"><strong>1 push waits; next dispatch at 2025-03-01T12:10:00Z</strong></p>\n<p class="muted">`,
            ),
        );
        const busy = buildStatus(tree([]), {
            now: new Date("2025-03-01T12:00:00Z"),
            limit: 5,
            streams: [{ minor: "4.15", throttle: settings }],
            throttle: state({ unfinished: 2, lastStarted: "2025-03-01T11:00:00Z" }),
        });
        assert.ok(
            streamPage(busy, busy.streams[0]).includes(
                `<p class="muted">As of 2025-03-01T12:03:00Z: 2 nightly runs unfinished; the last started 2025-03-01T11:00:00Z.</p>`,
            ),
        );
    });
});
