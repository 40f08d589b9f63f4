/**
 * How the Tekton layer (components/tekton/layer.ts) wires its parts: which components it makes, what each is given
 * (namespaces, levels, quotas, schedules, secrets, the site's flags) and what each waits for, and what the layer
 * exposes. Each part's own rendering is pinned in its own test file; here, that the layer hands it the right things.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { Site } from "../../../components/shared/site";
import type { TektonLayer, TektonLayerArgs } from "../../../components/tekton/layer";
import type { Platform } from "../../../src/config/schema";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { type Json, fakeConfig, fakeKmsRef, fakeRuns, fakeSite, stream415 } from "./fixtures";
import { registeredOutputs } from "./registered-outputs";

const T = {
    layer: "okd-ci:tekton:Layer",
    configFile: "kubernetes:yaml/v2:ConfigFile",
    configGroup: "kubernetes:yaml/v2:ConfigGroup",
    cmPatch: "kubernetes:core/v1:ConfigMapPatch",
    ns: "kubernetes:core/v1:Namespace",
    sa: "kubernetes:core/v1:ServiceAccount",
    secret: "kubernetes:core/v1:Secret",
    quota: "kubernetes:core/v1:ResourceQuota",
    limits: "kubernetes:core/v1:LimitRange",
    cronJob: "kubernetes:batch/v1:CronJob",
    service: "kubernetes:core/v1:Service",
    binding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    policy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
    template: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
    listener: "kubernetes:triggers.tekton.dev/v1beta1:EventListener",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;

/** A layer built from explicit arguments, so each value the test looks for is one it chose. */
async function layer(
    name: string,
    platform: Platform,
    site: Partial<Site>,
    args: Partial<TektonLayerArgs>,
): Promise<TektonLayer> {
    const { TektonLayer } = await import("../../../components/tekton/layer");
    const config = fakeConfig(platform, [{ ...stream415, promote: true }]);
    return new TektonLayer(name, {
        site: { ...fakeSite(`${name}-site`, platform), ...site },
        streams: config.streams,
        runs: fakeRuns(config),
        manifestSource: "https://mirror.example.org/tekton",
        buildMaxNodes: 3,
        prune: { keep: 11, schedule: "17 4 * * *" },
        dispatchSchedule: "*/7 * * * *",
        secrets: {},
        ...args,
    });
}

describe("Tekton layer wiring", () => {
    useMocks();

    const n = "tlw";
    let made: TektonLayer;
    before(async () => {
        made = await layer(
            n,
            "gcp",
            { strictNetworkPolicy: true },
            {
                podSecurity: "privileged",
                webhookSourceRanges: ["203.0.113.0/24"],
                secrets: {
                    mirrorCredentials: pulumi.secret('{"auths":{}}'),
                    githubWebhookSecret: pulumi.secret("HOOK-SECRET"),
                },
            },
        );
        await settled();
    });

    it("makes the install, both namespaces, Secrets, Chains, pruner, triggers, admission policy and throttle", () => {
        const parent = find(T.layer, n).urn;
        assert.deepEqual(
            recorder()
                .resources.filter((r) => r.parent === parent)
                .map((r) => `${r.type} ${r.name}`)
                .sort(),
            [
                `okd-ci:tekton:Chains ${n}-chains`,
                `okd-ci:tekton:Install ${n}-install`,
                `okd-ci:tekton:ListenerAdmission ${n}-admission`,
                `okd-ci:tekton:NightlyThrottle ${n}-throttle`,
                `okd-ci:tekton:PipelineNamespace ${n}-builds`,
                `okd-ci:tekton:PipelineNamespace ${n}-release`,
                `okd-ci:tekton:PipelineSecrets ${n}-secrets`,
                `okd-ci:tekton:RunPruner ${n}-pruner`,
                `okd-ci:tekton:StreamTriggers ${n}-triggers`,
            ],
        );
    });

    it("installs from the given source, after the site, with the site's strict-mode policies", () => {
        const pipelines = find(T.configGroup, `${n}-install-pipelines`);
        assert.deepEqual((pipelines.inputs as Json).files, [
            "https://mirror.example.org/tekton/pipeline/previous/v1.15.0/release.yaml",
        ]);
        assert.deepEqual(pipelines.dependencies, [find(T.ns, `${n}-site-ready`).urn]);
        assert.equal(under(`${n}-install`, T.configGroup).length, 2);
    });

    it("enforces the given level on the build namespace and restricted on the release namespace", () => {
        const level = (which: string) =>
            inputs(T.ns, `${n}-${which}-ns`).metadata.labels["pod-security.kubernetes.io/enforce"];
        assert.deepEqual([inputs(T.ns, `${n}-builds-ns`).metadata.name, level("builds")], ["okd-builds", "privileged"]);
        assert.deepEqual(
            [inputs(T.ns, `${n}-release-ns`).metadata.name, level("release")],
            ["okd-release", "restricted"],
        );
    });

    it("sizes the build quota from buildMaxNodes and both run counts from the prune keep", () => {
        const hard = (which: string) => inputs(T.quota, `${n}-${which}-quota`).spec.hard;
        // quotaForPool(3, 11): 3 nodes of 8 cores + 4; keep + a day's headroom of 34 runs.
        assert.equal(hard("builds")["requests.cpu"], "28");
        assert.equal(hard("builds")["count/pipelineruns.tekton.dev"], "45");
        // releaseQuota(11): keep + 9; one webhook Service.
        assert.equal(hard("release")["count/pipelineruns.tekton.dev"], "20");
        assert.equal(hard("release")["services.loadbalancers"], "1");
    });

    it("caps release-namespace containers at 8 GiB and volumes at 10 GiB, and leaves builds the defaults", () => {
        const max = (which: string) =>
            (inputs(T.limits, `${n}-${which}-limits`).spec.limits as Json[]).map((l) => l.max);
        assert.deepEqual(max("release"), [{ memory: "8Gi" }, { storage: "10Gi" }]);
        assert.deepEqual(max("builds"), [{ memory: "28Gi" }, { storage: "200Gi" }]);
    });

    it("gives each namespace its accounts: builds build, records and e2e; release promote and registry token", () => {
        const accounts = (which: string) =>
            under(`${n}-${which}`, T.sa)
                .map((r) => (r.inputs as Json).metadata.name)
                .sort();
        assert.deepEqual(accounts("builds"), ["okd-build", "okd-e2e", "okd-records"]);
        assert.deepEqual(accounts("release"), ["okd-promote", "okd-registry-token"]);
    });

    it("writes the given mirror credentials and webhook secret", () => {
        assert.equal(inputs(T.secret, `${n}-secrets-mirror`).stringData[".dockerconfigjson"], '{"auths":{}}');
        assert.equal(inputs(T.secret, `${n}-secrets-webhook`).stringData.secretToken, "HOOK-SECRET");
        assert.deepEqual(under(`${n}-secrets`, "random:index/randomPassword:RandomPassword"), []);
    });

    it("configures Chains after the Chains release, to sign with the site's KMS key", () => {
        const config = find(T.cmPatch, `${n}-chains-config`);
        assert.deepEqual(config.dependencies, [find(T.configGroup, `${n}-install-chains`).urn]);
        assert.equal((config.inputs as Json).data["signers.kms.kmsref"], fakeKmsRef.gcp);
    });

    it("prunes both namespaces from the release namespace, on the prune schedule, keeping the prune count", () => {
        for (const target of ["builds", "release"]) {
            const job = inputs(T.cronJob, `${n}-pruner-${target}-cronjob`);
            assert.deepEqual(
                [job.metadata.name, job.metadata.namespace, job.spec.schedule],
                [`okd-run-pruner-${target}`, "okd-release", "17 4 * * *"],
            );
            assert.deepEqual(job.spec.jobTemplate.spec.template.spec.containers[0].env.slice(1), [
                { name: "NAMESPACE", value: `okd-${target}` },
                { name: "KEEP", value: "11" },
            ]);
        }
    });

    it("creates the triggers after the install and every Secret, admitting only the webhook source ranges", () => {
        const deps = find(T.listener, `${n}-triggers-listener-github`).dependencies;
        const needed = [
            ...under(`${n}-install`).filter((r) => r.type === T.configGroup || r.type === T.configFile),
            ...under(`${n}-install`, T.cmPatch),
            ...under(`${n}-secrets`, T.secret),
        ];
        // Four releases and two patches; the mirror, webhook and gcp gate installer Secrets.
        assert.equal(needed.length, 9);
        for (const r of needed) assert.ok(deps.includes(r.urn), `the listener does not wait for ${r.name}`);
        const services = under(`${n}-triggers`, T.service).map((r) => (r.inputs as Json).spec);
        assert.deepEqual(
            services.filter((s) => s.type === "LoadBalancer").map((s) => s.loadBalancerSourceRanges),
            [["203.0.113.0/24"]],
        );
    });

    it("holds the release namespace's listener to the okd-ci runs by admission, once the site is ready", async () => {
        const { listenerServiceAccount } = await import("../../../components/tekton/triggers");
        const policy = find(T.policy, `${n}-admission-policy`);
        assert.deepEqual(policy.dependencies, [find(T.ns, `${n}-site-ready`).urn]);
        assert.ok(
            JSON.stringify(policy.inputs).includes(`system:serviceaccount:okd-release:${listenerServiceAccount}`),
        );
    });

    it("dispatches nightlies on the dispatch schedule, lets the listener record pushes, after the install", async () => {
        const { listenerServiceAccount } = await import("../../../components/tekton/triggers");
        assert.equal(inputs(T.cronJob, `${n}-throttle-dispatch-4-15`).spec.schedule, "*/7 * * * *");
        assert.deepEqual(inputs(T.binding, `${n}-throttle-record-binding`).subjects, [
            { kind: "ServiceAccount", name: listenerServiceAccount, namespace: "okd-release" },
        ]);
        const record = find(T.template, `${n}-throttle-push-record-4-15`);
        for (const r of under(`${n}-install`).filter((x) => x.custom)) {
            assert.ok(record.dependencies.includes(r.urn), `the push record does not wait for ${r.name}`);
        }
    });

    it("exposes the namespaces, webhook secret and Service, Chains' KMS key and the install's readiness", async () => {
        assert.equal(await valueOf(made.namespace), "okd-builds");
        assert.equal(await valueOf(made.releaseNamespace), "okd-release");
        assert.equal(await valueOf(made.webhookSecret), "HOOK-SECRET");
        assert.equal(await valueOf(made.webhookService), "okd-github-webhook");
        assert.equal(await valueOf(made.chainsKmsRef), fakeKmsRef.gcp);
        assert.equal(made.chainsPublicKey, undefined);
        // What `pulumi stack` shows of the layer: no secret, and no KMS key (the site's own outputs carry it).
        assert.deepEqual(await registeredOutputs(find(T.layer, n).urn), {
            namespace: "okd-builds",
            releaseNamespace: "okd-release",
            webhookService: "okd-github-webhook",
        });
        const installed = under(`${n}-install`).filter((r) => r.type !== "okd-ci:tekton:Install");
        assert.deepEqual(
            (await Promise.all(made.ready.map((r) => valueOf(r.urn)))).sort(),
            installed.map((r) => r.urn).sort(),
        );
    });
});

describe("Tekton layer wiring on a site without KMS, with nothing configured", () => {
    useMocks();

    const n = "tll";
    let made: TektonLayer;
    before(async () => {
        // The tls and random providers compute these outputs; the mocks only echo inputs (see chains.test.ts).
        const mocks = recorder();
        const echo = mocks.newResource.bind(mocks);
        mocks.newResource = (args) =>
            args.type === "tls:index/privateKey:PrivateKey"
                ? { id: "key", state: { ...args.inputs, publicKeyPem: "PUBLIC PEM" } }
                : args.type === "random:index/randomPassword:RandomPassword"
                  ? { id: "token", state: { ...args.inputs, result: "GENERATED-TOKEN" } }
                  : echo(args);
        made = await layer(n, "local", {}, {});
        await settled();
    });

    it("installs plain ConfigFiles where the CNI is not strict, and enforces baseline on the build namespace", () => {
        assert.deepEqual(under(`${n}-install`, T.configGroup), []);
        assert.equal(under(`${n}-install`, T.configFile).length, 4);
        assert.equal(inputs(T.ns, `${n}-builds-ns`).metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
    });

    it("exposes the generated webhook secret and Chains key, and no KMS key", async () => {
        assert.equal(await valueOf(made.webhookSecret), "GENERATED-TOKEN");
        assert.equal(await valueOf(made.chainsPublicKey), "PUBLIC PEM");
        assert.equal(made.chainsKmsRef, undefined);
        assert.deepEqual(await registeredOutputs(find(T.layer, n).urn), {
            namespace: "okd-builds",
            releaseNamespace: "okd-release",
            webhookService: "okd-github-webhook",
            chainsPublicKey: "PUBLIC PEM",
        });
        assert.deepEqual(
            under(`${n}-secrets`, T.secret)
                .map((r) => r.name)
                .sort(),
            [`${n}-secrets-artifacts-promote`, `${n}-secrets-artifacts-records`, `${n}-secrets-webhook`],
        );
    });
});
