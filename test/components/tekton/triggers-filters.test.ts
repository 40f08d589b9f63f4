/**
 * What components/tekton/triggers.ts decides without rendering a listener: the push filter of a stream whose
 * repositories follow several branches, the names and namespaces the triggers use, and the wiring errors between the
 * configured streams and the pipelines layer's runs. The filters are pinned as text (nothing here evaluates CEL; the
 * listeners' filters are compiled by tekton-validate in test/support/tekton-validate.test.ts).
 */
import * as assert from "node:assert/strict";

import type { StreamRuns } from "../../../components/shared";
import { useMocks } from "../../helpers";
import { fakeConfig, fakeRuns, fakeSite, stream415, stream416 } from "./fixtures";

const repoIn = (repos: string[]) =>
    `body.repository.full_name.lowerAscii() in [${repos.map((r) => `'${r}'`).join(", ")}]`;

describe("Tekton layer push filters", () => {
    it("ors one clause per branch, branches sorted, each repository once in lower case, and refuses deletions", async () => {
        const { pushFilter } = await import("../../../components/tekton/triggers");
        const [stream] = fakeConfig("local", [
            {
                minor: "4.22",
                branch: "release-4.22",
                basePayload: "quay.io/okd/scos-release:4.22.0-okd-scos.1",
                // Branches in neither sorted nor reverse-sorted order: main, release-4.22, master.
                // Repositories of main out of order and one twice (in another case).
                components: [
                    {
                        name: "mco",
                        repository: "openshift/machine-config-operator",
                        dockerfile: "c",
                        branch: "main",
                    },
                    { name: "installer", repository: "openshift/installer", dockerfile: "a" },
                    {
                        name: "marketplace",
                        repository: "operator-framework/operator-marketplace",
                        dockerfile: "b",
                        branch: "master",
                    },
                    { name: "api", repository: "openshift/api", dockerfile: "d", branch: "main" },
                    {
                        name: "mco-rhel9",
                        repository: "openshift/Machine-Config-Operator",
                        dockerfile: "e",
                        branch: "main",
                    },
                ],
                schedules: { nightly: "0 2 * * *" },
            },
        ]).streams;
        assert.equal(
            pushFilter(stream),
            "!body.deleted && (" +
                `(body.ref == 'refs/heads/main' && ${repoIn(["openshift/api", "openshift/machine-config-operator"])}) || ` +
                `(body.ref == 'refs/heads/master' && ${repoIn(["operator-framework/operator-marketplace"])}) || ` +
                `(body.ref == 'refs/heads/release-4.22' && ${repoIn(["openshift/installer"])}))`,
        );
    });

    it("keeps a single-branch stream's filter flat, with its repositories once each", async () => {
        const { pushFilter } = await import("../../../components/tekton/triggers");
        const [stream] = fakeConfig("local", [
            {
                ...stream415,
                components: [
                    { name: "installer", repository: "openshift/Installer", dockerfile: "x" },
                    { name: "installer-artifacts", repository: "openshift/installer", dockerfile: "y" },
                    { name: "baremetal", repository: "openshift/baremetal-runtimecfg", dockerfile: "z" },
                ],
            },
        ]).streams;
        assert.equal(
            pushFilter(stream),
            "body.ref == 'refs/heads/release-4.15' && !body.deleted && " +
                repoIn(["openshift/baremetal-runtimecfg", "openshift/installer", "openshift/okd-machine-os"]),
        );
    });

    it("fires a schedule trigger only for its stream and run", async () => {
        const { scheduleFilter } = await import("../../../components/tekton/triggers");
        assert.equal(scheduleFilter("4.15", "release"), "body.stream == '4.15' && body.pipeline == 'release'");
        assert.equal(scheduleFilter("4.16", "nightly"), "body.stream == '4.16' && body.pipeline == 'nightly'");
    });

    it("names the push-record template and the scheduled-nightly CronJob by stream, and each run's namespace", async () => {
        const t = await import("../../../components/tekton/triggers");
        assert.equal(t.pushRecordTemplateName("4.15"), "okd-push-record-4-15");
        assert.equal(t.scheduledNightlyCronJob("4.16"), "okd-nightly-4-16");
        assert.deepEqual(t.runNamespaces, { nightly: "okd-builds", release: "okd-release" });
        assert.deepEqual(t.pushRecordBindings, [
            { name: "delivery", value: "$(header.X-GitHub-Delivery)" },
            { name: "pushed-at", value: "$(body.repository.pushed_at)" },
        ]);
    });

    it("refuses an event param the triggers cannot fill, naming the run and every param they can", async () => {
        const { triggerTemplate } = await import("../../../components/tekton/triggers");
        const run = fakeRuns(fakeConfig("local"))[0].nightly;
        assert.throws(() => triggerTemplate("4.15", "release", { ...run, eventParams: ["revision", "sha"] }), {
            message:
                'stream 4.15 release: event param "sha" is not one the triggers fill; expected one of ' +
                "revision, trigger-repository, trigger-kind, revisions",
        });
    });
});

describe("Tekton layer triggers wiring errors", () => {
    useMocks();
    const config = fakeConfig("local", [stream415, stream416]);
    const runs = fakeRuns(config);
    let attempt = 0;

    async function build(streamRuns: StreamRuns[]): Promise<void> {
        const { StreamTriggers } = await import("../../../components/tekton/triggers");
        const n = `tktf-${++attempt}`;
        new StreamTriggers(n, {
            site: fakeSite(`${n}-site`, "local"),
            namespaces: { builds: "okd-builds", release: "okd-release" },
            streams: config.streams,
            runs: streamRuns,
            dependsOn: [],
        });
    }

    it("refuses runs for streams that are not configured, naming each", async () => {
        const extra = (minor: string) => ({ ...runs[1], minor });
        await assert.rejects(build([...runs, extra("4.98"), extra("4.99")]), {
            message: "runs given for streams that are not configured: 4.98, 4.99",
        });
    });

    it("refuses a configured stream without runs", async () => {
        await assert.rejects(build([runs[0]]), { message: "stream 4.16 has no runs from the pipelines layer" });
    });

    it("refuses a release run for a stream that does not promote, and a promoting stream without one", async () => {
        await assert.rejects(build([runs[0], { ...runs[1], release: runs[0].release }]), {
            message: "stream 4.16: does not promote but has a release run",
        });
        await assert.rejects(build([{ minor: "4.15", nightly: runs[0].nightly }, runs[1]]), {
            message: "stream 4.15: promotes but has no release run",
        });
    });
});
