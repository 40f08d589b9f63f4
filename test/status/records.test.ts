import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
    isPromoted,
    parseRecord,
    publishedName,
    readTree,
    releasesDirOf,
} from "../../components/pipelines/status/records";
import { promotion, record, recordJson, write } from "./records";

describe("status records: what the page reads from a copy of the bucket", () => {
    const dirs: string[] = [];
    const temp = () => {
        const d = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-status-records-"));
        dirs.push(d);
        return d;
    };
    after(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("parses a record leniently: a newer writer's fields kept, an older record's missing lists empty", () => {
        const r = parseRecord(
            "releases/4.15/n.json",
            JSON.stringify({
                stream: "4.15",
                name: "n",
                pullSpec: "p",
                digest: "d",
                created: "c",
                verdict: "v",
                extra: 1,
            }),
            "4.15",
        );
        assert.deepEqual(r, {
            stream: "4.15",
            name: "n",
            pullSpec: "p",
            digest: "d",
            created: "c",
            verdict: "v",
            extra: 1,
            sources: {},
            previous: [],
            gates: [],
        });
    });

    it("refuses a record that is not JSON or lacks its identity, naming the file and the field", () => {
        assert.match(
            parseRecord("releases/4.15/n.json", "{", "4.15") as string,
            /^releases\/4\.15\/n\.json is not JSON \(.+\); the payload is left out$/,
        );
        assert.equal(
            parseRecord("releases/4.15/n.json", "[]", "4.15"),
            "releases/4.15/n.json is not a release record (record: Invalid input: expected object, received array); the payload is left out",
        );
        const noDigest = JSON.parse(recordJson("4.15", "n")) as Record<string, unknown>;
        delete noDigest.digest;
        assert.equal(
            parseRecord("releases/4.15/n.json", JSON.stringify(noDigest), "4.15"),
            "releases/4.15/n.json is not a release record (digest: Invalid input: expected string, received undefined); the payload is left out",
        );
        assert.equal(
            parseRecord("releases/4.15/n.json", recordJson("4.15", "n", { gates: [{ gate: "aws" }] }), "4.15"),
            "releases/4.15/n.json is not a release record (gates.0.blocking: Invalid input: expected boolean, received undefined); the payload is left out",
        );
        assert.equal(
            parseRecord("releases/4.15/n.json", recordJson("4.14", "n"), "4.15"),
            "releases/4.15/n.json says it belongs to stream 4.14, not 4.15; the payload is left out",
        );
    });

    it("calls a payload promoted only with a promotion, and names it as published only when promoted under another name", () => {
        assert.equal(isPromoted(record("4.15.0-0.okd-2025-01-01-000000")), false);
        assert.equal(isPromoted(record("4.15.0-0.okd-2025-01-01-000000", { promotion: undefined })), false);
        assert.equal(isPromoted(record("4.15.0-0.okd-2025-01-01-000000", { promotion })), true);
        const n = "4.15.0-0.okd-scos-2025-01-01-000000";
        assert.equal(publishedName(record(n, { promotion, promotedName: "4.15.0-okd-scos.0" })), "4.15.0-okd-scos.0");
        assert.equal(publishedName(record(n, { promotedName: "4.15.0-okd-scos.0" })), undefined);
        assert.equal(publishedName(record(n, { promotion, promotedName: n })), undefined);
        assert.equal(publishedName(record(n, { promotion, promotedName: "" })), undefined);
        assert.equal(publishedName(record(n, { promotion })), undefined);
    });

    it("finds the records in a copy of the bucket or of releases/ alone, and says when there are none", () => {
        const bucket = temp();
        write(bucket, "releases/4.15/a.json", "{}");
        assert.equal(releasesDirOf(bucket), path.join(bucket, "releases"));
        const releases = temp();
        write(releases, "4.15/a.json", "{}");
        assert.equal(releasesDirOf(releases), releases);
        const other = temp();
        write(other, "latest/a.json", "{}");
        write(other, "releases", "a file, not the directory");
        assert.equal(releasesDirOf(other), undefined);
        assert.equal(releasesDirOf(path.join(other, "absent")), undefined);
        assert.throws(
            () => readTree(other),
            (err: Error) => err.message === `no release records under ${other} (expected releases/<minor>/<name>.json)`,
        );
    });

    it("reads every record, promotion, note and log of a bucket, and lists what it cannot read", () => {
        const bucket = temp();
        const n = (day: string, m = "4.15") => `${m}.0-0.okd-2025-01-${day}-000000`;
        write(bucket, `releases/4.15/${n("01")}.json`, recordJson("4.15", n("01")));
        // The record file's own promotion fields are not believed: the promotion identity writes promoted/.
        write(
            bucket,
            `releases/4.15/${n("02")}.json`,
            recordJson("4.15", n("02"), { promotion, promotedName: "4.15.0-okd-scos.9" }),
        );
        write(bucket, `releases/4.15/${n("03")}.json`, recordJson("4.15", n("03")));
        write(bucket, `releases/4.15/${n("04")}.json`, recordJson("4.15", n("04")));
        write(bucket, `releases/4.15/${n("05")}.json`, recordJson("4.15", n("05")));
        write(bucket, `releases/4.15/${n("06")}.json`, recordJson("4.15", n("06")));
        write(bucket, "releases/4.15/broken.json", "not json");
        write(bucket, "releases/4.15/misfiled.json", recordJson("4.15", n("07")));
        write(bucket, "releases/4.15/index.json", JSON.stringify({ not: "a record" }));
        write(bucket, "releases/4.15/notes.txt", "ignored");
        write(bucket, `releases/4.14/${n("01", "4.14")}.json`, recordJson("4.14", n("01", "4.14")));
        write(bucket, "releases/latest/x.json", "{}");
        write(bucket, "releases/4.13", "a file where a stream directory would be");
        // Only a directory named as a minor is a stream (a major may have two digits).
        const ten = "10.0.0-0.okd-2030-01-01-000000";
        write(bucket, `releases/10.0/${ten}.json`, recordJson("10.0", ten));
        write(bucket, `releases/4.15.bak/${n("01")}.json`, recordJson("4.15", n("01")));
        write(bucket, `releases/v4.16/${n("01", "4.16")}.json`, recordJson("4.16", n("01", "4.16")));

        const promoted = { at: "2025-01-03T00:00:00Z", targets: [{ release: "quay.io/openshift/okd:x@sha256:77" }] };
        write(
            bucket,
            `promoted/4.15/${n("01")}.json`,
            JSON.stringify({
                name: n("01"),
                digest: "sha256:01",
                promotedName: "4.15.0-okd-scos.0",
                promotion: promoted,
            }),
        );
        write(bucket, `promoted/4.15/${n("03")}.json`, "{");
        write(
            bucket,
            `promoted/4.15/${n("04")}.json`,
            JSON.stringify({ name: n("05"), digest: "sha256:00", promotion }),
        );
        write(
            bucket,
            `promoted/4.15/${n("05")}.json`,
            JSON.stringify({ name: n("05"), digest: "sha256:00", promotion: null }),
        );
        // Promoted at another digest than the record now says: still promoted, and a problem.
        write(
            bucket,
            `promoted/4.15/${n("06")}.json`,
            JSON.stringify({ name: n("06"), digest: "sha256:99", promotedName: null, promotion }),
        );

        write(bucket, `notes/4.15/${n("01")}.json`, JSON.stringify({ stored: true }));
        write(bucket, `notes/4.15/${n("06")}.json`, "nope");
        write(bucket, `notes/4.15/${n("01")}.md`, "# not read");
        write(bucket, "notes/README", "not read");
        write(bucket, `notes/10.0/${ten}.json`, JSON.stringify({ ten: true }));
        write(bucket, `notes/4.15/${n("02")}.json.bak`, "not read");
        write(bucket, `notes/v4.15/${n("03")}.json`, "not read");

        write(bucket, `logs/4.15/${n("01")}/gcp/install-outcome`, "passed\n");
        write(bucket, `logs/4.15/${n("01")}/aws/install-outcome`, " failed \n");
        write(bucket, `logs/4.15/${n("01")}/aws/artifacts/e2e.log`, "log");
        write(bucket, `logs/4.15/${n("01")}/aws/install-outcome.txt`, "not an outcome");

        const t = readTree(bucket);
        assert.deepEqual([...t.records.keys()], ["10.0", "4.14", "4.15"]);
        assert.deepEqual(
            t.records.get("10.0")?.map((r) => r.name),
            [ten],
        );
        assert.deepEqual(
            t.records.get("4.15")?.map((r) => [r.name, isPromoted(r), publishedName(r)]),
            [
                [n("01"), true, "4.15.0-okd-scos.0"],
                [n("02"), false, undefined],
                [n("03"), false, undefined],
                [n("04"), false, undefined],
                [n("05"), false, undefined],
                [n("06"), true, undefined],
            ],
        );
        const first = t.records.get("4.15")?.[0];
        assert.deepEqual(first?.promotion, promoted);
        assert.equal(first?.promotedName, "4.15.0-okd-scos.0");
        assert.equal(t.records.get("4.15")?.[1].promotion, null);
        assert.equal(t.records.get("4.15")?.[1].promotedName, undefined);
        assert.equal(t.records.get("4.15")?.[5].promotedName, undefined);
        assert.deepEqual(
            t.records.get("4.14")?.map((r) => r.name),
            [n("01", "4.14")],
        );

        assert.equal(t.problems.length, 7);
        assert.match(t.problems[0], /^releases\/4\.15\/broken\.json is not JSON \(.+\); the payload is left out$/);
        assert.deepEqual(t.problems.slice(1, 2), [
            `releases/4.15/misfiled.json holds the record of ${n("07")}; the payload is left out`,
        ]);
        assert.match(
            t.problems[2],
            new RegExp(`^promoted/4\\.15/${n("03")}\\.json is not JSON \\(.+\\); the payload is shown unpromoted$`),
        );
        assert.deepEqual(t.problems.slice(3, 6), [
            `promoted/4.15/${n("04")}.json is not a promotion of ${n("04")}; the payload is shown unpromoted`,
            `promoted/4.15/${n("05")}.json is not a promotion of ${n("05")}; the payload is shown unpromoted`,
            `promoted/4.15/${n("06")}.json promoted ${n("06")} at sha256:99, but its record now says sha256:06`,
        ]);
        assert.match(
            t.problems[6],
            new RegExp(`^notes/4\\.15/${n("06")}\\.json is not JSON \\(.+\\); it is not shown$`),
        );

        assert.deepEqual(
            [...t.notes.entries()],
            [
                [`10.0/${ten}`, { ten: true }],
                [`4.15/${n("01")}`, { stored: true }],
            ],
        );
        assert.deepEqual(t.logFiles, [
            `logs/4.15/${n("01")}/aws/artifacts/e2e.log`,
            `logs/4.15/${n("01")}/aws/install-outcome`,
            `logs/4.15/${n("01")}/aws/install-outcome.txt`,
            `logs/4.15/${n("01")}/gcp/install-outcome`,
        ]);
        assert.deepEqual(
            new Map([...t.installOutcomes.entries()].sort()),
            new Map([
                [`logs/4.15/${n("01")}/aws/install-outcome`, "failed"],
                [`logs/4.15/${n("01")}/gcp/install-outcome`, "passed"],
            ]),
        );

        // A remote's listing names logs that were not copied; the outcomes are still read from the copy.
        const listed = readTree(bucket, [`4.15/${n("02")}/aws/e2e.log`, `4.15/${n("01")}/aws/a.log`]);
        assert.deepEqual(listed.logFiles, [`logs/4.15/${n("01")}/aws/a.log`, `logs/4.15/${n("02")}/aws/e2e.log`]);
        assert.equal(listed.installOutcomes.size, 2);
    });

    it("promotes nothing in a copy of releases/ alone, and reads no notes or logs there", () => {
        const releases = temp();
        const name = "4.15.0-0.okd-2025-01-01-000000";
        write(
            releases,
            `4.15/${name}.json`,
            recordJson("4.15", name, { promotion, promotedName: "4.15.0-okd-scos.0" }),
        );
        write(releases, `promoted/4.15/${name}.json`, JSON.stringify({ name, digest: "sha256:00", promotion }));
        const t = readTree(releases);
        assert.deepEqual(
            t.records.get("4.15")?.map((r) => [r.name, isPromoted(r), r.promotedName]),
            [[name, false, undefined]],
        );
        assert.deepEqual([t.notes.size, t.logFiles, t.installOutcomes.size, t.problems], [0, [], 0, []]);
        // A bucket without logs/ or notes/: none listed.
        const bare = temp();
        write(bare, `releases/4.15/${name}.json`, recordJson("4.15", name));
        const b = readTree(bare);
        assert.deepEqual([b.notes.size, b.logFiles, b.installOutcomes.size], [0, [], 0]);
        // An empty stream directory is a stream without records.
        fs.mkdirSync(path.join(releases, "4.16"));
        assert.deepEqual(readTree(releases).records.get("4.16"), []);
    });
});
