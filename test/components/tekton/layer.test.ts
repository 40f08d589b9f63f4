import * as assert from "node:assert/strict";

import * as YAML from "yaml";

import type { IdentityRole, Site } from "../../../components/shared/site";
import type { TektonLayer } from "../../../components/tekton";
import type { Platform } from "../../../src/config/schema";
import { tektonLayerArgs } from "../../../src/layers";
import { find, recorder, settled, under, useMocks } from "../../helpers";
import { tektonLint } from "../../support/tekton-lint";
import {
    type Json,
    fakeConfig,
    fakeKmsRef,
    fakeRuns,
    e2ePullAnnotations,
    fakeSite,
    identityAnnotationsOf,
    sentinel,
    stream415,
    stream416,
    written,
} from "./fixtures";

const T = {
    configFile: "kubernetes:yaml/v2:ConfigFile",
    cmPatch: "kubernetes:core/v1:ConfigMapPatch",
    secret: "kubernetes:core/v1:Secret",
    secretPatch: "kubernetes:core/v1:SecretPatch",
    sa: "kubernetes:core/v1:ServiceAccount",
    saPatch: "kubernetes:core/v1:ServiceAccountPatch",
    ns: "kubernetes:core/v1:Namespace",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    cronJob: "kubernetes:batch/v1:CronJob",
    listener: "kubernetes:triggers.tekton.dev/v1beta1:EventListener",
    binding: "kubernetes:triggers.tekton.dev/v1beta1:TriggerBinding",
    template: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
} as const;

const inputs = (type: string, name: string): Json => find(type, name).inputs;
const sentinelPrefix = sentinel("");

async function buildLayer(
    name: string,
    platform: Platform,
    streams: object[] = [stream415],
    extra: Record<string, unknown> = {},
    omitSecrets: string[] = [],
    siteWebhook: Partial<Site["webhook"]> = {},
): Promise<TektonLayer> {
    const { TektonLayer } = await import("../../../components/tekton");
    const config = fakeConfig(platform, streams, extra, omitSecrets);
    const layer = new TektonLayer(
        name,
        tektonLayerArgs(config, { site: fakeSite(`${name}-site`, platform, siteWebhook), runs: fakeRuns(config) }),
    );
    await settled();
    return layer;
}

describe("Tekton layer", () => {
    useMocks();

    describe("install", () => {
        const n = "tki";
        before(() => buildLayer(n, "local"));

        it("installs Pipelines v1.15, Triggers v0.37 with its interceptors and Chains v0.29 from pinned infra.tekton.dev URLs", () => {
            const files = Object.fromEntries(
                under(`${n}-install`, T.configFile).map((r) => [r.name.slice(`${n}-install-`.length), r.inputs.file]),
            );
            assert.deepEqual(files, {
                pipelines: "https://infra.tekton.dev/tekton-releases/pipeline/previous/v1.15.0/release.yaml",
                triggers: "https://infra.tekton.dev/tekton-releases/triggers/previous/v0.37.0/release.yaml",
                interceptors: "https://infra.tekton.dev/tekton-releases/triggers/previous/v0.37.0/interceptors.yaml",
                chains: "https://infra.tekton.dev/tekton-releases/chains/previous/v0.29.1/release.yaml",
            });
        });

        it("reads the same pinned files from a mirror or local directory named by tektonManifestSource", async () => {
            const m = "tkm";
            await buildLayer(m, "local", [stream415], { tektonManifestSource: "/srv/tekton-releases/" });
            const files = Object.fromEntries(
                under(`${m}-install`, T.configFile).map((r) => [r.name.slice(`${m}-install-`.length), r.inputs.file]),
            );
            assert.deepEqual(files, {
                pipelines: "/srv/tekton-releases/pipeline/previous/v1.15.0/release.yaml",
                triggers: "/srv/tekton-releases/triggers/previous/v0.37.0/release.yaml",
                interceptors: "/srv/tekton-releases/triggers/previous/v0.37.0/interceptors.yaml",
                chains: "/srv/tekton-releases/chains/previous/v0.29.1/release.yaml",
            });
        });

        it("installs only after the site is ready, and Triggers and Chains after Pipelines", () => {
            const siteReady = find(T.ns, `${n}-site-ready`).urn;
            const pipelines = find(T.configFile, `${n}-install-pipelines`);
            assert.ok(pipelines.dependencies.includes(siteReady), pipelines.dependencies.join(", "));
            for (const next of ["triggers", "chains"]) {
                assert.ok(find(T.configFile, `${n}-install-${next}`).dependencies.includes(pipelines.urn), next);
            }
            const triggers = find(T.configFile, `${n}-install-triggers`).urn;
            assert.ok(find(T.configFile, `${n}-install-interceptors`).dependencies.includes(triggers));
        });

        it("creates every Tekton and Triggers object only after the releases and flags are in place", () => {
            const installed = under(`${n}-install`)
                .filter((r) => r.type === T.configFile || r.type === T.cmPatch)
                .map((r) => r.urn);
            assert.equal(installed.length, 6);
            const tektonObjects = recorder().resources.filter(
                (r) => r.name.startsWith(`${n}-`) && r.type.includes("tekton.dev"),
            );
            assert.ok(tektonObjects.length >= 5);
            for (const r of tektonObjects) {
                for (const urn of installed) assert.ok(r.dependencies.includes(urn), `${r.name} misses ${urn}`);
            }
        });

        it("sets the Pipelines feature flags deliberately, by forced server-side patch of the release's ConfigMap", () => {
            const flags = inputs(T.cmPatch, `${n}-install-feature-flags`);
            assert.equal(flags.metadata.name, "feature-flags");
            assert.equal(flags.metadata.namespace, "tekton-pipelines");
            assert.equal(flags.metadata.annotations["pulumi.com/patchForce"], "true");
            assert.equal(flags.data.coschedule, "workspaces");
            assert.equal(flags.data["set-security-context"], "true");
            assert.equal(flags.data["results-from"], "termination-message");
            assert.equal(flags.data["enable-api-fields"], "beta");
            assert.equal(flags.data["enable-provenance-in-status"], "true");
        });

        it("defaults runs to 180 minutes and to a pod template that never tolerates the build pool", () => {
            const defaults = inputs(T.cmPatch, `${n}-install-config-defaults`);
            assert.equal(defaults.metadata.name, "config-defaults");
            assert.equal(defaults.data["default-timeout-minutes"], "180");
            // Exactly this: no tolerations, no node selector.
            assert.deepEqual(YAML.parse(defaults.data["default-pod-template"]), {
                securityContext: { fsGroup: 65532 },
            });
        });
    });

    describe("build namespace", () => {
        const n = "tkn";
        before(() => buildLayer(n, "aws", [stream415], { buildMaxNodes: 4 }));

        it("enforces Pod Security baseline and warns and audits at restricted", () => {
            const labels = inputs(T.ns, `${n}-builds-ns`).metadata.labels;
            assert.equal(inputs(T.ns, `${n}-builds-ns`).metadata.name, "okd-builds");
            assert.equal(labels["pod-security.kubernetes.io/enforce"], "baseline");
            assert.equal(labels["pod-security.kubernetes.io/warn"], "restricted");
            assert.equal(labels["pod-security.kubernetes.io/audit"], "restricted");
        });

        it("sizes the quota from the build pool's maximum, and allows no load balancer: the webhook is not here", () => {
            const hard = inputs("kubernetes:core/v1:ResourceQuota", `${n}-builds-quota`).spec.hard;
            assert.equal(hard["requests.cpu"], "36");
            assert.equal(hard["requests.memory"], "136Gi");
            assert.equal(hard["limits.memory"], "272Gi");
            assert.equal(hard["services.loadbalancers"], "0");
            assert.equal(hard["services.nodeports"], "0");
            assert.equal(hard.pods, "130");
        });

        it("bounds the PipelineRuns of each namespace, so a replayed delivery cannot start runs without end", () => {
            const builds = inputs("kubernetes:core/v1:ResourceQuota", `${n}-builds-quota`).spec.hard;
            const release = inputs("kubernetes:core/v1:ResourceQuota", `${n}-release-quota`).spec.hard;
            // tektonPruneKeep (25 in the fixture) plus a day of runs: 30 nightlies, 4 of the cluster reaper.
            assert.equal(builds["count/pipelineruns.tekton.dev"], "59");
            assert.equal(release["count/pipelineruns.tekton.dev"], "34");
            assert.equal(release["services.loadbalancers"], "1");
        });

        it("gives containers default requests and a memory limit but no default CPU limit, and bounds volumes", () => {
            const limits = inputs("kubernetes:core/v1:LimitRange", `${n}-builds-limits`).spec.limits;
            const container = limits.find((l: Json) => l.type === "Container");
            assert.deepEqual(container.defaultRequest, { cpu: "100m", memory: "256Mi" });
            assert.deepEqual(container.default, { memory: "1Gi" });
            assert.deepEqual(container.max, { memory: "28Gi" });
            const pvc = limits.find((l: Json) => l.type === "PersistentVolumeClaim");
            assert.deepEqual(pvc.max, { storage: "200Gi" });
        });

        it("denies all traffic by default and allows DNS and web egress", () => {
            const deny = inputs(T.netpol, `${n}-builds-netpol-default-deny`).spec;
            assert.deepEqual(deny, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            const dns = inputs(T.netpol, `${n}-builds-netpol-allow-dns`).spec.egress[0];
            assert.deepEqual(
                dns.ports.map((p: Json) => `${p.protocol}/${p.port}`),
                ["UDP/53", "TCP/53"],
            );
            const web = inputs(T.netpol, `${n}-builds-netpol-allow-web`).spec.egress[0];
            assert.deepEqual(
                web.ports.map((p: Json) => p.port),
                [443, 6443, 80],
            );
        });

        it("keeps every pod away from link-local addresses (metadata service, credential agents) and Azure's WireServer", () => {
            for (const ns of ["builds", "release"]) {
                const web = inputs(T.netpol, `${n}-${ns}-netpol-allow-web`).spec.egress[0];
                assert.deepEqual(web.to, [
                    { ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16", "168.63.129.16/32"] } },
                    { ipBlock: { cidr: "::/0", except: ["fd00:ec2::/32"] } },
                ]);
            }
        });

        it("carries no Kubernetes API token on the build namespace's ServiceAccounts", () => {
            for (const sa of ["build", "records", "e2e"]) {
                assert.equal(inputs(T.sa, `${n}-builds-${sa}-sa`).automountServiceAccountToken, false, sa);
            }
        });

        it("links no Secret to any ServiceAccount: creds-init writes the quay.io credentials into no step", () => {
            const accounts = recorder().resources.filter((r) => r.name.startsWith(`${n}-`) && r.type === T.sa);
            assert.ok(accounts.length >= 8, accounts.map((a) => a.name).join(", "));
            for (const a of accounts) {
                const i = a.inputs as Json;
                assert.equal(i.secrets, undefined, a.name);
                assert.equal(i.imagePullSecrets, undefined, a.name);
            }
        });

        it("keeps the release namespace restricted and the build namespace apart", () => {
            const labels = inputs(T.ns, `${n}-release-ns`).metadata.labels;
            assert.equal(inputs(T.ns, `${n}-release-ns`).metadata.name, "okd-release");
            assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        });
    });

    for (const platform of ["aws", "gcp", "azure", "local"] as const) {
        describe(`on a ${platform} site`, () => {
            const n = `tkp-${platform}`;
            before(() => buildLayer(n, platform));

            it("gives each ServiceAccount its own identity, and the build one none", () => {
                const account = (ns: string, sa: string) => inputs(T.sa, `${n}-${ns}-${sa}-sa`).metadata;
                const expect = (ns: string, sa: string, name: string, namespace: string, role?: IdentityRole) => {
                    const m = account(ns, sa);
                    assert.equal(m.name, name);
                    assert.equal(m.namespace, namespace);
                    assert.deepEqual(m.annotations, role ? identityAnnotationsOf(platform, role) : {}, name);
                };
                expect("builds", "build", "okd-build", "okd-builds");
                expect("builds", "records", "okd-records", "okd-builds", "records");
                expect("release", "promote", "okd-promote", "okd-release", "promote");
                expect("release", "registry-token", "okd-registry-token", "okd-release", "build");
                const chains = inputs(T.saPatch, `${n}-chains-controller-sa`).metadata;
                assert.equal(chains.name, "tekton-chains-controller");
                assert.equal(chains.namespace, "tekton-chains");
                assert.deepEqual(chains.annotations, {
                    ...identityAnnotationsOf(platform, "chains"),
                    "pulumi.com/patchForce": "true",
                    "okd-ci/applied-after":
                        "https://infra.tekton.dev/tekton-releases/chains/previous/v0.29.1/release.yaml",
                });
            });

            it("gives the e2e ServiceAccount only the site's pull-only registry identity: installers use Secrets", () => {
                const e2e = inputs(T.sa, `${n}-builds-e2e-sa`).metadata;
                assert.equal(e2e.name, "okd-e2e");
                assert.deepEqual(e2e.annotations, platform === "gcp" ? e2ePullAnnotations : {});
            });

            it("labels no PipelineRun for an identity, and the Chains controller's pods for it only on azure", () => {
                const label = "azure.workload.identity/use";
                for (const t of under(`${n}-triggers`, T.template)) {
                    const labels = (t.inputs as Json).spec.resourcetemplates[0].metadata.labels;
                    assert.equal(labels[label], undefined, t.name);
                    assert.equal(labels["okd-ci/identity"], undefined, t.name);
                }
                const patches = under(`${n}-chains`, "kubernetes:apps/v1:DeploymentPatch");
                assert.equal(patches.length, platform === "azure" ? 1 : 0);
                if (platform === "azure") {
                    const patch = patches[0].inputs as Json;
                    assert.equal(patch.metadata.name, "tekton-chains-controller");
                    assert.equal(patch.spec.template.metadata.labels[label], "true");
                }
            });

            it("allows egress to the platform's credential agent, and only there, for pods that hold an identity", () => {
                const policy = under(`${n}-builds-netpol-allow-credentials`, T.netpol);
                for (const p of policy) {
                    assert.deepEqual((p.inputs as Json).spec.podSelector, {
                        matchExpressions: [{ key: "okd-ci/identity", operator: "Exists" }],
                    });
                }
                const expected: Record<Platform, string[]> = {
                    aws: ["169.254.170.23/32:80", "fd00:ec2::23/128:80"],
                    gcp: ["169.254.169.254/32:80"],
                    azure: [],
                    local: [],
                };
                const got = policy.flatMap((p) =>
                    (p.inputs as Json).spec.egress.flatMap((e: Json) =>
                        e.ports.map((port: Json) => `${e.to[0].ipBlock.cidr}:${port.port}`),
                    ),
                );
                assert.deepEqual(got, expected[platform]);
            });

            it("allows egress to the site's in-cluster registry and object store only where it has them", () => {
                const egress = inputs(T.netpol, `${n}-builds-netpol-allow-site-services`).spec.egress;
                const got = egress.map(
                    (e: Json) =>
                        `${e.to[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"]}:${e.ports[0].port}`,
                );
                assert.deepEqual(got, platform === "local" ? ["okd-site:5000", "okd-site:8333"] : []);
            });

            it("exposes the GitHub listener with the site's Service type, annotations and node port", () => {
                const svc = inputs(T.service, `${n}-triggers-webhook`);
                const type = { aws: "NodePort", gcp: "LoadBalancer", azure: "LoadBalancer", local: "ClusterIP" };
                assert.equal(svc.spec.type, type[platform]);
                assert.deepEqual(
                    svc.metadata.annotations,
                    platform === "gcp" ? { "cloud.google.com/l4-rbs": "enabled" } : {},
                );
                assert.deepEqual(svc.spec.selector, { eventlistener: "okd-github" });
                assert.deepEqual(svc.spec.ports, [
                    {
                        name: "http",
                        port: 80,
                        targetPort: 8080,
                        protocol: "TCP",
                        ...(platform === "aws" ? { nodePort: 30808 } : {}),
                    },
                ]);
                assert.equal(svc.spec.loadBalancerSourceRanges, undefined);
            });

            it("creates the Secrets the site calls for, each beside what reads it, and no other", () => {
                const names = under(`${n}-secrets`, T.secret)
                    .map((r) => `${(r.inputs as Json).metadata.namespace}/${(r.inputs as Json).metadata.name}`)
                    .sort();
                const expected = ["okd-release/okd-github-webhook", "okd-release/okd-mirror-credentials"];
                if (platform === "aws" || platform === "gcp") expected.push("okd-builds/okd-gate-gcp");
                if (platform === "local") {
                    expected.push("okd-builds/okd-artifacts-records", "okd-release/okd-artifacts-promote");
                }
                assert.deepEqual(names, expected.sort());
            });

            it("sends every secret value as a secret: the written form never shows one", () => {
                const mine = recorder().resources.filter((r) => r.name.startsWith(`${n}-`));
                const carriers = mine.filter((r) => JSON.stringify(r.inputs).includes(sentinelPrefix));
                // Control: the values did reach the Secrets (so the check below is about hiding them).
                assert.ok(carriers.length >= 2, carriers.map((r) => r.name).join(", "));
                for (const r of mine) assert.ok(!written(r).includes(sentinelPrefix), `${r.name} leaks a secret`);
            });
        });
    }

    describe("secrets", () => {
        const n = "tks";
        before(() => buildLayer(n, "aws"));

        it("stores the mirror credentials as a docker config Secret in the release namespace", () => {
            const s = inputs(T.secret, `${n}-secrets-mirror`);
            assert.equal(s.type, "kubernetes.io/dockerconfigjson");
            assert.equal(s.metadata.namespace, "okd-release");
            assert.deepEqual(s.stringData, { ".dockerconfigjson": sentinel("mirrorCredentials") });
        });

        it("stores the webhook secret under the key the GitHub interceptor reads", () => {
            assert.deepEqual(inputs(T.secret, `${n}-secrets-webhook`).stringData, {
                secretToken: sentinel("githubWebhookSecret"),
            });
        });

        it("stores a foreign gate's installer credentials under the file name its installer reads", () => {
            const s = inputs(T.secret, `${n}-secrets-gate-gcp`);
            assert.equal(s.metadata.name, "okd-gate-gcp");
            assert.deepEqual(s.stringData, { "gce.json": sentinel("gateCredentialsGcp") });
        });

        it("puts no signing key in any Secret on a cloud: Chains signs with the site's KMS key", () => {
            assert.equal(under(`${n}-chains`, T.secretPatch).length, 0);
            assert.equal(under(`${n}-chains`, "tls:index/privateKey:PrivateKey").length, 0);
            const data = inputs(T.cmPatch, `${n}-chains-config`).data;
            for (const kind of ["taskrun", "pipelinerun", "oci"]) {
                assert.equal(data[`artifacts.${kind}.signer`], "kms");
            }
            assert.equal(data["signers.kms.kmsref"], fakeKmsRef.aws);
        });
    });

    describe("secrets on the local site", () => {
        const n = "tksl";
        before(() => buildLayer(n, "local"));

        it("fills Chains' signing-secrets with the configured cosign key and password", () => {
            const s = inputs(T.secretPatch, `${n}-chains-signing-secret`);
            assert.equal(s.metadata.name, "signing-secrets");
            assert.equal(s.metadata.namespace, "tekton-chains");
            assert.deepEqual(s.stringData, {
                "cosign.key": sentinel("chainsSigningKey"),
                "cosign.password": sentinel("chainsSigningKeyPassword"),
            });
            assert.equal(under(`${n}-chains`, "tls:index/privateKey:PrivateKey").length, 0);
        });

        it("gives each storage role its own object-store keys, beside its ServiceAccount", () => {
            const records = inputs(T.secret, `${n}-secrets-artifacts-records`);
            const promote = inputs(T.secret, `${n}-secrets-artifacts-promote`);
            assert.equal(records.metadata.namespace, "okd-builds");
            assert.equal(promote.metadata.namespace, "okd-release");
            assert.equal(records.stringData.AWS_ACCESS_KEY_ID, sentinel("s3-records-access-key"));
            assert.equal(promote.stringData.AWS_ACCESS_KEY_ID, sentinel("s3-promote-access-key"));
        });
    });

    describe("without configured secrets", () => {
        const n = "tkg";
        before(() =>
            buildLayer(n, "local", [stream416], {}, [
                "mirrorCredentials",
                "githubWebhookSecret",
                "chainsSigningKey",
                "chainsSigningKeyPassword",
            ]),
        );

        it("generates an ECDSA P-256 signing key and fills signing-secrets from it", () => {
            const key = find("tls:index/privateKey:PrivateKey", `${n}-chains-signing-key`);
            assert.deepEqual(key.inputs, { algorithm: "ECDSA", ecdsaCurve: "P256" });
            // The mocks give the key no PEM; which field goes where is asserted on signingSecretData below.
            const patch = find(T.secretPatch, `${n}-chains-signing-secret`);
            assert.ok(patch.dependencies.includes(key.urn));
        });

        it("gives Chains a generated key's PKCS#8 PEM as x509.pem, and a cosign key with its password", async () => {
            const { signingSecretData } = await import("../../../components/tekton");
            assert.deepEqual(signingSecretData({ kind: "x509", pkcs8Pem: "PEM" }), { "x509.pem": "PEM" });
            assert.deepEqual(signingSecretData({ kind: "cosign", key: "K", password: "P" }), {
                "cosign.key": "K",
                "cosign.password": "P",
            });
        });

        it("generates the webhook secret and creates no mirror Secret", () => {
            assert.ok(find("random:index/randomPassword:RandomPassword", `${n}-secrets-webhook-token`));
            assert.equal(under(`${n}-secrets-mirror`).length, 0);
        });
    });

    describe("RBAC", () => {
        const writeVerbs = [
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
            "impersonate",
            "escalate",
            "bind",
            "*",
        ];
        const rbac = (type: string) =>
            recorder().resources.filter(
                (r) => /^tk[a-z]*-/.test(r.name) && r.type === `kubernetes:rbac.authorization.k8s.io/v1:${type}`,
            );
        before(() => buildLayer("tkr", "gcp"));

        it("creates ClusterRoles with read verbs only", () => {
            const roles = rbac("ClusterRole");
            assert.ok(roles.length > 0);
            for (const r of roles) {
                for (const rule of (r.inputs as Json).rules) {
                    const writes = rule.verbs.filter((v: string) => writeVerbs.includes(v));
                    assert.deepEqual(writes, [], `${r.name} grants ${writes.join(", ")}`);
                    assert.ok(!rule.resources.includes("secrets"), `${r.name} reads Secrets cluster-wide`);
                }
            }
        });

        it("binds cluster-wide only ClusterRoles it created itself", () => {
            const own = new Set(rbac("ClusterRole").map((r) => (r.inputs as Json).metadata.name));
            for (const b of rbac("ClusterRoleBinding")) {
                const ref = (b.inputs as Json).roleRef;
                assert.equal(ref.kind, "ClusterRole");
                assert.ok(own.has(ref.name), `${b.name} binds ${ref.name} cluster-wide`);
            }
        });

        it("binds only Roles of its own in the pipeline namespaces, never an upstream or admin ClusterRole", () => {
            for (const b of rbac("RoleBinding")) {
                const i = b.inputs as Json;
                assert.ok(["okd-builds", "okd-release"].includes(i.metadata.namespace), b.name);
                assert.equal(i.roleRef.kind, "Role", b.name);
            }
        });

        it("lets the pruner list and delete PipelineRuns in the pipeline namespaces and nothing else", () => {
            for (const ns of ["builds", "release"]) {
                const role = inputs("kubernetes:rbac.authorization.k8s.io/v1:Role", `tkr-pruner-${ns}-role`);
                assert.equal(role.metadata.namespace, `okd-${ns}`);
                assert.deepEqual(role.rules, [
                    { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "delete"] },
                ]);
            }
        });
    });
});

describe("Tekton layer Chains", () => {
    useMocks();

    before(() => buildLayer("tkc", "local"));

    it("records SLSA v1 provenance for TaskRuns and PipelineRuns, deep-inspecting child TaskRuns", () => {
        const data = inputs(T.cmPatch, "tkc-chains-config").data;
        assert.equal(data["artifacts.taskrun.format"], "slsa/v2alpha4");
        assert.equal(data["artifacts.pipelinerun.format"], "slsa/v2alpha4");
        assert.equal(data["artifacts.pipelinerun.enable-deep-inspection"], "true");
    });

    it("stores signatures and attestations in the site's attestation repository, with TLS off only for an insecure registry", () => {
        const data = inputs(T.cmPatch, "tkc-chains-config").data;
        assert.equal(data["artifacts.taskrun.storage"], "oci");
        assert.equal(data["artifacts.pipelinerun.storage"], "oci");
        assert.equal(data["storage.oci.repository"], "registry.okd-site.svc.cluster.local:5000/attestations");
        assert.equal(data["storage.oci.repository.insecure"], "true");
    });

    it("signs with the x509 key and keeps transparency logging off", () => {
        const data = inputs(T.cmPatch, "tkc-chains-config").data;
        for (const kind of ["taskrun", "pipelinerun", "oci"]) assert.equal(data[`artifacts.${kind}.signer`], "x509");
        assert.equal(data["transparency.enabled"], "false");
    });

    it("patches the release's chains-config and waits for the Chains release", () => {
        const patch = find(T.cmPatch, "tkc-chains-config");
        assert.equal((patch.inputs as Json).metadata.namespace, "tekton-chains");
        assert.ok(patch.dependencies.includes(find(T.configFile, "tkc-install-chains").urn));
    });
});

describe("Tekton layer triggers", () => {
    useMocks();

    const n = "tkt";
    before(() =>
        buildLayer(n, "gcp", [stream415, stream416], { webhookSourceRanges: ["192.30.252.0/22"] }, [], {
            ingress: { host: "hooks.okd.example.org", className: "gce" },
        }),
    );

    it("checks the GitHub signature and push events before filtering on branch and repositories", () => {
        const el = inputs(T.listener, `${n}-triggers-listener-github`);
        assert.equal(el.metadata.name, "okd-github");
        assert.equal(el.spec.serviceAccountName, "okd-triggers");
        const trigger = el.spec.triggers.find((t: Json) => t.name === "nightly-4-15");
        const [github, cel] = trigger.interceptors;
        assert.equal(github.ref.name, "github");
        assert.deepEqual(github.params, [
            { name: "secretRef", value: { secretName: "okd-github-webhook", secretKey: "secretToken" } },
            { name: "eventTypes", value: ["push"] },
        ]);
        assert.equal(cel.ref.name, "cel");
        assert.equal(
            cel.params[0].value,
            "body.ref == 'refs/heads/release-4.15' && !body.deleted && body.repository.full_name.lowerAscii() in " +
                "['openshift/installer', 'openshift/ironic-image', 'openshift/okd-machine-os']",
        );
        assert.deepEqual(trigger.bindings, [
            { ref: "okd-push" },
            { name: "delivery", value: "$(header.X-GitHub-Delivery)" },
            { name: "pushed-at", value: "$(body.repository.pushed_at)" },
        ]);
        // A push is recorded for the dispatcher (throttle.test.ts), never a run by itself.
        assert.deepEqual(trigger.template, { ref: "okd-push-record-4-15" });
    });

    it("starts only nightlies from GitHub, one trigger per stream", () => {
        const el = inputs(T.listener, `${n}-triggers-listener-github`);
        assert.deepEqual(
            el.spec.triggers.map((t: Json) => t.name),
            ["nightly-4-15", "nightly-4-16"],
        );
        const filter416 = el.spec.triggers[1].interceptors[1].params[0].value;
        assert.match(filter416, /refs\/heads\/master/);
        // 4.16 is an OKD/SCOS stream: it builds no machine-os, so okd-machine-os pushes do not start it.
        assert.match(filter416, /in \['openshift\/installer'\]$/);
    });

    it("binds the pushed commit and repository, and the schedule's branch", () => {
        const push = inputs(T.binding, `${n}-triggers-binding-push`).spec.params;
        assert.deepEqual(push, [
            { name: "revision", value: "$(body.after)" },
            { name: "trigger-repository", value: "$(body.repository.full_name)" },
            { name: "trigger-kind", value: "push" },
            { name: "revisions", value: "$(body.repository.full_name)=$(body.after)" },
        ]);
        const schedule = inputs(T.binding, `${n}-triggers-binding-schedule`).spec.params;
        assert.deepEqual(schedule[0], { name: "revision", value: "$(body.branch)" });
        assert.deepEqual(schedule[2], { name: "trigger-kind", value: "schedule" });
        // The dispatcher's coalesced pushes (fire-trigger.sh sends none).
        assert.deepEqual(schedule[3], { name: "revisions", value: "$(body.revisions)" });
    });

    it("creates PipelineRuns carrying everything of the stream's run template", () => {
        const tt = inputs(T.template, `${n}-triggers-template-nightly-4-15`);
        assert.equal(tt.metadata.name, "okd-nightly-4-15");
        assert.deepEqual(
            tt.spec.params.map((p: Json) => p.name),
            ["revision", "trigger-repository"],
        );
        const pr = tt.spec.resourcetemplates[0];
        assert.equal(pr.apiVersion, "tekton.dev/v1");
        assert.equal(pr.metadata.generateName, "okd-nightly-4-15-");
        assert.deepEqual(pr.metadata.labels, { "okd-ci/stream": "4.15", "okd-ci/run": "nightly" });
        assert.equal(pr.metadata.namespace, "okd-builds", "nightlies run in the build namespace");
        assert.equal(tt.metadata.namespace, "okd-release", "the template lives beside the listener");
        const release = inputs(T.template, `${n}-triggers-template-release-4-15`).spec.resourcetemplates[0];
        assert.equal(release.metadata.namespace, "okd-release", "releases run in the release namespace");
        assert.deepEqual(pr.spec.pipelineRef, { name: "okd-nightly-4-15" });
        assert.deepEqual(pr.spec.params, [
            { name: "stream", value: "4.15" },
            { name: "base-payload", value: "quay.io/openshift/okd:4.15" },
            { name: "revision", value: "$(tt.params.revision)" },
            { name: "trigger-repository", value: "$(tt.params.trigger-repository)" },
        ]);
        assert.deepEqual(pr.spec.timeouts, { pipeline: "8h", tasks: "7h", finally: "1h" });
        assert.deepEqual(pr.spec.taskRunTemplate, { serviceAccountName: "okd-build" });
        assert.deepEqual(pr.spec.taskRunSpecs, [{ pipelineTaskName: "e2e-gcp", serviceAccountName: "okd-e2e" }]);
        assert.equal(pr.spec.workspaces[0].name, "shared");
    });

    it("fires nightlies and releases through a cluster-only listener, filtered per stream and run", () => {
        const el = inputs(T.listener, `${n}-triggers-listener-schedule`);
        assert.equal(el.spec.resources.kubernetesResource.serviceType, "ClusterIP");
        const byName = Object.fromEntries(el.spec.triggers.map((t: Json) => [t.name, t]));
        assert.deepEqual(Object.keys(byName), ["nightly-4-15", "release-4-15", "nightly-4-16"]);
        assert.equal(
            byName["release-4-15"].interceptors[0].params[0].value,
            "body.stream == '4.15' && body.pipeline == 'release'",
        );
        assert.deepEqual(byName["release-4-15"].template, { ref: "okd-release-4-15" });
        const policy = inputs(T.netpol, `${n}-triggers-netpol-allow-schedule-listener`).spec;
        assert.deepEqual(policy.podSelector.matchLabels, { eventlistener: "okd-schedule" });
        assert.deepEqual(policy.ingress[0].from[0].podSelector.matchLabels, {
            "app.kubernetes.io/name": "okd-trigger-cron",
            "app.kubernetes.io/part-of": "okd-ci",
        });
    });

    it("fires each stream's nightly on its schedule, and its release on the release schedule every N weeks", () => {
        const env = (name: string): Record<string, string> =>
            Object.fromEntries(
                inputs(T.cronJob, name).spec.jobTemplate.spec.template.spec.containers[0].env.map((e: Json) => [
                    e.name,
                    e.value,
                ]),
            );
        assert.equal(inputs(T.cronJob, `${n}-triggers-cron-nightly-4-15`).spec.schedule, "0 2 * * *");
        assert.equal(inputs(T.cronJob, `${n}-triggers-cron-nightly-4-16`).spec.schedule, "30 1 * * *");
        assert.equal(inputs(T.cronJob, `${n}-triggers-cron-release-4-15`).spec.schedule, "0 5 * * 1");
        assert.equal(under(`${n}-triggers-cron-release-4-16`).length, 0);
        assert.deepEqual(env(`${n}-triggers-cron-release-4-15`), {
            HOME: "/tmp",
            LISTENER_URL: "http://el-okd-schedule.okd-release.svc.cluster.local:8080",
            STREAM: "4.15",
            PIPELINE: "release",
            BRANCH: "release-4.15",
            EVERY_WEEKS: "2",
        });
        // The nightly's CronJob starts nothing: its firing marks the run due for the stream's dispatcher, which
        // reads the CronJob's last firing and starts the run within the throttle.
        assert.deepEqual(env(`${n}-triggers-cron-nightly-4-16`), { HOME: "/tmp", STREAM: "4.16" });
        assert.equal(inputs(T.cronJob, `${n}-triggers-cron-nightly-4-16`).metadata.name, "okd-nightly-4-16");
        assert.equal(env(`${n}-throttle-dispatch-4-16`).SCHEDULE_CRONJOB, "okd-nightly-4-16");
    });

    it("runs the schedule CronJobs in UTC, without API access, as restricted non-root pods", () => {
        const cron = inputs(T.cronJob, `${n}-triggers-cron-release-4-15`).spec;
        assert.equal(cron.timeZone, "Etc/UTC");
        assert.equal(cron.concurrencyPolicy, "Forbid");
        const pod = cron.jobTemplate.spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        const c = pod.containers[0];
        assert.match(c.image, /^docker\.io\/alpine\/k8s:\d+\.\d+\.\d+@sha256:[a-f0-9]{64}$/);
        assert.equal(c.securityContext.runAsNonRoot, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        assert.equal(c.command[0], "/bin/bash");
        assert.match(c.command[2], /^#!\/usr\/bin\/env bash\n# Fires one stream's pipeline/);
    });

    it("routes the host name of a site that serves Ingresses to the webhook Service, with its class", () => {
        const ingress = inputs(T.ingress, `${n}-triggers-webhook`);
        assert.equal(ingress.spec.ingressClassName, "gce");
        assert.equal(ingress.spec.rules[0].host, "hooks.okd.example.org");
        assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend, {
            service: { name: "okd-github-webhook", port: { name: "http" } },
        });
    });

    it("admits only webhookSourceRanges at a LoadBalancer Service", () => {
        assert.deepEqual(inputs(T.service, `${n}-triggers-webhook`).spec.loadBalancerSourceRanges, ["192.30.252.0/22"]);
    });

    it("creates no Ingress where the site names no ingress controller, whatever webhookHostname says", async () => {
        // EKS has no ingress controller: an Ingress there never gets an address and `pulumi up` times out on it.
        await buildLayer("tkw-aws", "aws", [stream415], {
            webhookHostname: "hooks.okd.example.org",
            webhookDnsZone: "Z0123456789EXAMPLE",
        });
        assert.deepEqual(under("tkw-aws", T.ingress), []);
        assert.ok(find(T.service, "tkw-aws-triggers-webhook"), "control: the webhook Service exists");
    });

    it("passes tekton-lint with no error", async () => {
        const objects = recorder()
            .resources.filter((r) => r.name.startsWith(`${n}-`) && r.type.includes("tekton.dev"))
            .map((r) => r.inputs);
        // Listeners, bindings, the runs' templates (two nightlies, one release) and each stream's push record.
        assert.equal(objects.length, 2 + 2 + 3 + 2);
        const problems = await tektonLint(objects);
        assert.deepEqual(
            problems.filter((p) => p.level === "error"),
            [],
        );
    });
});

describe("Tekton layer triggers behind a proxy that enforces the source ranges", () => {
    useMocks();

    const n = "tkp";
    before(() =>
        buildLayer(n, "azure", [stream415], { webhookSourceRanges: ["192.30.252.0/22"] }, [], {
            serviceType: "LoadBalancer",
            sourceRangesUpstream: true,
        }),
    );

    // Azure Front Door: the load balancer sees only Front Door's addresses, and listing GitHub's there would let
    // GitHub's ranges reach it around Front Door.
    it("gives the LoadBalancer Service no loadBalancerSourceRanges", () => {
        const svc = inputs(T.service, `${n}-triggers-webhook`);
        assert.equal(svc.spec.type, "LoadBalancer");
        assert.equal(svc.spec.loadBalancerSourceRanges, undefined);
    });
});

describe("Tekton layer, adding a stream", () => {
    useMocks();

    before(async () => {
        await buildLayer("tka1", "azure", [stream415]);
        await buildLayer("tka2", "azure", [stream415, stream416]);
    });

    it("adds that stream's trigger templates and CronJobs, a trigger per listener, and nothing else", () => {
        const relative = (prefix: string) =>
            new Map(
                recorder()
                    .resources.filter((r) => r.name.startsWith(`${prefix}-`))
                    .map((r) => [`${r.type} ${r.name.slice(prefix.length + 1)}`, JSON.stringify(r.inputs)]),
            );
        const one = relative("tka1");
        const two = relative("tka2");
        const added = [...two.keys()].filter((k) => !one.has(k)).sort();
        assert.deepEqual(added, [
            `${T.cronJob} throttle-dispatch-4-16`,
            `${T.cronJob} triggers-cron-nightly-4-16`,
            `${T.template} throttle-push-record-4-16`,
            `${T.template} triggers-template-nightly-4-16`,
        ]);
        assert.deepEqual(
            [...one.keys()].filter((k) => !two.has(k)),
            [],
        );
        const changed = [...one.keys()].filter((k) => one.get(k) !== two.get(k)).sort();
        assert.deepEqual(changed, [
            "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy admission-policy",
            // The dispatcher may read the new stream's scheduled-nightly CronJob (resourceNames).
            "kubernetes:rbac.authorization.k8s.io/v1:Role throttle-dispatcher-records-role",
            `${T.listener} triggers-listener-github`,
            `${T.listener} triggers-listener-schedule`,
        ]);
    });
});

describe("Tekton layer, manual promotion", () => {
    useMocks();

    before(async () => {
        await buildLayer("tkm", "azure", [{ ...stream415, promotion: "manual" }]);
    });

    it("starts no release on a schedule, and keeps the release trigger for a run started by hand", () => {
        assert.ok(find(T.cronJob, "tkm-triggers-cron-nightly-4-15"), "control: the nightly still fires");
        assert.equal(under("tkm-triggers-cron-release-4-15").length, 0);
        assert.ok(find(T.template, "tkm-triggers-template-release-4-15"), "the release run stays admitted");
    });
});

describe("Tekton layer wiring errors", () => {
    useMocks();

    it("refuses an event param the triggers cannot fill, naming the ones they can", async () => {
        const { triggerTemplate } = await import("../../../components/tekton");
        const run = fakeRuns(fakeConfig("local"))[0].nightly;
        assert.throws(
            () => triggerTemplate("4.15", "nightly", { ...run, eventParams: ["sha"] }),
            /event param "sha" is not one the triggers fill; expected one of revision, trigger-repository, trigger-kind/,
        );
    });

    it("refuses a promoting stream without a release run", async () => {
        const { StreamTriggers } = await import("../../../components/tekton");
        const config = fakeConfig("local");
        const runs = fakeRuns(config).map((r) => ({ minor: r.minor, nightly: r.nightly }));
        assert.throws(
            () =>
                new StreamTriggers("tkw", {
                    site: fakeSite("tkw-site", "local"),
                    namespaces: { builds: "okd-builds", release: "okd-release" },
                    streams: config.streams,
                    runs,
                    dependsOn: [],
                }),
            /stream 4.15: promotes but has no release run/,
        );
    });
});
