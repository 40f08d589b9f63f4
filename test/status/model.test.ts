import * as assert from "node:assert/strict";

import { buildStatus, nameTime, payloadTime, refOf, streamOfName } from "../../components/pipelines/status/model";
import {
    type Gate,
    type Notes,
    type Status,
    type StreamStatus,
    statusSchema,
} from "../../components/pipelines/status/schema";
import { promotion, record, tree } from "./records";

const n15 = (day: string) => `4.15.0-0.okd-2025-01-${day}-000000`;

describe("status model: from the records to the page's facts", () => {
    it("reads a payload's time from its name as the release-controller writes it, else from created", () => {
        assert.equal(nameTime("4.15.0-0.okd-2025-01-02-030405")?.toISOString(), "2025-01-02T03:04:05.000Z");
        assert.equal(nameTime("4.15.0-0.okd-scos-2025-12-31-235959")?.toISOString(), "2025-12-31T23:59:59.000Z");
        // Only at the end of the name, and only a real time.
        assert.equal(nameTime("4.15.0-0.okd-2025-01-02-030405-rc"), undefined);
        assert.equal(nameTime("4.15.0-0.okd-2025-13-02-030405"), undefined);
        assert.equal(nameTime("4.15.0-okd-scos.1"), undefined);
        assert.equal(
            payloadTime(record("4.15.0-okd-scos.1", { created: "2025-02-03T04:05:06Z" })).toISOString(),
            "2025-02-03T04:05:06.000Z",
        );
        assert.equal(
            payloadTime(record("4.15.0-0.okd-2025-13-02-030405", { created: "2025-02-03T04:05:06Z" })).toISOString(),
            "2025-02-03T04:05:06.000Z",
        );
        assert.equal(
            payloadTime(record(n15("02"), { created: "2025-02-03T04:05:06Z" })).toISOString(),
            "2025-01-02T00:00:00.000Z",
        );
    });

    it("names a payload's minor from its name, and nothing for a name without one", () => {
        assert.equal(streamOfName("4.14.0-0.okd-2024-12-01-000000"), "4.14");
        assert.equal(streamOfName("10.2.1"), "10.2");
        assert.equal(streamOfName("4.14"), "");
        assert.equal(streamOfName("okd-4.14.0"), "");
    });

    it("refers to a payload by name, stream, verdict, promotion and time, with its published name once promoted", () => {
        assert.deepEqual(refOf(record(n15("02"), { verdict: "accepted" })), {
            name: n15("02"),
            stream: "4.15",
            verdict: "accepted",
            promoted: false,
            time: "2025-01-02T00:00:00Z",
        });
        assert.deepEqual(
            refOf(record(n15("03"), { verdict: "accepted", promotion, promotedName: "4.15.0-okd-scos.2" })),
            {
                name: n15("03"),
                stream: "4.15",
                verdict: "accepted",
                promoted: true,
                publishedName: "4.15.0-okd-scos.2",
                time: "2025-01-03T00:00:00Z",
            },
        );
        // A name claimed but not yet published, or the payload's own name, is not a published name.
        assert.equal(refOf(record(n15("04"), { promotedName: "4.15.0-okd-scos.3" })).publishedName, undefined);
        assert.equal(
            "publishedName" in refOf(record(n15("05"), { promotion, promotedName: n15("05") })),
            false,
            "its own name is not another published name",
        );
    });

    describe("a stream's latest payloads, counts and the payloads shown", () => {
        const now = new Date("2025-01-10T12:00:00.123Z");
        const aws = (outcome: string) => ({ gate: "aws", blocking: true, outcome });
        const a1 = record(n15("01"), { verdict: "accepted", promotion, gates: [aws("passed")] });
        const a2 = record(n15("05"), { verdict: "rejected", gates: [aws("failed")] });
        const a3 = record(n15("08"), { verdict: "accepted", gates: [aws("passed")] });
        const a4 = record(n15("09"), { verdict: "unfinished", pipelineStatus: "Failed" });
        const a5 = record(n15("10"), { verdict: "pending" });
        // In no particular order, as readTree gives them.
        // Built in a hook, not while mocha loads the file: the tests below are what a mutant in the model can fail.
        let status: Status;
        let s: StreamStatus;
        before(() => {
            status = buildStatus(tree([a3, a1, a5, a2, a4], { problems: ["releases/4.15/x.json is not JSON"] }), {
                now,
                limit: 2,
            });
            s = status.streams[0];
        });

        it("renders as of the given time, under the watcher's rules, carrying the problems read", () => {
            assert.equal(status.schemaVersion, 1);
            assert.equal(status.generated, "2025-01-10T12:00:00Z");
            assert.deepEqual(status.rules, {
                acceptedStaleHours: 48,
                builtStaleHours: 72,
                source: "okd-project/okd-release-watcher pkg/report/report.go (AcceptedStalenessLimit 48h, BuiltStalenessLimit 72h)",
            });
            assert.deepEqual(status.problems, ["releases/4.15/x.json is not JSON"]);
            assert.equal(status.streams.length, 1);
            assert.equal(s.stream, "4.15");
            assert.equal(s.configured, false);
            for (const key of ["variant", "promotes", "gates", "throttle", "pushes"]) {
                assert.equal(key in s, false, `${key} is only there when configured`);
            }
        });

        it("names the newest payload, the newest accepted and the newest promoted", () => {
            assert.equal(s.latest?.name, a5.name);
            assert.equal(s.latestAccepted?.name, a3.name);
            assert.deepEqual(s.latestPromoted, {
                name: a1.name,
                stream: "4.15",
                verdict: "accepted",
                promoted: true,
                time: "2025-01-01T00:00:00Z",
            });
        });

        it("counts every payload by verdict, and shows the newest `limit` and every promoted one, newest first", () => {
            assert.deepEqual(s.counts, {
                total: 5,
                shown: 3,
                accepted: 2,
                rejected: 1,
                unfinished: 1,
                pending: 1,
                promoted: 1,
            });
            assert.deepEqual(
                s.payloads.map((p) => p.name),
                [a5.name, a4.name, a1.name],
            );
            assert.deepEqual(
                s.payloads.map((p) => [p.verdict, p.promoted]),
                [
                    ["pending", false],
                    ["unfinished", false],
                    ["accepted", true],
                ],
            );
        });

        it("is stale by the accepted rule (48 h since the newest accepted) and fresh by the built rule (72 h)", () => {
            assert.deepEqual(s.staleness.accepted, {
                stale: true,
                newest: {
                    name: a3.name,
                    stream: "4.15",
                    verdict: "accepted",
                    promoted: false,
                    time: "2025-01-08T00:00:00Z",
                },
                staleAt: "2025-01-10T00:00:00Z",
                limitHours: 48,
            });
            // The newest with a final verdict: the unfinished one, not the pending one.
            assert.deepEqual(s.staleness.built, {
                stale: false,
                newest: {
                    name: a4.name,
                    stream: "4.15",
                    verdict: "unfinished",
                    promoted: false,
                    time: "2025-01-09T00:00:00Z",
                },
                staleAt: "2025-01-12T00:00:00Z",
                limitHours: 72,
            });
        });

        it("writes notes for every promoted payload and the newest accepted one only", () => {
            const byName = new Map(s.payloads.map((p) => [p.name, p]));
            assert.deepEqual(byName.get(a1.name)?.notes, {
                schemaVersion: 1,
                stream: "4.15",
                name: a1.name,
                from: null,
                basePayload: { to: "quay.io/openshift/okd:base" },
                components: [],
            });
            assert.equal(byName.get(a1.name)?.notesStored, false);
            assert.equal(byName.get(a5.name)?.notes, undefined);
            assert.equal(byName.get(a4.name)?.notes, undefined);
            // The newest accepted payload, shown with a larger limit, is the next release's candidate.
            const all = buildStatus(tree([a1, a2, a3, a4, a5]), { now, limit: 10 }).streams[0];
            assert.deepEqual(
                all.payloads.filter((p) => p.notes !== undefined).map((p) => [p.name, p.notes?.from?.name]),
                [
                    [a3.name, a1.name],
                    [a1.name, undefined],
                ],
            );
        });

        it("follows the status schema exactly", () => {
            assert.deepEqual(statusSchema.parse(status), status);
        });
    });

    it("turns stale only once the limit has passed, as the watcher compares (age > limit)", () => {
        const accepted = record(n15("01"), { verdict: "accepted" });
        const at = (iso: string) => buildStatus(tree([accepted]), { now: new Date(iso), limit: 5 }).streams[0];
        assert.equal(at("2025-01-03T00:00:00Z").staleness.accepted.stale, false);
        assert.equal(at("2025-01-03T00:00:01Z").staleness.accepted.stale, true);
        assert.equal(at("2025-01-04T00:00:00Z").staleness.built.stale, false);
        assert.equal(at("2025-01-04T00:00:01Z").staleness.built.stale, true);
        // A stream with nothing accepted or finished has no newest and no time it turns stale: it is stale.
        const none = buildStatus(tree([record(n15("01"))]), { now: new Date("2025-01-01T00:00:00Z"), limit: 5 })
            .streams[0];
        assert.deepEqual(none.staleness, {
            accepted: { stale: true, newest: null, staleAt: null, limitHours: 48 },
            built: { stale: true, newest: null, staleAt: null, limitHours: 72 },
        });
        assert.equal(none.latestAccepted, null);
        assert.equal(none.latestPromoted, null);
        assert.equal(none.latest?.name, n15("01"));
    });

    it("orders payloads of the same time by name, the greater first", () => {
        const created = "2025-01-01T00:00:00Z";
        const rc1 = record("4.15.0-rc.1", { created });
        const rc2 = record("4.15.0-rc.2", { created });
        const ec = record("4.15.0-ec.3", { created });
        for (const order of [
            [rc1, rc2, ec],
            [ec, rc2, rc1],
            [rc2, ec, rc1],
        ]) {
            const s = buildStatus(tree(order), { now: new Date(created), limit: 5 }).streams[0];
            assert.deepEqual(
                s.payloads.map((p) => p.name),
                ["4.15.0-rc.2", "4.15.0-rc.1", "4.15.0-ec.3"],
            );
        }
    });

    it("orders payloads by time before name, and many of one time by name", () => {
        // rc.1 was made after rc.2: time decides, not the name.
        const rc1 = record("4.15.0-rc.1", { created: "2025-01-03T00:00:00Z" });
        const rc2 = record("4.15.0-rc.2", { created: "2025-01-02T00:00:00Z" });
        const now = new Date("2025-01-04T00:00:00Z");
        for (const order of [
            [rc1, rc2],
            [rc2, rc1],
        ]) {
            assert.deepEqual(
                buildStatus(tree(order), { now, limit: 5 }).streams[0].payloads.map((p) => p.name),
                ["4.15.0-rc.1", "4.15.0-rc.2"],
            );
        }
        // Many of one time, sorted, reversed and shuffled: the greater name first.
        const created = "2025-01-01T00:00:00Z";
        const names = Array.from({ length: 100 }, (_, i) => `4.15.0-rc.${String(i).padStart(3, "0")}`);
        for (const order of [names, [...names].reverse(), names.map((_, i) => names[(i * 37) % 100])]) {
            const s = buildStatus(tree(order.map((n) => record(n, { created }))), { now, limit: 100 }).streams[0];
            assert.deepEqual(
                s.payloads.map((p) => p.name),
                [...names].reverse(),
            );
        }
    });

    it("lists a payload's sources by component name, however many and in whatever order recorded", () => {
        // Recorded in an order neither sorted nor reversed.
        const components = Array.from({ length: 100 }, (_, i) => `component-${String(i).padStart(3, "0")}`);
        const sources = Object.fromEntries(
            components
                .map((_, i) => components[(i * 37) % 100])
                .map((c) => [c, { image: `quay.io/okd/${c}@sha256:1` }]),
        );
        const p = buildStatus(tree([record(n15("02"), { sources })]), {
            now: new Date("2025-01-03T00:00:00Z"),
            limit: 5,
        }).streams[0].payloads[0];
        assert.deepEqual(
            p.sources.map((x) => x.component),
            components,
        );
    });

    it("orders streams numerically, newest first, configured streams without records included", () => {
        const status = buildStatus(tree([record(n15("01")), record("5.0.0-0.okd-2025-01-01-000000")]), {
            now: new Date("2025-01-01T00:00:00Z"),
            limit: 5,
            streams: [
                {
                    minor: "4.16",
                    variant: "okd-scos",
                    promote: false,
                    gates: [
                        { gate: "aws", blocking: true },
                        { gate: "upgrade-aws", blocking: false, kind: "upgrade" },
                    ],
                    throttle: {},
                },
                { minor: "4.9", promote: true, throttle: { maxUnfinished: 1, minIntervalMinutes: 60 } },
                { minor: "4.15" },
            ],
        });
        assert.deepEqual(
            status.streams.map((s) => [s.stream, s.configured]),
            [
                ["5.0", false],
                ["4.16", true],
                ["4.15", true],
                ["4.9", true],
            ],
        );
        const [, s16, s15, s9] = status.streams;
        assert.equal(s16.variant, "okd-scos");
        assert.equal(s16.promotes, false);
        assert.deepEqual(s16.gates, [
            { gate: "aws", blocking: true, kind: "install" },
            { gate: "upgrade-aws", blocking: false, kind: "upgrade" },
        ]);
        assert.equal("throttle" in s16, false, "an empty throttle is no throttle");
        assert.equal(s16.latest, null);
        assert.deepEqual(s16.payloads, []);
        assert.deepEqual(s16.counts, {
            total: 0,
            shown: 0,
            accepted: 0,
            rejected: 0,
            unfinished: 0,
            pending: 0,
            promoted: 0,
        });
        assert.deepEqual(s16.graph, { nodes: [], edges: [] });
        assert.equal(s9.promotes, true);
        assert.deepEqual(s9.throttle, { maxUnfinished: 1, minIntervalMinutes: 60 });
        assert.equal("variant" in s9, false);
        assert.equal("gates" in s9, false);
        assert.equal(s15.configured, true);
        assert.equal("promotes" in s15, false);
        assert.equal("variant" in s15, false);
    });

    describe("a payload's gates: outcome, why, and the artifacts uploaded", () => {
        const name = n15("02");
        const dir = `logs/4.15/${name}`;
        const r = record(name, {
            verdict: "rejected",
            gates: [
                { gate: "aws", blocking: true, outcome: "failed" },
                { gate: "gcp", blocking: false, outcome: "failed" },
                { gate: "azure", blocking: false, outcome: "failed" },
                { gate: "vsphere", blocking: false, outcome: "failed", reason: "quota exceeded" },
                { gate: "metal", blocking: false, outcome: "cancelled" },
                { gate: "upgrade-aws", blocking: true, outcome: "failed", kind: "upgrade", from: "4.14.0-okd.1" },
                { gate: "upgrade-gcp", blocking: false, outcome: "failed", kind: "upgrade" },
                { gate: "upgrade-azure", blocking: false, outcome: "skipped", kind: "upgrade", reason: "none" },
                { gate: "nutanix", blocking: false, outcome: "skipped" },
                { gate: "ok", blocking: true, outcome: "passed", reason: "ignored when it passed" },
            ],
        });
        const logFiles = [
            `${dir}/aws/install-outcome`,
            `${dir}/aws/artifacts/install-attempt-1.log`,
            `${dir}/aws/artifacts/junit/junit_e2e.xml`,
            `${dir}/aws/artifacts/junit/junit_e2e.xml.gz`,
            `${dir}/aws/artifacts/metadata.json`,
            `${dir}/aws/artifacts/report-junit-conformance.xml`,
            `${dir}/aws/artifacts/results.xml`,
            `${dir}/aws2/other.log`,
            `${dir}/gcp/install-outcome`,
            `${dir}/gcp/e2e.log`,
            `logs/4.15/other/aws/e2e.log`,
        ];
        let gates: Gate[];
        let byGate: Map<string, Gate>;
        before(() => {
            const status = buildStatus(
                tree([r], {
                    logFiles,
                    installOutcomes: new Map([
                        [`${dir}/aws/install-outcome`, "failed"],
                        [`${dir}/gcp/install-outcome`, "passed"],
                    ]),
                }),
                { now: new Date("2025-01-02T00:00:00Z"), limit: 5 },
            );
            gates = status.streams[0].payloads[0].gates;
            byGate = new Map(gates.map((g) => [g.gate, g]));
        });

        it("says why each gate did not pass, from its record and the install outcome uploaded", () => {
            assert.deepEqual(
                gates.map((g) => [g.gate, g.kind, g.blocking, g.outcome, g.passed, g.why]),
                [
                    ["aws", "install", true, "failed", false, "the cluster did not install"],
                    ["gcp", "install", false, "failed", false, "the cluster installed; the conformance suite failed"],
                    ["azure", "install", false, "failed", false, "failed (no install outcome was uploaded)"],
                    ["vsphere", "install", false, "failed", false, "quota exceeded"],
                    [
                        "metal",
                        "install",
                        false,
                        "cancelled",
                        false,
                        'the gate reported "cancelled", which is not a pass',
                    ],
                    ["upgrade-aws", "upgrade", true, "failed", false, "the upgrade from 4.14.0-okd.1 failed"],
                    ["upgrade-gcp", "upgrade", false, "failed", false, "the upgrade failed"],
                    ["upgrade-azure", "upgrade", false, "skipped", false, "skipped (no earlier release)"],
                    ["nutanix", "install", false, "skipped", false, 'the gate reported "skipped", which is not a pass'],
                    ["ok", "install", true, "passed", true, ""],
                ],
            );
            assert.equal(byGate.get("upgrade-aws")?.from, "4.14.0-okd.1");
            assert.equal("from" in (byGate.get("upgrade-gcp") ?? {}), false);
        });

        it("lists the gate's own artifacts by kind, without its install-outcome", () => {
            assert.deepEqual(byGate.get("aws")?.artifacts, [
                { path: `${dir}/aws/artifacts/install-attempt-1.log`, kind: "log" },
                { path: `${dir}/aws/artifacts/junit/junit_e2e.xml`, kind: "junit" },
                // Compressed: not an XML file the page links as a JUnit report.
                { path: `${dir}/aws/artifacts/junit/junit_e2e.xml.gz`, kind: "other" },
                { path: `${dir}/aws/artifacts/metadata.json`, kind: "other" },
                { path: `${dir}/aws/artifacts/report-junit-conformance.xml`, kind: "junit" },
                { path: `${dir}/aws/artifacts/results.xml`, kind: "other" },
            ]);
            assert.deepEqual(byGate.get("gcp")?.artifacts, [{ path: `${dir}/gcp/e2e.log`, kind: "log" }]);
            assert.deepEqual(byGate.get("azure")?.artifacts, []);
        });
    });

    it("says why a payload got its verdict, naming the gates that decided it", () => {
        const why = (verdict: string, gates: object[], fields: object = {}) =>
            buildStatus(tree([record(n15("02"), { verdict, gates, ...fields })]), {
                now: new Date("2025-01-02T00:00:00Z"),
                limit: 5,
            }).streams[0].payloads[0].why;
        const gate = (g: string, blocking: boolean, outcome: string, kind?: string) => ({
            gate: g,
            blocking,
            outcome,
            ...(kind ? { kind } : {}),
        });
        const skip = (g: string, blocking: boolean) => gate(g, blocking, "skipped", "upgrade");
        assert.equal(why("accepted", []), "accepted: no blocking gate is configured");
        assert.equal(
            why("accepted", [gate("gcp", false, "failed"), skip("up", false)]),
            "accepted: no blocking gate is configured; up skipped (no earlier release)",
        );
        assert.equal(why("accepted", [gate("aws", true, "passed")]), "accepted: every blocking gate passed");
        assert.equal(
            why("accepted", [gate("aws", true, "passed"), gate("gcp", false, "failed"), gate("az", false, "failed")]),
            "accepted: every blocking gate passed; optional gcp, az failed",
        );
        assert.equal(
            why("accepted", [gate("aws", true, "passed"), gate("gcp", false, "passed"), skip("up", true)]),
            "accepted: every blocking gate passed; up skipped (no earlier release)",
        );
        assert.equal(
            why("accepted", [gate("aws", true, "passed"), skip("up", false), skip("up2", true)]),
            "accepted: every blocking gate passed; up, up2 skipped (no earlier release)",
        );
        assert.equal(
            why("rejected", [gate("aws", true, "failed"), gate("gcp", false, "failed")]),
            "rejected: blocking gate aws failed",
        );
        assert.equal(
            why("rejected", [gate("aws", true, "failed"), gate("gcp", true, "failed"), gate("az", true, "passed")]),
            "rejected: blocking gates aws, gcp failed",
        );
        assert.equal(
            why("rejected", [gate("aws", true, "failed"), skip("up", true)]),
            "rejected: blocking gate aws failed; up skipped (no earlier release)",
        );
        assert.equal(why("rejected", [gate("gcp", false, "failed")]), "rejected");
        // Only an upgrade gate's skip is no failure; an install gate that reports "skipped" did not pass.
        assert.equal(why("rejected", [gate("aws", true, "skipped")]), "rejected: blocking gate aws failed");
        assert.equal(why("rejected", [gate("up", true, "failed", "upgrade")]), "rejected: blocking gate up failed");
        assert.equal(
            why("accepted", [gate("aws", true, "passed"), gate("gcp", false, "skipped")]),
            "accepted: every blocking gate passed; optional gcp failed",
        );
        assert.equal(why("rejected", [skip("up", true)]), "rejected; up skipped (no earlier release)");
        assert.equal(
            why("unfinished", [], { pipelineStatus: "PipelineRunTimeout" }),
            "unfinished: the run ended (PipelineRunTimeout) before a verdict; never promoted",
        );
        assert.equal(why("unfinished", []), "unfinished: the run ended before a verdict; never promoted");
        assert.equal(why("pending", [gate("aws", true, "failed")]), "pending: the run is still gating it");
        assert.equal(why("promoted", []), 'verdict "promoted" is not one this page knows');
    });

    it("carries a payload's record into the page's facts: run, promotion, fallbacks, sources, edges, logs", () => {
        const name = n15("02");
        const r = record(name, {
            verdict: "accepted",
            created: "2025-01-02T00:01:00Z",
            decided: "2025-01-02T03:00:00Z",
            finished: "2025-01-02T03:05:00Z",
            pipelineStatus: "Succeeded",
            pipelineRun: "okd-nightly-4-15-abcde",
            basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
            logs: "s3://okd-artifacts/logs/4.15/x/",
            digest: "sha256:22",
            previous: ["4.14.0-okd.1", "4.15.0-0.okd-2025-01-01-000000"],
            promotion: {
                at: "2025-01-03T00:00:00Z",
                verified: "ignored",
                targets: [
                    {
                        release: "quay.io/openshift/okd:x@sha256:77",
                        pullSpec: "quay.io/openshift/okd@sha256:77",
                        digest: "sha256:77",
                        content: "quay.io/openshift/okd-content",
                        copied: false,
                    },
                    { release: "registry.example/okd/promoted:x@sha256:88" },
                ],
            },
            promotedName: "4.15.0-okd-scos.0",
            fallbacks: [
                { component: "installer", reason: "exit 1", image: "quay.io/openshift/okd@sha256:00" },
                { component: "ironic" },
            ],
            sources: {
                "machine-os": { image: "r/okd/machine-os@sha256:ee", source: null, commit: null },
                installer: { image: "r/okd@sha256:aa", source: "https://github.com/openshift/installer", commit: "1" },
                "cluster-update-keys": { image: "r/okd@sha256:cc", commit: "2" },
            },
        });
        const payload = buildStatus(tree([r]), { now: new Date("2025-01-03T00:00:00Z"), limit: 1 }).streams[0]
            .payloads[0];
        const { notes, ...rest } = payload;
        assert.deepEqual(rest, {
            name,
            stream: "4.15",
            time: "2025-01-02T00:00:00Z",
            created: "2025-01-02T00:01:00Z",
            decided: "2025-01-02T03:00:00Z",
            finished: "2025-01-02T03:05:00Z",
            verdict: "accepted",
            why: "accepted: no blocking gate is configured",
            pullSpec: `r/okd/release:${name}`,
            digest: "sha256:22",
            basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
            pipelineRun: "okd-nightly-4-15-abcde",
            pipelineStatus: "Succeeded",
            promoted: true,
            publishedName: "4.15.0-okd-scos.0",
            promotion: {
                at: "2025-01-03T00:00:00Z",
                targets: [
                    {
                        release: "quay.io/openshift/okd:x@sha256:77",
                        pullSpec: "quay.io/openshift/okd@sha256:77",
                        digest: "sha256:77",
                        copied: false,
                    },
                    { release: "registry.example/okd/promoted:x@sha256:88" },
                ],
            },
            gates: [],
            fallbacks: [
                { component: "installer", reason: "exit 1", image: "quay.io/openshift/okd@sha256:00" },
                { component: "ironic", reason: "no reason recorded" },
            ],
            sources: [
                { component: "cluster-update-keys", image: "r/okd@sha256:cc", commit: "2" },
                {
                    component: "installer",
                    image: "r/okd@sha256:aa",
                    source: "https://github.com/openshift/installer",
                    commit: "1",
                },
                { component: "machine-os", image: "r/okd/machine-os@sha256:ee" },
            ],
            previous: ["4.14.0-okd.1", "4.15.0-0.okd-2025-01-01-000000"],
            logs: "s3://okd-artifacts/logs/4.15/x/",
            notesStored: false,
        });
        assert.equal(notes?.publishedName, "4.15.0-okd-scos.0");

        // A record without the optional facts has none of those keys.
        const bare = buildStatus(
            tree([record(name, { pipelineRun: undefined, basePayload: null, verdict: "pending" })]),
            { now: new Date("2025-01-03T00:00:00Z"), limit: 1 },
        ).streams[0].payloads[0];
        for (const key of [
            "decided",
            "finished",
            "basePayload",
            "pipelineRun",
            "pipelineStatus",
            "publishedName",
            "promotion",
            "logs",
            "notes",
        ]) {
            assert.equal(key in bare, false, `${key} is left out when the record has none`);
        }
        assert.deepEqual([bare.fallbacks, bare.sources, bare.previous, bare.promoted], [[], [], [], false]);
    });

    it("shows release notes stored at promotion, and computes them when the stored ones do not follow the schema", () => {
        const from = record(n15("01"), { verdict: "accepted", promotion });
        const to = record(n15("02"), { verdict: "accepted", promotion });
        const other = record(n15("03"), { verdict: "rejected" });
        const stored: Notes = {
            schemaVersion: 1,
            stream: "4.15",
            name: to.name,
            from: { name: from.name, stream: "4.15" },
            basePayload: {},
            components: [{ component: "installer", change: "updated", fromCommit: "1111111", toCommit: "2222222" }],
            commits: { installer: [{ subject: "Fix", id: "#1" }] },
        };
        const notes = new Map<string, unknown>([
            [`4.15/${to.name}`, stored],
            [`4.15/${from.name}`, { schemaVersion: 2, name: from.name }],
            [`4.15/${other.name}`, { broken: true }],
        ]);
        const status = buildStatus(tree([from, to, other], { notes, problems: ["earlier"] }), {
            now: new Date("2025-01-03T00:00:00Z"),
            limit: 5,
        });
        const byName = new Map(status.streams[0].payloads.map((p) => [p.name, p]));
        assert.deepEqual(byName.get(to.name)?.notes, stored);
        assert.equal(byName.get(to.name)?.notesStored, true);
        // Computed instead: the first promoted payload's notes start from nothing.
        assert.equal(byName.get(from.name)?.notesStored, false);
        assert.equal(byName.get(from.name)?.notes?.from, null);
        // Not promoted, not the newest accepted: no notes, stored ones being unreadable.
        assert.equal(byName.get(other.name)?.notes, undefined);
        assert.equal(byName.get(other.name)?.notesStored, false);
        assert.deepEqual(status.problems, [
            "earlier",
            // In the order the payloads are shown: newest first.
            `notes/4.15/${other.name}.json does not follow the notes schema; notes are computed from the records`,
            `notes/4.15/${from.name}.json does not follow the notes schema; notes are computed from the records`,
        ]);
    });

    it("draws upgrade edges among the payloads shown, oldest first, by payload name", () => {
        const r14 = record("4.14.0-0.okd-2024-12-01-000000", {
            verdict: "accepted",
            promotion,
            promotedName: "4.14.0-okd-scos.3",
        });
        const p1 = record(n15("01"), { verdict: "accepted", promotion, previous: ["4.14.0-okd-scos.3"] });
        const p2 = record(n15("02"), { verdict: "rejected", previous: [p1.name, "4.13.0-rc.0", "4.13.0-ec.1"] });
        const p3 = record(n15("03"), {
            verdict: "accepted",
            previous: [p1.name, "4.14.0-0.okd-2024-11-01-000000", "4.14.0-okd-scos.3"],
        });
        const s = buildStatus(tree([p3, r14, p2, p1]), { now: new Date("2025-01-03T00:00:00Z"), limit: 5 }).streams[0];
        assert.equal(s.stream, "4.15");
        assert.deepEqual(s.graph.edges, [
            { from: p1.name, to: p3.name },
            { from: "4.14.0-0.okd-2024-11-01-000000", to: p3.name },
            { from: r14.name, to: p3.name },
            { from: p1.name, to: p2.name },
            { from: "4.13.0-rc.0", to: p2.name },
            { from: "4.13.0-ec.1", to: p2.name },
            { from: r14.name, to: p1.name },
        ]);
        assert.deepEqual(s.graph.nodes, [
            // No time in the name and no record: first, by name.
            { name: "4.13.0-ec.1", stream: "4.13", verdict: "unknown", promoted: false, known: false },
            { name: "4.13.0-rc.0", stream: "4.13", verdict: "unknown", promoted: false, known: false },
            {
                name: "4.14.0-0.okd-2024-11-01-000000",
                stream: "4.14",
                verdict: "unknown",
                promoted: false,
                known: false,
            },
            {
                name: r14.name,
                stream: "4.14",
                verdict: "accepted",
                promoted: true,
                publishedName: "4.14.0-okd-scos.3",
                known: true,
            },
            { name: p1.name, stream: "4.15", verdict: "accepted", promoted: true, known: true },
            { name: p2.name, stream: "4.15", verdict: "rejected", promoted: false, known: true },
            { name: p3.name, stream: "4.15", verdict: "accepted", promoted: false, known: true },
        ]);
        // An unrecorded payload is placed by the time in its name, after those without one, whatever their names.
        for (const previous of [
            ["4.12.0-0.okd-2024-10-01-000000", "4.13.0-ec.1", "4.13.0-rc.0"],
            ["4.13.0-rc.0", "4.13.0-ec.1", "4.12.0-0.okd-2024-10-01-000000"],
        ]) {
            const u = record(n15("01"), { verdict: "accepted", previous });
            const g = buildStatus(tree([u]), { now: new Date("2025-01-03T00:00:00Z"), limit: 5 }).streams[0].graph;
            assert.deepEqual(
                g.nodes.map((n) => n.name),
                ["4.13.0-ec.1", "4.13.0-rc.0", "4.12.0-0.okd-2024-10-01-000000", u.name],
            );
        }
        // A published name claimed by a payload not promoted resolves nowhere: the edge keeps the name.
        const claimed = record("4.14.0-0.okd-2024-12-01-000000", {
            verdict: "accepted",
            promotedName: "4.14.0-okd-scos.3",
        });
        const q = record(n15("01"), { verdict: "accepted", previous: ["4.14.0-okd-scos.3"] });
        const t = buildStatus(tree([claimed, q]), { now: new Date("2025-01-03T00:00:00Z"), limit: 5 }).streams[0];
        assert.deepEqual(t.graph.edges, [{ from: "4.14.0-okd-scos.3", to: q.name }]);
        assert.deepEqual(t.graph.nodes[0], {
            name: "4.14.0-okd-scos.3",
            stream: "4.14",
            verdict: "unknown",
            promoted: false,
            known: false,
        });
    });
});
