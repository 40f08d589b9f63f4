import * as assert from "node:assert/strict";

import {
    compareUrl,
    componentChanges,
    notesFromRecords,
    notesMarkdown,
    previousMinorOf,
    previousPromoted,
    withChangelog,
} from "../../components/pipelines/status/notes";
import { type Notes, notesSchema } from "../../components/pipelines/status/schema";
import { promotion, record } from "./records";

const a = "0123456789abcdef0123456789abcdef01234567";
const b = "89abcdef0123456789abcdef0123456789abcdef";
const gh = "https://github.com/openshift/installer";

describe("release notes from the records", () => {
    it("steps back one minor, never below x.0", () => {
        assert.equal(previousMinorOf("4.15"), "4.14");
        assert.equal(previousMinorOf("10.12"), "10.11");
        assert.equal(previousMinorOf("4.1"), "4.0");
        assert.equal(previousMinorOf("4.0"), "");
        assert.equal(previousMinorOf("5.0"), "");
    });

    it("starts from the stream's newest promoted release made before the payload, else the previous minor's newest", () => {
        const r14a = record("4.14.0-0.okd-2024-12-01-000000", { verdict: "accepted", promotion });
        const r14b = record("4.14.0-0.okd-2024-12-15-000000", { verdict: "accepted", promotion });
        const r14c = record("4.14.0-0.okd-2024-12-10-000000", { verdict: "accepted", promotion });
        const r14late = record("4.14.0-0.okd-2025-02-01-000000", { verdict: "accepted", promotion });
        const r14x = record("4.14.0-0.okd-2025-03-01-000000", { verdict: "accepted" });
        const p1 = record("4.15.0-0.okd-2025-01-01-000000", { verdict: "accepted", promotion });
        const p2 = record("4.15.0-0.okd-2025-01-03-000000", { verdict: "accepted", promotion });
        const p3 = record("4.15.0-0.okd-2025-01-02-000000", { verdict: "accepted", promotion });
        const p4 = record("4.15.0-0.okd-2025-01-05-000000", { verdict: "accepted" });
        const p5 = record("4.15.0-0.okd-2025-01-04-000000", { verdict: "rejected" });
        const r16 = record("4.16.0-0.okd-2025-01-01-000000", { verdict: "accepted", promotion });
        const all = [r14a, r14b, r14c, r14late, r14x, p1, p2, p3, p4, p5, r16];
        // The newest before it, whatever the order given, and never a later one or one not promoted.
        assert.equal(previousPromoted(p4, all)?.name, p2.name);
        assert.equal(previousPromoted(p4, [...all].reverse())?.name, p2.name);
        assert.equal(previousPromoted(p2, all)?.name, p3.name);
        // The first of its stream: the previous minor's newest promoted release, whenever it was made.
        assert.equal(previousPromoted(p1, all)?.name, r14late.name);
        assert.equal(previousPromoted(p1, [...all].reverse())?.name, r14late.name);
        assert.equal(previousPromoted(r16, all)?.name, p2.name);
        assert.equal(previousPromoted(r14a, all), undefined);
        assert.equal(previousPromoted(r14c, all)?.name, r14a.name);
        // Made at the same time (no time in the name, the same created): not before it.
        const created = "2025-01-09T00:00:00Z";
        const rc1 = record("4.17.0-rc.1", { verdict: "accepted", promotion, created });
        const rc2 = record("4.17.0-rc.2", { verdict: "accepted", promotion, created });
        const rc0 = record("4.17.0-rc.0", { verdict: "accepted", promotion, created: "2025-01-08T00:00:00Z" });
        assert.equal(previousPromoted(rc2, [rc1, rc2])?.name, undefined);
        assert.equal(previousPromoted(rc2, [rc1, rc2, rc0])?.name, rc0.name);
    });

    it("links a commit range on github.com only, between two commit ids", () => {
        assert.equal(compareUrl(`${gh}.git`, a, b), `${gh}/compare/${a}...${b}`);
        assert.equal(compareUrl(`${gh}/`, a, b), `${gh}/compare/${a}...${b}`);
        assert.equal(compareUrl(gh, "1234567", "abcdef0"), `${gh}/compare/1234567...abcdef0`);
        assert.equal(
            compareUrl("https://github.com/okd-project/okd.machine-os", a, b),
            `https://github.com/okd-project/okd.machine-os/compare/${a}...${b}`,
        );
        for (const [source, from, to] of [
            [undefined, a, b],
            ["", a, b],
            ["https://gitlab.com/x/y", a, b],
            ["http://github.com/openshift/installer", a, b],
            ["https://github.com/openshift/installer/tree/main", a, b],
            ["git@github.com:openshift/installer.git", a, b],
            ["git+https://github.com/openshift/installer", a, b],
            ["https://github.com/openshift", a, b],
            [gh, "main", b],
            [gh, a, "v4.15"],
            [gh, "123456", b],
            [gh, a, "ABCDEF0"],
            [gh, `x${a}`, b],
            [gh, a, `${b}x`],
            [gh, a, "0".repeat(65)],
        ] as const) {
            assert.equal(compareUrl(source, from, to), undefined, `${source} ${from} ${to}`);
        }
        assert.equal(compareUrl(gh, "0".repeat(64), a), `${gh}/compare/${"0".repeat(64)}...${a}`);
    });

    it("tells each changed component's change from the two records' sources", () => {
        const from = record("4.15.0-0.okd-2025-01-01-000000", {
            sources: {
                updated: { image: "r@sha256:01", source: gh, commit: a },
                "updated-elsewhere": { image: "r@sha256:02", source: "https://gitlab.com/x/y", commit: a },
                rebuilt: { image: "r@sha256:03", source: gh, commit: a },
                "no-commit": { image: "r@sha256:04", commit: a },
                unchanged: { image: "r@sha256:05", source: gh, commit: a },
                "source-gone": { image: "r@sha256:06", source: gh, commit: a },
                removed: { image: "r@sha256:07", source: gh, commit: a },
                "removed-bare": { image: "r@sha256:08" },
                "kept-base": { image: "r@sha256:09", source: gh, commit: a },
                "kept-bare": { image: "r@sha256:10" },
            },
            fallbacks: [{ component: "again", reason: "exit 2" }],
        });
        const to = record("4.15.0-0.okd-2025-01-02-000000", {
            sources: {
                updated: { image: "r@sha256:11", source: gh, commit: b },
                "updated-elsewhere": { image: "r@sha256:12", source: "https://gitlab.com/x/y", commit: b },
                rebuilt: { image: "r@sha256:13", source: gh, commit: a },
                "no-commit": { image: "r@sha256:14" },
                unchanged: { image: "r@sha256:05", source: gh, commit: b },
                "source-gone": { image: "r@sha256:16", source: null, commit: b },
                added: { image: "r@sha256:17", source: gh, commit: b },
                "added-bare": { image: "r@sha256:18" },
                again: { image: "r@sha256:19", source: gh, commit: b },
            },
            fallbacks: [
                { component: "kept-base", reason: "the build failed", image: "quay.io/openshift/okd@sha256:00" },
                { component: "kept-bare" },
            ],
        });
        assert.deepEqual(componentChanges(to, from), [
            { component: "added", change: "added", source: gh, toCommit: b, toImage: "r@sha256:17" },
            { component: "added-bare", change: "added", toImage: "r@sha256:18" },
            { component: "again", change: "built-again", source: gh, toCommit: b, toImage: "r@sha256:19" },
            {
                component: "kept-bare",
                change: "kept-base",
                fromImage: "r@sha256:10",
            },
            {
                component: "kept-base",
                change: "kept-base",
                reason: "the build failed",
                source: gh,
                fromCommit: a,
                fromImage: "r@sha256:09",
                toImage: "quay.io/openshift/okd@sha256:00",
            },
            {
                component: "no-commit",
                change: "rebuilt",
                fromCommit: a,
                fromImage: "r@sha256:04",
                toImage: "r@sha256:14",
            },
            {
                component: "rebuilt",
                change: "rebuilt",
                source: gh,
                fromCommit: a,
                toCommit: a,
                fromImage: "r@sha256:03",
                toImage: "r@sha256:13",
            },
            { component: "removed", change: "removed", source: gh, fromImage: "r@sha256:07" },
            { component: "removed-bare", change: "removed", fromImage: "r@sha256:08" },
            {
                component: "source-gone",
                change: "updated",
                source: gh,
                fromCommit: a,
                toCommit: b,
                fromImage: "r@sha256:06",
                toImage: "r@sha256:16",
                compare: `${gh}/compare/${a}...${b}`,
            },
            {
                component: "updated",
                change: "updated",
                source: gh,
                fromCommit: a,
                toCommit: b,
                fromImage: "r@sha256:01",
                toImage: "r@sha256:11",
                compare: `${gh}/compare/${a}...${b}`,
            },
            {
                component: "updated-elsewhere",
                change: "updated",
                source: "https://gitlab.com/x/y",
                fromCommit: a,
                toCommit: b,
                fromImage: "r@sha256:02",
                toImage: "r@sha256:12",
            },
        ]);
        // The first promoted release: every component is added.
        assert.deepEqual(
            componentChanges(to, undefined).map((c) => [c.component, c.change]),
            [
                ["added", "added"],
                ["added-bare", "added"],
                ["again", "added"],
                ["no-commit", "added"],
                ["rebuilt", "added"],
                ["source-gone", "added"],
                ["unchanged", "added"],
                ["updated", "added"],
                ["updated-elsewhere", "added"],
            ],
        );
    });

    it("names the release and the one it starts from, as published, and the base payloads", () => {
        const from = record("4.15.0-0.okd-2025-01-01-000000", {
            promotion,
            promotedName: "4.15.0-okd-scos.0",
            basePayload: "quay.io/openshift/okd:base-1",
        });
        const to = record("4.15.0-0.okd-2025-01-02-000000", {
            promotion,
            promotedName: "4.15.0-okd-scos.1",
            basePayload: "quay.io/openshift/okd:base-2",
        });
        assert.deepEqual(notesFromRecords(to, from), {
            schemaVersion: 1,
            stream: "4.15",
            name: to.name,
            publishedName: "4.15.0-okd-scos.1",
            from: { name: from.name, stream: "4.15", publishedName: "4.15.0-okd-scos.0" },
            basePayload: { from: "quay.io/openshift/okd:base-1", to: "quay.io/openshift/okd:base-2" },
            components: [],
        });
        const bare = record("4.16.0-0.okd-2025-01-02-000000", { basePayload: null });
        assert.deepEqual(notesFromRecords(bare, record("4.15.0-0.okd-2025-01-03-000000", { basePayload: null })), {
            schemaVersion: 1,
            stream: "4.16",
            name: bare.name,
            from: { name: "4.15.0-0.okd-2025-01-03-000000", stream: "4.15" },
            basePayload: {},
            components: [],
        });
    });

    it("keeps oc's merged pull requests per image, unescaping what oc escaped for Markdown", () => {
        const notes: Notes = {
            schemaVersion: 1,
            stream: "4.15",
            name: "n",
            from: null,
            basePayload: {},
            components: [],
            changelogError: "oc failed before",
        };
        const merged = withChangelog(notes, {
            updatedImages: [
                {
                    name: "installer",
                    commits: [
                        { subject: "Use &lt;b&gt; &lt;i&gt; tags &gt;&gt;", pullID: 0, pullURL: `${gh}/pull/0` },
                        { commitID: "abc1234", commitURL: `${gh}/commit/abc1234` },
                        { subject: "pull wins", pullID: 5, pullURL: `${gh}/pull/5`, commitID: "x", commitURL: "y" },
                        { subject: "no link", commitURL: "http://github.com/x" },
                        { subject: "not https", pullURL: "javascript:alert(1)//https://github.com/x/" },
                    ],
                },
                { name: "oc" },
                // What oc lists when every commit of a range was squashed or rebased: no commits, only a count.
                { name: "machine-config-operator", elidedCommits: 3 },
                {
                    name: "cli, cli-artifacts",
                    commits: [{ subject: "one", pullID: 1, pullURL: `${gh}/pull/1` }],
                    elidedCommits: 1,
                },
                { name: "tests", commits: [], elidedCommits: 0 },
            ],
        });
        assert.deepEqual(merged.commits, {
            installer: [
                { subject: "Use <b> <i> tags >>", url: `${gh}/pull/0`, id: "#0" },
                { subject: "", url: `${gh}/commit/abc1234`, id: "abc1234" },
                { subject: "pull wins", url: `${gh}/pull/5`, id: "#5" },
                { subject: "no link" },
                { subject: "not https" },
            ],
            oc: [],
            "machine-config-operator": [],
            "cli, cli-artifacts": [{ subject: "one", url: `${gh}/pull/1`, id: "#1" }],
            tests: [],
        });
        assert.deepEqual(merged.elidedCommits, { "machine-config-operator": 3, "cli, cli-artifacts": 1 });
        assert.equal(notesSchema.safeParse(merged).success, true);
        assert.equal("changelogError" in merged, false);
        // A second changelog replaces the first one's counts; one without any leaves none.
        assert.deepEqual(withChangelog(merged, { updatedImages: [{ name: "oc", elidedCommits: 2 }] }).elidedCommits, {
            oc: 2,
        });
        assert.equal("elidedCommits" in withChangelog(merged, { updatedImages: [{ name: "oc" }] }), false);
        assert.equal(notes.changelogError, "oc failed before", "the notes given are left as they were");
        assert.deepEqual(withChangelog(notes, {}).commits, {});
    });

    it("writes Markdown: the changes since the previous release, each component's range, the pull requests", () => {
        const notes: Notes = {
            schemaVersion: 1,
            stream: "4.16",
            name: "4.16.0-0.okd-scos-2025-01-02-000000",
            publishedName: "4.16.0-okd-scos.1",
            from: { name: "4.15.0-0.okd-scos-2025-01-01-000000", stream: "4.15", publishedName: "4.15.0-okd-scos.9" },
            basePayload: { from: "quay.io/okd/scos-release:4.15", to: "quay.io/okd/scos-release:4.16" },
            components: [
                {
                    component: "installer",
                    change: "updated",
                    source: gh,
                    fromCommit: a,
                    toCommit: b,
                    compare: `${gh}/compare/${a}...${b}`,
                },
                { component: "oc", change: "updated", source: "https://gitlab.com/o|c", fromCommit: a, toCommit: b },
                { component: "ironic", change: "kept-base", reason: "build <failed> | exit 1", fromCommit: a },
                { component: "keys", change: "added", toCommit: b },
                { component: "machine-os", change: "rebuilt" },
            ],
            commits: {
                "installer, installer-artifacts": [
                    { subject: "Fix <x> | y", url: `${gh}/pull/7`, id: "#7" },
                    { subject: "No link", id: "#8" },
                    { subject: "No id", url: `${gh}/pull/9` },
                ],
                oc: [],
                "machine-config-operator": [],
                "cli, cli-artifacts": [{ subject: "one", id: "#1" }],
            },
            elidedCommits: { "machine-config-operator": 1, "cli, cli-artifacts": 4 },
            changelogError: "oc timed out",
        };
        assert.equal(
            notesMarkdown(notes),
            [
                "# 4.16.0-okd-scos.1",
                "",
                "Published from the nightly 4.16.0-0.okd-scos-2025-01-02-000000.",
                "",
                "Changes since 4.15.0-okd-scos.9 (stream 4.15).",
                "",
                "Base payload: quay.io/okd/scos-release:4.15 → quay.io/okd/scos-release:4.16",
                "",
                "| Component | Change | Source | Commits |",
                "|---|---|---|---|",
                `| installer | updated | ${gh} | [0123456789ab...89abcdef0123](${gh}/compare/${a}...${b}) |`,
                "| oc | updated | https://gitlab.com/o\\|c | 0123456789ab...89abcdef0123 |",
                "| ironic | kept-base: build &lt;failed&gt; \\| exit 1 |  | 0123456789ab |",
                "| keys | added |  | 89abcdef0123 |",
                "| machine-os | rebuilt |  |  |",
                "",
                "## Merged pull requests",
                "",
                "### installer, installer-artifacts",
                "",
                `- Fix &lt;x&gt; \\| y ([#7](${gh}/pull/7))`,
                "- No link (#8)",
                "- No id",
                "",
                // oc (no commits, none elided) has nothing to list: no empty heading. An image whose commits were all
                // squashed or rebased says how many, as oc's own Markdown does.
                "### machine-config-operator",
                "",
                "- And 1 elided commit (e.g. from squash or rebase merges)",
                "",
                "### cli, cli-artifacts",
                "",
                "- one (#1)",
                "- And 4 elided commits (e.g. from squash or rebase merges)",
                "",
                "Pull requests are not listed: oc timed out",
                "",
            ].join("\n"),
        );
        // The first release of a stream, under its own name, with nothing changed and no changelog.
        assert.equal(
            notesMarkdown({
                schemaVersion: 1,
                stream: "4.15",
                name: "4.15.0-0.okd-2025-01-01-000000",
                publishedName: "4.15.0-0.okd-2025-01-01-000000",
                from: null,
                basePayload: { from: "same", to: "same" },
                components: [],
                // oc ran and listed an image with nothing in it: no "Merged pull requests" section at all.
                commits: { oc: [] },
            }),
            [
                "# 4.15.0-0.okd-2025-01-01-000000",
                "",
                "The first promoted release of the stream: every rebuilt component is listed.",
                "",
                "No component changed.",
                "",
            ].join("\n"),
        );
        // Changes within the stream say no stream; a base payload first recorded now is shown from (none).
        assert.equal(
            notesMarkdown({
                schemaVersion: 1,
                stream: "4.15",
                name: "4.15.0-0.okd-2025-01-02-000000",
                from: { name: "4.15.0-0.okd-2025-01-01-000000", stream: "4.15" },
                basePayload: { to: "quay.io/openshift/okd:base" },
                components: [],
            }),
            [
                "# 4.15.0-0.okd-2025-01-02-000000",
                "",
                "Changes since 4.15.0-0.okd-2025-01-01-000000.",
                "",
                "Base payload: (none) → quay.io/openshift/okd:base",
                "",
                "No component changed.",
                "",
            ].join("\n"),
        );
        // A base payload that went away is not a change the notes name.
        assert.doesNotMatch(
            notesMarkdown({ ...notes, basePayload: { from: "quay.io/okd/scos-release:4.15" } }),
            /Base payload/,
        );
    });
});
