/**
 * What start-status-render.sh sees of a cluster: push records (ConfigMaps of the release namespace) and PipelineRuns
 * (the nightlies of the build namespace, the renders of the release namespace), as `kubectl get -o json` prints them,
 * from a kubectl on PATH that answers from files and records every call (the created PipelineRun's file kept).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { scriptsDir } from "../../components/tekton/jobs";

export const script = path.join(scriptsDir, "start-status-render.sh");
export const sha = (c: string) => c.repeat(40);
export const ago = (minutes: number, now = Date.now()) =>
    new Date(now - minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

export interface PushSpec {
    name: string;
    stream: string;
    minutesAgo: number;
    repository: string;
    revision: string;
    /** When the push happened (the record's pushedAt), minutes ago; default: when the record was made. "" for none. */
    pushedMinutesAgo?: number | "";
}
export interface RunSpec {
    name: string;
    stream?: string;
    minutesAgo: number;
    finished: boolean;
    revisions?: string;
}

const list = (items: unknown[]) => ({ apiVersion: "v1", kind: "List", items });

export class StatusRenderWorld {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-status-render-"));

    constructor(pushes: PushSpec[], nightlies: RunSpec[], renders: RunSpec[] = [], now = Date.now()) {
        fs.mkdirSync(path.join(this.dir, "bin"));
        const write = (f: string, v: unknown) => fs.writeFileSync(path.join(this.dir, f), JSON.stringify(v));
        write(
            "records.json",
            list(
                pushes.map((p) => ({
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    metadata: {
                        name: p.name,
                        creationTimestamp: ago(p.minutesAgo, now),
                        labels: { "okd-ci/push-record": "nightly", "okd-ci/stream": p.stream },
                    },
                    data: {
                        stream: p.stream,
                        repository: p.repository,
                        revision: p.revision,
                        ...(p.pushedMinutesAgo === ""
                            ? {}
                            : {
                                  pushedAt: String(
                                      Math.floor(Date.parse(ago(p.pushedMinutesAgo ?? p.minutesAgo, now)) / 1000),
                                  ),
                              }),
                    },
                })),
            ),
        );
        const runs = (specs: RunSpec[], label: Record<string, string>) =>
            list(
                specs.map((r) => ({
                    apiVersion: "tekton.dev/v1",
                    kind: "PipelineRun",
                    metadata: {
                        name: r.name,
                        creationTimestamp: ago(r.minutesAgo, now),
                        labels: { ...label, ...(r.stream ? { "okd-ci/stream": r.stream } : {}) },
                    },
                    spec: { params: r.revisions === undefined ? [] : [{ name: "revisions", value: r.revisions }] },
                    status: r.finished ? { completionTime: ago(Math.max(0, r.minutesAgo - 30), now) } : {},
                })),
            );
        write("nightlies.json", runs(nightlies, { "okd-ci/run": "nightly" }));
        write("renders.json", runs(renders, { "okd-ci/run": "status" }));
        fs.writeFileSync(
            path.join(this.dir, "bin", "kubectl"),
            [
                "#!/usr/bin/env bash",
                `d=${JSON.stringify(this.dir)}`,
                'printf "%s\\0" "$@" >>"$d/kubectl.calls"; printf "\\n" >>"$d/kubectl.calls"',
                'case "$1 $2 $3 $4" in',
                '  "get configmaps --namespace okd-release") cat "$d/records.json" ;;',
                '  "get pipelineruns.tekton.dev --namespace okd-builds") cat "$d/nightlies.json" ;;',
                '  "get pipelineruns.tekton.dev --namespace okd-release") cat "$d/renders.json" ;;',
                // A named CronJob: its file, else NotFound, which kubectl get turns into no output and exit 0 with
                // --ignore-not-found (kubectl get --help: "If the requested object does not exist the command will
                // return exit code 0") and into an error naming it without.
                '  "get cronjobs.batch --namespace okd-release")',
                '    if [ -f "$d/cronjob-$5.json" ]; then cat "$d/cronjob-$5.json"',
                '    elif [[ " $* " == *" --ignore-not-found "* ]]; then :',
                '    else echo "Error from server (NotFound): cronjobs.batch $5 not found" >&2; exit 1; fi ;;',
                '  "create --namespace okd-release --filename") cp "$5" "$d/created.json"; echo "pipelinerun.tekton.dev/okd-render-status-x1 created" ;;',
                '  "delete pipelineruns.tekton.dev --namespace okd-release") shift 4; printf "pipelinerun.tekton.dev \\"%s\\" deleted\\n" "$@" ;;',
                '  *) echo "error: the test stub has no answer for: $*" >&2; exit 1 ;;',
                "esac",
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    }

    /** The stream's scheduled-nightly CronJob exists, last fired `minutesAgo` (never: null). */
    cronJob(name: string, minutesAgo: number | null, now = Date.now()): this {
        fs.writeFileSync(
            path.join(this.dir, `cronjob-${name}.json`),
            JSON.stringify({
                apiVersion: "batch/v1",
                kind: "CronJob",
                metadata: { name, namespace: "okd-release" },
                spec: { schedule: "0 2 * * *", suspend: true },
                status: minutesAgo === null ? {} : { lastScheduleTime: ago(minutesAgo, now) },
            }),
        );
        return this;
    }

    calls(): string[][] {
        const file = path.join(this.dir, "kubectl.calls");
        if (!fs.existsSync(file)) return [];
        return fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter((l) => l.length > 0)
            .map((l) => l.split("\0").slice(0, -1));
    }

    /** The PipelineRun the script created, if any. */
    created(): { metadata: Record<string, unknown>; spec: { params: { name: string; value: string }[] } } | undefined {
        const file = path.join(this.dir, "created.json");
        return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
    }

    /** The created run's throttle param. */
    throttle(): string {
        const p = this.created()?.spec.params.find((x) => x.name === "throttle");
        if (!p) throw new Error("no PipelineRun with a throttle param was created");
        return p.value;
    }

    start(env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
        const r = spawnSync("bash", [script], {
            encoding: "utf8",
            env: {
                PATH: `${path.join(this.dir, "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
                RECORDS_NAMESPACE: "okd-release",
                RUNS_NAMESPACE: "okd-builds",
                NAMESPACE: "okd-release",
                STREAMS: "4.15 4.16",
                DISPATCH_SCHEDULE: "*/10 * * * *",
                PIPELINERUN_JSON: JSON.stringify({
                    apiVersion: "tekton.dev/v1",
                    kind: "PipelineRun",
                    metadata: { generateName: "okd-render-status-", labels: { "okd-ci/run": "status" } },
                    spec: { pipelineRef: { name: "okd-render-status" } },
                }),
                ...env,
            },
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
