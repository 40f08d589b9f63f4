/**
 * Issue 15 path 2 (and issue 10's cause), as code a build runs would try it: a `RUN` line of a component's
 * Containerfile runs in a privileged buildah step and looks for credentials. It reads the pod's environment and
 * mounts, the ServiceAccount token, the node's and the platform's metadata endpoints (the instance metadata service,
 * the EKS Pod Identity agent, the GKE metadata server, which mints a token for the pod's ServiceAccount with no
 * annotation at all), and anything the cloud binds to its ServiceAccount or namespace.
 *
 * Every stack's rendered objects are read as Tekton and Kubernetes would use them: the pods of each run its
 * TriggerTemplates create (test/security/pods.ts), the NetworkPolicies evaluated for each pod's labels
 * (test/security/network.ts), and the cloud bindings of the stack's plan. What build pods and gates legitimately
 * hold is checked exactly: the registry push token (builds), the gate's installer credentials (gates).
 */
import * as assert from "node:assert/strict";

import { identityPodLabel, pipelineNamespace, releaseNamespace } from "../../components/shared/site";
import { egressTo } from "./network";
import { type RunPod, podsOf } from "./pods";
import { type Doc, type StackObjects, ofKind, stackObjects, stacks } from "./stack-objects";

/** The Tasks that run code from upstream repositories or images built from it, with privilege or not. */
const buildTasks = ["okd-build-component", "okd-machine-os", "okd-stream-coreos"];
/**
 * The one other privileged Task: buildah on this repository's own tools Containerfile (its ConfigMap), no upstream
 * code, run as a build (no identity: its RUN steps share the pod's network) into the components repository by digest;
 * assemble, as records, tags that digest in the release repository.
 */
const toolsTask = "okd-tools-image";
const gateTasks = /^okd-e2e-(?!pull-secret)/;

/** Where a pod could get a cloud credential without holding one: IPv4 and EC2's IPv6 endpoints, port 80. */
const credentialEndpoints = [
    { what: "the instance metadata service (GKE: the GKE metadata server)", address: "169.254.169.254" },
    { what: "the EC2 IPv6 instance metadata service", address: "fd00:ec2::254" },
    { what: "the EKS Pod Identity agent", address: "169.254.170.23" },
    { what: "the EKS Pod Identity agent (IPv6)", address: "fd00:ec2::23" },
];

/** The annotations and labels through which a platform hands a pod an identity. */
const identityAnnotations = /eks\.amazonaws\.com\/|iam\.gke\.io\/|azure\.workload\.identity\//;
const identityLabels = [identityPodLabel, "azure.workload.identity/use"];

function allPods(s: StackObjects): RunPod[] {
    assert.ok(s.runs.length > 0, `${s.stack} renders runs`);
    return s.runs.flatMap((run) => podsOf(s, run));
}

const serviceAccount = (s: StackObjects, namespace: string, name: string): Doc => {
    const sa = ofKind(s, "ServiceAccount", namespace).find((x) => x.metadata.name === name);
    assert.ok(sa, `${s.stack}: ServiceAccount ${namespace}/${name} is rendered`);
    return sa;
};

/**
 * Every way the stack's plan binds a cloud identity to a Kubernetes subject, as `namespace/name` (`namespace/*` for a
 * whole namespace): EKS Pod Identity associations, GKE Workload Identity members (the `svc.id.goog[ns/sa]` form and
 * the Workload Identity Federation principals), Azure federated credentials (their `subject`).
 */
function cloudBindings(s: StackObjects): { subject: string; resource: string }[] {
    const out: { subject: string; resource: string }[] = [];
    for (const r of s.out.plan.resources) {
        const inputs = (r.inputs ?? {}) as Doc;
        if (r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation") {
            out.push({ subject: `${inputs.namespace}/${inputs.serviceAccount}`, resource: r.name });
            continue;
        }
        const text = JSON.stringify(inputs);
        for (const m of text.matchAll(/svc\.id\.goog\[([^/\]]+)\/([^\]]+)\]/g)) {
            out.push({ subject: `${m[1]}/${m[2]}`, resource: r.name });
        }
        for (const m of text.matchAll(/\/ns\/([^/"]+)\/sa\/([^/"]+)/g)) {
            out.push({ subject: `${m[1]}/${m[2]}`, resource: r.name });
        }
        for (const m of text.matchAll(/\/(?:kubernetes\.)?namespace\/([^/"]+)/g)) {
            out.push({ subject: `${m[1]}/*`, resource: r.name });
        }
        for (const m of text.matchAll(/system:serviceaccounts?:([^:"]+)(?::([^"]+))?/g)) {
            out.push({ subject: `${m[1]}/${m[2] ?? "*"}`, resource: r.name });
        }
    }
    return out;
}

for (const stack of stacks()) {
    describe(`security: build pods of stack ${stack}`, () => {
        let s: StackObjects;
        let pods: RunPod[];
        let builds: RunPod[];
        before(async function () {
            this.timeout(180_000);
            s = await stackObjects(stack);
            pods = allPods(s);
            builds = pods.filter((p) => buildTasks.includes(p.task.metadata.name));
            assert.ok(builds.length > 0, `${stack} runs builds`);
        });

        it("runs no privileged pod but a build, and every build outside the release namespace", () => {
            const privileged = pods.filter((p) => p.privileged).map((p) => p.task.metadata.name as string);
            assert.ok(privileged.length > 0, "builds run buildah privileged");
            assert.deepEqual(
                privileged.filter((t) => !buildTasks.includes(t) && t !== toolsTask),
                [],
                "privileged Tasks that are not builds",
            );
            // The tools image builds what the ConfigMap holds (this repository's file), not a cloned source.
            const tools = ofKind(s, "Task", pipelineNamespace).find((t) => t.metadata.name === toolsTask);
            assert.ok(tools, `${stack} renders the tools image Task`);
            const sources = ((tools.spec.volumes ?? []) as Doc[]).map((v) => v.configMap?.name ?? v.secret?.secretName);
            assert.ok(sources.includes("okd-pipeline-containerfiles"), sources.join(", "));
            assert.ok(
                ((tools.spec.steps ?? []) as Doc[]).every((st) => !/git clone|clone-source/.test(st.script ?? "")),
                "the tools image clones nothing",
            );
            assert.deepEqual(
                builds.filter((p) => p.namespace !== pipelineNamespace).map((p) => `${p.namespace}/${p.pipelineTask}`),
                [],
            );
            assert.deepEqual(
                ofKind(s, "Task", releaseNamespace)
                    .filter((t) => ((t.spec.steps ?? []) as Doc[]).some((c) => c.securityContext?.privileged))
                    .map((t) => t.metadata.name),
                [],
            );
        });

        it("runs every build as a ServiceAccount with no identity annotation, API token or linked Secret", () => {
            const accounts = [...new Set(builds.map((p) => `${p.namespace}/${p.serviceAccount}`))];
            for (const a of accounts) {
                const [namespace, name] = a.split("/");
                const sa = serviceAccount(s, namespace, name);
                assert.deepEqual(
                    Object.keys(sa.metadata.annotations ?? {}).filter((k) => identityAnnotations.test(k)),
                    [],
                    `${a} carries an identity annotation`,
                );
                assert.equal(sa.automountServiceAccountToken, false, `${a} mounts an API token into build pods`);
                assert.deepEqual(
                    [...(sa.secrets ?? []), ...(sa.imagePullSecrets ?? [])],
                    [],
                    `${a} links Secrets, which Tekton's creds-init writes into every step`,
                );
            }
            for (const p of builds) {
                assert.notEqual(p.podTemplate.automountServiceAccountToken, true, `${p.pipelineTask} mounts a token`);
                assert.deepEqual(
                    identityLabels.filter((l) => l in p.labels),
                    [],
                    `${p.run}${p.pipelineTask} is labelled as an identity pod`,
                );
            }
        });

        it("binds no cloud identity to a ServiceAccount builds or gates run as, nor to their namespace", () => {
            const untrusted = new Set(
                pods
                    .filter((p) => buildTasks.includes(p.task.metadata.name) || gateTasks.test(p.task.metadata.name))
                    .map((p) => `${p.namespace}/${p.serviceAccount}`),
            );
            const buildAccounts = new Set(builds.map((p) => `${p.namespace}/${p.serviceAccount}`));
            const bindings = cloudBindings(s);
            assert.deepEqual(
                bindings.filter(
                    (b) =>
                        buildAccounts.has(b.subject) ||
                        [pipelineNamespace, releaseNamespace].some((ns) => b.subject === `${ns}/*`),
                ),
                [],
            );
            // Gates run the installer under test: they may share the pull-only ServiceAccount (its pull secret is
            // their input), never an identity that writes.
            for (const b of bindings.filter((x) => untrusted.has(x.subject))) {
                assert.match(b.resource, /e2e-pull|okd-e2e/, `${b.subject} (a gate) is bound to ${b.resource}`);
            }
        });

        it("lets no pod without an identity label reach the metadata service or a credential agent", () => {
            const untrusted = pods.filter((p) => !(identityPodLabel in p.labels));
            assert.ok(untrusted.some((p) => buildTasks.includes(p.task.metadata.name)));
            for (const p of untrusted) {
                for (const e of credentialEndpoints) {
                    const r = egressTo(s.objects, p.namespace, p.labels, e.address, 80);
                    assert.ok(r.isolated, `${p.namespace}/${p.pipelineTask} is not isolated for egress`);
                    assert.deepEqual(
                        r.allowedBy,
                        [],
                        `${p.run}${p.pipelineTask} (${p.task.metadata.name}) reaches ${e.what} at ${e.address}`,
                    );
                }
                // Not on another port either: GKE's metadata server listens on 988 on the node.
                assert.deepEqual(egressTo(s.objects, p.namespace, p.labels, "169.254.169.254", 988).allowedBy, []);
            }
        });

        it("lets identity pods reach their platform's credential agent, and only that", () => {
            const records = pods.filter((p) => p.labels[identityPodLabel] === "records");
            assert.ok(records.length > 0, "records tasks run as an identity");
            const reach = (address: string) =>
                egressTo(s.objects, records[0].namespace, records[0].labels, address, 80);
            const platform = (s.out.plan.resources.find((r) => /^okd-ci:\w+:Site$/.test(r.type))?.type ?? "").split(
                ":",
            )[1];
            const expected: Record<string, string[]> = {
                aws: ["169.254.170.23", "fd00:ec2::23"],
                gcp: ["169.254.169.254"],
                azure: [],
                local: [],
            };
            assert.ok(platform in expected, `site platform ${platform}`);
            assert.deepEqual(
                credentialEndpoints.map((e) => e.address).filter((a) => reach(a).allowedBy.length > 0),
                expected[platform],
            );
        });

        it("mounts into build pods the registry push token only, and into gates their installer credentials", () => {
            for (const p of builds) {
                const expected = p.task.metadata.name === "okd-stream-coreos" ? [] : ["okd-registry-push"];
                assert.deepEqual(p.secrets, expected, `${p.run}${p.pipelineTask}`);
            }
            const push = ofKind(s, "Secret").filter((x) => x.metadata.name === "okd-registry-push");
            assert.deepEqual(
                push.map((x) => x.metadata.namespace),
                [pipelineNamespace],
            );
            for (const p of pods.filter((x) => gateTasks.test(x.task.metadata.name))) {
                assert.deepEqual(
                    p.secrets.filter((x) => !/^okd-gate-/.test(x)),
                    [],
                    `${p.pipelineTask} reads a Secret other than its gate's`,
                );
            }
        });

        it("gives a build nothing to write a release record with: no storage credential, no identity (issue 15 path 3)", () => {
            // What release-record.sh needs: rclone's `artifacts` remote with a credential (local: the storage role's
            // key pair from a Secret; clouds: the pod's identity). A build step has neither.
            for (const p of builds) {
                const containers = [
                    ...((p.task.spec.steps ?? []) as Doc[]),
                    ...(p.task.spec.stepTemplate ? [p.task.spec.stepTemplate as Doc] : []),
                ];
                const env = containers.flatMap((c) => ((c.env ?? []) as Doc[]).map((e) => e.name as string));
                assert.deepEqual(
                    env.filter((n) => /^RCLONE_CONFIG_ARTIFACTS_|^AWS_|^AZURE_|^GOOGLE_/.test(n)),
                    [],
                    `${p.pipelineTask}: storage or cloud settings in a build step`,
                );
                assert.deepEqual(
                    containers.flatMap((c) => (c.envFrom ?? []) as Doc[]),
                    [],
                    `${p.pipelineTask}: envFrom in a build step`,
                );
                assert.ok(!(identityPodLabel in p.labels), `${p.pipelineTask} holds an identity`);
            }
        });

        it("builds the tools image as a build: no identity, no metadata server or credential agent, the push token only", () => {
            // Its RUN steps share the pod's network (--network host): on GKE any process of a pod that may reach
            // the metadata server gets the pod's token, so the pod must be one that cannot (a review finding).
            const tools = pods.filter((p) => p.task.metadata.name === toolsTask);
            assert.ok(tools.length > 0, `${stack} runs the tools image`);
            for (const p of tools) {
                assert.equal(p.serviceAccount, "okd-build", `${p.run}${p.pipelineTask}`);
                assert.ok(!(identityPodLabel in p.labels), `${p.run}${p.pipelineTask} carries an identity label`);
                assert.deepEqual(p.secrets, ["okd-registry-push"]);
                for (const e of credentialEndpoints) {
                    assert.deepEqual(
                        egressTo(s.objects, p.namespace, p.labels, e.address, 80).allowedBy,
                        [],
                        `${p.run}${p.pipelineTask} reaches ${e.what}`,
                    );
                }
            }
            const bound = new Set(cloudBindings(s).map((b) => b.subject));
            assert.ok(!bound.has(`${tools[0].namespace}/okd-build`), "okd-build is bound to a cloud identity");
        });

        it("schedules no identity pod where builds run", () => {
            const onBuildPool = (p: Doc) =>
                Object.keys(p.nodeSelector ?? {}).length > 0 ||
                ((p.tolerations ?? []) as Doc[]).some((t) => t.key === "okd-ci/pool" || t.operator === "Exists");
            assert.deepEqual(
                pods
                    .filter((p) => identityPodLabel in p.labels && onBuildPool(p.podTemplate))
                    .map((p) => p.pipelineTask),
                [],
            );
            for (const job of ofKind(s, "CronJob")) {
                const pod = job.spec.jobTemplate.spec.template;
                if (identityPodLabel in (pod.metadata?.labels ?? {})) {
                    assert.ok(!onBuildPool(pod.spec), `${job.metadata.name} runs on the build pool`);
                }
            }
        });
    });
}
