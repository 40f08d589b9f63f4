import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import * as YAML from "yaml";

import { streamId } from "../components/shared/pipelines";
import { secretKeys } from "../src/config/schema";
import { listStacks, readStackConfig } from "../src/synth/stackfile";
import { type SynthOutput, root, synthInProcess } from "./synth/run";

/**
 * Every stack file, synthesized as a preview would run it: the in-cluster layer renders the same objects on every
 * platform, each with that platform's identity wiring and exposure, and each stream's pipelines and triggers.
 */
interface StreamDecl {
    minor: string;
    promote?: boolean;
}

const stacks = listStacks(root);

/** What each platform's wiring looks like in the rendered objects. */
const expected: Record<string, { saAnnotation?: string; podLabel?: string; serviceType: string }> = {
    local: { serviceType: "ClusterIP" },
    // The aws site fronts a fixed node port with its own Network Load Balancer (components/aws/webhook.ts).
    aws: { serviceType: "NodePort" },
    gcp: { saAnnotation: "iam.gke.io/gcp-service-account", serviceType: "LoadBalancer" },
    azure: {
        saAnnotation: "azure.workload.identity/client-id",
        podLabel: "azure.workload.identity/use",
        serviceType: "LoadBalancer",
    },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are untyped YAML
type Doc = Record<string, any>;

function manifest(out: SynthOutput, file: string): Doc | undefined {
    const m = out.manifests.find((f) => f.file === file);
    return m === undefined ? undefined : (YAML.parse(m.content) as Doc);
}

/** `namespace/serviceAccount` subjects the plan binds a cloud identity to, whatever the cloud. */
function boundSubjects(out: SynthOutput): string[] {
    return out.plan.resources.flatMap((r) => {
        const i = r.inputs as Doc;
        if (r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation") {
            return [`${i.namespace}/${i.serviceAccount}`];
        }
        if (r.type === "azure-native:managedidentity:FederatedIdentityCredential") {
            return [
                String(i.subject)
                    .replace(/^system:serviceaccount:/, "")
                    .replace(":", "/"),
            ];
        }
        if (r.type === "gcp:serviceaccount/iAMMember:IAMMember" && i.role === "roles/iam.workloadIdentityUser") {
            return [/\[(.+)\]$/.exec(String(i.member))?.[1] ?? ""];
        }
        return [];
    });
}

describe("every stack", () => {
    it("has the four stack files the project ships", () => {
        assert.deepEqual(stacks, ["aws", "azure", "ci", "gcp"]);
    });

    for (const stack of stacks) {
        describe(`stack ${stack}`, () => {
            const config = readStackConfig(root, stack).config;
            const platform = config["okd-ci:platform"];
            const streams = JSON.parse(config["okd-ci:streams"] ?? "[]") as StreamDecl[];
            const gates = Object.keys(JSON.parse(config["okd-ci:gates"] ?? "{}") as object).sort();
            let out: SynthOutput;
            before(async () => {
                out = await synthInProcess(stack);
            });

            it("installs the pinned Tekton LTS, Triggers with interceptors, and Chains", () => {
                const sources = manifest(out, "_remote-sources.yaml")?.remoteSources as {
                    file?: string;
                    files?: string[];
                }[];
                // A ConfigFile's `file`, or a ConfigGroup's `files` (strict-mode sites, components/tekton/install.ts).
                const files = sources.flatMap((s) => [s.file, ...(s.files ?? [])]).filter((f): f is string => !!f);
                for (const pattern of [
                    /^https:\/\/infra\.tekton\.dev\/tekton-releases\/pipeline\/previous\/v1\.15\.\d+\/release\.yaml$/,
                    /^https:\/\/infra\.tekton\.dev\/tekton-releases\/triggers\/previous\/v0\.37\.\d+\/release\.yaml$/,
                    /^https:\/\/infra\.tekton\.dev\/tekton-releases\/triggers\/previous\/v0\.37\.\d+\/interceptors\.yaml$/,
                    /^https:\/\/infra\.tekton\.dev\/tekton-releases\/chains\/previous\/v0\.29\.\d+\/release\.yaml$/,
                ]) {
                    assert.ok(
                        files.some((f) => pattern.test(f)),
                        `${pattern} in ${files.join(", ")}`,
                    );
                }
            });

            it("gives each identity's ServiceAccount this platform's keyless identity, and build pods none", () => {
                const want = expected[platform];
                const build = manifest(out, "serviceaccount_okd-builds_okd-build.yaml");
                assert.ok(build, "okd-build ServiceAccount rendered");
                assert.deepEqual(
                    build.metadata.annotations ?? {},
                    {},
                    "build pods' ServiceAccount carries no identity",
                );
                const subjects = boundSubjects(out);
                assert.ok(!subjects.some((s) => s === "okd-builds/okd-build" || s.endsWith("/*")), subjects.join(", "));
                for (const [ns, sa] of [
                    ["okd-builds", "okd-records"],
                    ["okd-release", "okd-promote"],
                    ["okd-release", "okd-registry-token"],
                ]) {
                    const account = manifest(out, `serviceaccount_${ns}_${sa}.yaml`);
                    assert.ok(account, `${sa} ServiceAccount rendered`);
                    const annotations = account.metadata.annotations as Record<string, string> | string | undefined;
                    if (platform === "local") {
                        assert.deepEqual(annotations ?? {}, {});
                        continue;
                    }
                    // The cloud binds each identity to exactly its ServiceAccount.
                    assert.ok(subjects.includes(`${ns}/${sa}`), subjects.join(", "));
                    if (want.saAnnotation === undefined) {
                        assert.equal(JSON.stringify(annotations ?? {}).match(/iam\.gke|azure\.workload/), null);
                    } else if (typeof annotations === "object") {
                        assert.ok(annotations[want.saAnnotation], `${want.saAnnotation} on ${sa}`);
                    } else {
                        // Known only after apply offline (the identity's client id); the binding above is what matters.
                        assert.equal(annotations, "[unknown: known after apply]");
                    }
                }
                if (platform !== "local") {
                    assert.ok(subjects.includes("tekton-chains/tekton-chains-controller"), subjects.join(", "));
                }
                if (want.podLabel) {
                    const template = out.manifests.find((m) => m.file.startsWith("triggertemplate_"));
                    assert.ok(template?.content.includes(want.podLabel), `${want.podLabel} on the TaskRun pods`);
                }
            });

            it("exposes the GitHub listener the way the platform supports", () => {
                const service = manifest(out, "service_okd-release_okd-github-webhook.yaml");
                assert.ok(service, "webhook Service rendered");
                assert.equal(service.spec.type, expected[platform].serviceType);
            });

            it("renders a nightly Pipeline, trigger template and CronJob per stream, and release ones only where a stream promotes", () => {
                // Nightlies run in the build namespace; releases, listeners' templates and CronJobs in the release one.
                const where = (kind: string, run: string) =>
                    kind === "pipeline" && run === "nightly" ? "okd-builds" : "okd-release";
                for (const s of streams) {
                    const id = streamId(s.minor);
                    for (const kind of ["pipeline", "triggertemplate", "cronjob"]) {
                        assert.ok(
                            manifest(out, `${kind}_${where(kind, "nightly")}_okd-nightly-${id}.yaml`),
                            `${kind} nightly ${id}`,
                        );
                        assert.equal(
                            manifest(out, `${kind}_${where(kind, "release")}_okd-release-${id}.yaml`) !== undefined,
                            s.promote === true,
                            `${kind} release ${id} exists iff the stream promotes`,
                        );
                    }
                }
                const pipelines = out.manifests.filter((m) => m.file.startsWith("pipeline_")).length;
                // Plus the scheduled status render's, on every site, and the cluster reaper's, on sites with gates.
                assert.ok(manifest(out, "pipeline_okd-release_okd-render-status.yaml"), "the status render");
                assert.equal(
                    pipelines,
                    streams.length + streams.filter((s) => s.promote).length + 1 + (gates.length > 0 ? 1 : 0),
                );
            });

            it("renders an e2e gate Task for exactly the configured gates", () => {
                const gateTasks = out.manifests
                    .map((m) => /^task_okd-builds_okd-e2e-(aws|gcp|azure)\.yaml$/.exec(m.file)?.[1])
                    .filter((c): c is string => c !== undefined)
                    .sort();
                assert.deepEqual(gateTasks, gates);
            });

            it("gives no step the same environment variable twice (stepTemplate and step together)", () => {
                // Kubernetes keeps the last of two same-named env entries; which one a step sees would be luck.
                const tasks = out.manifests.filter((m) => m.file.startsWith("task_"));
                assert.ok(tasks.length > 0);
                for (const m of tasks) {
                    const spec = (YAML.parse(m.content) as Doc).spec;
                    const template = (spec.stepTemplate?.env ?? []) as { name: string }[];
                    for (const step of spec.steps as Doc[]) {
                        const names = [...template, ...((step.env ?? []) as { name: string }[])].map((e) => e.name);
                        const twice = names.filter((n, i) => names.indexOf(n) !== i);
                        assert.deepEqual(twice, [], `${m.file} step ${step.name}`);
                    }
                }
            });

            it("runs the gates' installers with their own static credentials and none of the pipeline identity", () => {
                for (const cloud of gates) {
                    for (const file of [
                        `task_okd-builds_okd-e2e-install-${cloud}.yaml`,
                        `task_okd-builds_okd-e2e-${cloud}.yaml`,
                        `task_okd-builds_okd-e2e-destroy-${cloud}.yaml`,
                    ]) {
                        const spec = manifest(out, file)?.spec as Doc;
                        assert.ok(spec, file);
                        const env = Object.fromEntries(
                            (spec.stepTemplate.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
                        );
                        // The suite's Task has the credentials file only (e2e-test.sh reads no CREDENTIALS_ENV).
                        const credentialsFile = Object.entries(env).find(([, v]) => v.startsWith("/var/run/okd-gate/"));
                        assert.ok(credentialsFile, file);
                        if (!file.includes(`okd-e2e-${cloud}.yaml`)) {
                            assert.equal(env.CREDENTIALS_ENV, credentialsFile[0]);
                        }
                        // Only the installing Task takes the install settings; destroy reads metadata.json.
                        if (file.includes("-install-")) {
                            assert.match(env.INSTALL_CREDENTIALS_MODE, /^(Mint|Passthrough)$/, file);
                        } else assert.equal(env.INSTALL_CREDENTIALS_MODE, undefined, file);
                        for (const name of [
                            "AWS_REGION",
                            "GOOGLE_CLOUD_PROJECT",
                            "AZURE_CLIENT_ID",
                            "AZURE_SUBSCRIPTION_ID",
                            "AZURE_STORAGE_ACCOUNT",
                        ]) {
                            assert.equal(env[name], undefined, `${file}: ${name}`);
                        }
                    }
                }
            });

            it("writes no Secret value in plain text", () => {
                const secrets = out.manifests.filter((f) => f.file.startsWith("secret_"));
                // Every stack writes the webhook Secret (beside the listeners, in the release namespace); the local
                // site also the Chains signing key (the clouds sign with a KMS key). A filter that matched nothing
                // would pass below.
                for (const file of [
                    "secret_okd-release_okd-github-webhook.yaml",
                    ...(platform === "local" ? ["secret_tekton-chains_signing-secrets.yaml"] : []),
                ]) {
                    assert.ok(
                        secrets.some((m) => m.file === file),
                        `${file} in ${secrets.map((m) => m.file).join(", ")}`,
                    );
                }
                for (const m of secrets) {
                    const doc = YAML.parse(m.content) as Doc;
                    assert.equal(doc.kind, "Secret", m.file);
                    const fields = [doc.data, doc.stringData].filter((f) => f !== undefined);
                    assert.ok(fields.length > 0, `${m.file} has data or stringData`);
                    for (const field of fields) {
                        // A Secret's data is sent whole as a secret, so synth shows the whole map as one placeholder.
                        const values =
                            typeof field === "string" ? [field] : Object.values(field as Record<string, string>);
                        for (const value of values) {
                            assert.match(value, /^\[(secret|unknown: known after apply)\]$/, m.file);
                        }
                    }
                }
            });

            it("loads only its own platform's cloud SDK", () => {
                const clouds = ["@pulumi/aws", "@pulumi/gcp", "@pulumi/azure-native"];
                const own = { aws: "@pulumi/aws", gcp: "@pulumi/gcp", azure: "@pulumi/azure-native" }[
                    platform as "aws"
                ];
                assert.deepEqual(
                    out.packages.filter((p) => clouds.includes(p)),
                    own ? [own] : [],
                );
            });
        });
    }

    it("keeps the stack files free of plain-text secrets", () => {
        // Every key the schema marks secret, read from the parsed file (a block scalar on the next line is a value
        // too): where a stack sets one, it must be `secure:` ciphertext.
        const plainSecrets = (doc: Doc): string[] =>
            secretKeys.filter((key) => {
                const value: unknown = doc.config?.[`okd-ci:${key}`];
                return value !== undefined && typeof (value as Doc | null)?.secure !== "string";
            });
        // The check itself, on files that set the keys: plain text (inline or as a block) is caught, ciphertext is not.
        assert.deepEqual(
            plainSecrets(
                YAML.parse("config:\n  okd-ci:githubWebhookSecret: hunter2\n  okd-ci:mirrorCredentials: |\n    {}\n"),
            ),
            ["mirrorCredentials", "githubWebhookSecret"].sort(
                (a, b) => secretKeys.indexOf(a as never) - secretKeys.indexOf(b as never),
            ),
        );
        assert.deepEqual(plainSecrets(YAML.parse("config:\n  okd-ci:githubWebhookSecret:\n    secure: AAABAJ\n")), []);
        assert.ok(secretKeys.length >= 6, `secret keys in the schema: ${secretKeys.join(", ")}`);
        for (const stack of stacks) {
            const doc = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as Doc;
            assert.deepEqual(plainSecrets(doc), [], `${stack}: secrets must be secure values`);
        }
    });
});
