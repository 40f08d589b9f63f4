import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

import { defaultImages } from "../../../components/pipelines/images";
import { RegistryToken, registryTokenSchedule } from "../../../components/pipelines/registry-token";
import { loadScript } from "../../../components/pipelines/scripts";
import type { Platform } from "../../../components/shared/model";
import type { Site } from "../../../components/shared/site";
import { tektonLayerImages } from "../../../components/tekton/versions";
import { find, settled, useMocks } from "../../helpers";

/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped JSON */
type Obj = any;

/** Only what RegistryToken reads of a site: its platform, provider, registry host and the build identity. */
function siteOn(platform: Platform): Site {
    return {
        platform,
        provider: new k8s.Provider(`rt-${platform}-k8s`, { kubeconfig: "{}" }),
        registry: { host: pulumi.output(`registry.${platform}.example.org`) },
        identities: {
            build: {
                serviceAccountAnnotations: pulumi.output({}),
                podLabels: { "example.org/workload": "build" },
                env: { BUILD_ROLE: pulumi.output(`${platform}-build`) },
            },
            env: { SITE_REGION: pulumi.output(`${platform}-region`) },
        },
    } as unknown as Site;
}

const platforms: Platform[] = ["gcp", "aws", "azure", "local"];
const restricted = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    runAsNonRoot: true,
    runAsUser: 65532,
    runAsGroup: 65532,
    readOnlyRootFilesystem: true,
    seccompProfile: { type: "RuntimeDefault" },
};
const mounts = [
    { name: "work", mountPath: "/work" },
    { name: "tmp", mountPath: "/tmp" },
];

describe("RegistryToken objects", () => {
    useMocks();
    const gate: Record<string, pulumi.CustomResource> = {};

    before(async () => {
        for (const p of platforms) {
            gate[p] = new k8s.core.v1.Namespace(`rt-${p}-gate`, {}, { provider: siteOn(p).provider });
            new RegistryToken(`rt-${p}`, {
                site: siteOn(p),
                images: defaultImages,
                buildsNamespace: "okd-builds",
                releaseNamespace: "okd-release",
                dependsOn: [gate[p]],
            });
        }
        await settled();
    });

    const secret = (p: string) => find("kubernetes:core/v1:Secret", `rt-${p}-secret`);
    const role = (p: string) => find("kubernetes:rbac.authorization.k8s.io/v1:Role", `rt-${p}-role`);
    const binding = (p: string) => find("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", `rt-${p}-binding`);
    const cron = (p: string) => find("kubernetes:batch/v1:CronJob", `rt-${p}-cronjob`);
    const pod = (p: string): Obj => (cron(p).inputs as Obj).spec.jobTemplate.spec.template;
    const component = (p: string) => find("okd-ci:pipelines:RegistryToken", `rt-${p}`);

    it("creates the push Secret empty in the build namespace, anonymous-never on local and expired elsewhere", () => {
        for (const p of platforms) {
            assert.deepEqual(
                secret(p).inputs,
                {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: {
                        name: "okd-registry-push",
                        namespace: "okd-builds",
                        labels: {
                            "app.kubernetes.io/name": "okd-registry-token",
                            "app.kubernetes.io/part-of": "okd-ci",
                        },
                    },
                    type: "Opaque",
                    stringData: { "auth.json": '{"auths":{}}', expires: p === "local" ? "never" : "0" },
                },
                p,
            );
        }
    });

    it("leaves the Secret's data to the minter and places every object under the component, on the site's provider", () => {
        for (const p of platforms) {
            assert.deepEqual(secret(p).ignoreChanges, ["data", "stringData"], p);
            for (const r of [secret(p), role(p), binding(p), cron(p)]) {
                assert.equal(r.parent, component(p).urn, `${p} ${r.name}`);
                assert.match(r.provider, new RegExp(`rt-${p}-k8s::`), `${p} ${r.name}`);
            }
        }
    });

    it("waits for what it was given; the binding for its Role; the CronJob for the binding and the Secret", async () => {
        for (const p of platforms) {
            const gateUrn = await new Promise<string>((r) => gate[p].urn.apply(r));
            assert.deepEqual(secret(p).dependencies, [gateUrn], p);
            assert.deepEqual(role(p).dependencies, [gateUrn], p);
            assert.deepEqual(binding(p).dependencies, [role(p).urn], p);
            assert.deepEqual([...cron(p).dependencies].sort(), [binding(p).urn, secret(p).urn].sort(), p);
        }
    });

    it("lets the minter get and patch that one Secret, bound to its ServiceAccount in the release namespace", () => {
        assert.deepEqual(role("gcp").inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: { name: "okd-registry-token", namespace: "okd-builds" },
            rules: [
                {
                    apiGroups: [""],
                    resources: ["secrets"],
                    resourceNames: ["okd-registry-push"],
                    verbs: ["get", "patch"],
                },
            ],
        });
        assert.deepEqual(binding("gcp").inputs, {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: { name: "okd-registry-token", namespace: "okd-builds" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "okd-registry-token" },
            subjects: [{ kind: "ServiceAccount", name: "okd-registry-token", namespace: "okd-release" }],
        });
    });

    it("mints every ten minutes in UTC, one at a time, bounded and cleaned up", () => {
        const c = cron("gcp").inputs as Obj;
        const labels = {
            "app.kubernetes.io/name": "okd-registry-token",
            "app.kubernetes.io/part-of": "okd-ci",
            "example.org/workload": "build",
            "okd-ci/identity": "build",
        };
        assert.deepEqual(c.metadata, { name: "okd-registry-token", namespace: "okd-release", labels });
        assert.equal(registryTokenSchedule, "*/10 * * * *");
        const { jobTemplate, ...schedule } = c.spec;
        assert.deepEqual(schedule, {
            schedule: "*/10 * * * *",
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 300,
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 3,
        });
        const { template, ...job } = jobTemplate.spec;
        assert.deepEqual(job, { backoffLimit: 2, activeDeadlineSeconds: 300, ttlSecondsAfterFinished: 3600 });
        assert.deepEqual(template.metadata, { labels });
        const { initContainers, containers, ...spec } = template.spec;
        assert.deepEqual(spec, {
            serviceAccountName: "okd-registry-token",
            automountServiceAccountToken: true,
            restartPolicy: "Never",
            securityContext: { runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
            volumes: [
                { name: "work", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
            ],
        });
        assert.equal(initContainers.length, 1);
        assert.equal(containers.length, 1);
    });

    it("mints with the cloud's own CLI image (kubectl's on the anonymous local registry) as the build identity", () => {
        const images: Record<string, string> = {
            gcp: defaultImages.gcloud,
            aws: defaultImages.awsCli,
            azure: defaultImages.azureCli,
            local: tektonLayerImages.kubectl,
        };
        for (const p of platforms) {
            assert.deepEqual(
                pod(p).spec.initContainers,
                [
                    {
                        name: "mint",
                        image: images[p],
                        command: ["/bin/bash", "-c", loadScript("registry-auth.sh"), "registry-auth"],
                        env: [
                            { name: "SITE_REGION", value: `${p}-region` },
                            { name: "BUILD_ROLE", value: `${p}-build` },
                            { name: "PLATFORM", value: p },
                            { name: "REGISTRY_HOST", value: `registry.${p}.example.org` },
                            { name: "AUTH_FILE", value: "/work/auth.json" },
                            { name: "EXPIRES_FILE", value: "/work/expires" },
                            { name: "HOME", value: "/tmp" },
                        ],
                        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                        securityContext: restricted,
                        volumeMounts: mounts,
                    },
                ],
                p,
            );
        }
    });

    it("stores the token with kubectl into the build namespace's Secret, restricted like the minter", () => {
        for (const p of platforms) {
            assert.deepEqual(
                pod(p).spec.containers,
                [
                    {
                        name: "store",
                        image: tektonLayerImages.kubectl,
                        command: ["/bin/bash", "-c", loadScript("store-registry-token.sh"), "store-registry-token"],
                        env: [
                            { name: "AUTH_FILE", value: "/work/auth.json" },
                            { name: "EXPIRES_FILE", value: "/work/expires" },
                            { name: "SECRET_NAME", value: "okd-registry-push" },
                            { name: "SECRET_NAMESPACE", value: "okd-builds" },
                            { name: "HOME", value: "/tmp" },
                        ],
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        securityContext: restricted,
                        volumeMounts: mounts,
                    },
                ],
                p,
            );
        }
    });
});
