/**
 * How the Triggers listeners are reached and what they may do (components/tekton/listener-access.ts): their
 * ServiceAccount's roles rule by rule, the webhook's Service and Ingress for each kind of site, and the NetworkPolicies
 * around the listeners and the core interceptors, value by value.
 */
import * as assert from "node:assert/strict";

import * as k8s from "@pulumi/kubernetes";

import type { Site } from "../../../components/shared/site";
import {
    createInterceptorsIngress,
    createListenerAccess,
    createListenerPolicies,
    createWebhookExposure,
    scheduleListenerUrl,
} from "../../../components/tekton/listener-access";
import { find, settled, under, useMocks, valueOf } from "../../helpers";
import type { Json } from "./fixtures";

const T = {
    sa: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
} as const;
const inputs = (type: string, name: string): Json => find(type, name).inputs;
/** Inputs without the apiVersion and kind the provider adds. */
const body = (type: string, name: string): Json =>
    Object.fromEntries(Object.entries(inputs(type, name)).filter(([k]) => k !== "apiVersion" && k !== "kind"));

const listener = [{ kind: "ServiceAccount", name: "okd-triggers", namespace: "okd-release" }];
const roleRef = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });

describe("the listeners' ServiceAccount and roles", () => {
    useMocks();
    let provider: string;
    before(async () => {
        const p = new k8s.Provider("la-k8s", { kubeconfig: "fake" });
        createListenerAccess("la", { builds: "okd-builds", release: "okd-release" }, { provider: p });
        await settled();
        provider = find("pulumi:providers:kubernetes", "la-k8s").urn;
    });

    it("creates the listeners' ServiceAccount in the release namespace, with its token", () => {
        assert.deepEqual(body(T.sa, "la-sa"), { metadata: { name: "okd-triggers", namespace: "okd-release" } });
    });

    it("lets it read its triggers and config, record events and create PipelineRuns beside itself", () => {
        assert.deepEqual(body(T.role, "la-listener-role"), {
            metadata: { name: "okd-triggers-listener", namespace: "okd-release" },
            rules: [
                {
                    apiGroups: ["triggers.tekton.dev"],
                    resources: ["eventlisteners", "triggers", "triggerbindings", "triggertemplates", "interceptors"],
                    verbs: ["get", "list", "watch"],
                },
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
                { apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] },
            ],
        });
        assert.deepEqual(body(T.roleBinding, "la-listener-binding"), {
            metadata: { name: "okd-triggers-listener", namespace: "okd-release" },
            roleRef: roleRef("Role", "okd-triggers-listener"),
            subjects: listener,
        });
    });

    it("lets it only create PipelineRuns in the build namespace", () => {
        assert.deepEqual(body(T.role, "la-nightly-runs-role"), {
            metadata: { name: "okd-triggers-nightly-runs", namespace: "okd-builds" },
            rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["create"] }],
        });
        assert.deepEqual(body(T.roleBinding, "la-nightly-runs-binding"), {
            metadata: { name: "okd-triggers-nightly-runs", namespace: "okd-builds" },
            roleRef: roleRef("Role", "okd-triggers-nightly-runs"),
            subjects: listener,
        });
    });

    it("lets it read the cluster-wide trigger bindings and interceptors, and nothing else cluster-wide", () => {
        assert.deepEqual(body(T.clusterRole, "la-cluster-read"), {
            metadata: { name: "okd-ci-triggers-cluster-read" },
            rules: [
                {
                    apiGroups: ["triggers.tekton.dev"],
                    resources: ["clustertriggerbindings", "clusterinterceptors"],
                    verbs: ["get", "list", "watch"],
                },
            ],
        });
        assert.deepEqual(body(T.clusterRoleBinding, "la-cluster-read"), {
            metadata: { name: "okd-ci-triggers-cluster-read" },
            roleRef: roleRef("ClusterRole", "okd-ci-triggers-cluster-read"),
            subjects: listener,
        });
    });

    it("binds each role once it exists, all on the cluster's provider", () => {
        const dependsOn = (type: string, name: string, on: string) =>
            assert.deepEqual(find(type, name).dependencies, [on], name);
        dependsOn(T.roleBinding, "la-listener-binding", find(T.role, "la-listener-role").urn);
        dependsOn(T.roleBinding, "la-nightly-runs-binding", find(T.role, "la-nightly-runs-role").urn);
        dependsOn(T.clusterRoleBinding, "la-cluster-read", find(T.clusterRole, "la-cluster-read").urn);
        for (const r of under("la-").filter((x) => x.custom && x.type !== "pulumi:providers:kubernetes")) {
            assert.ok(r.provider.startsWith(`${provider}::`), r.name);
        }
    });

    it("gives the schedule CronJobs the schedule listener's in-cluster URL", async () => {
        assert.equal(
            await valueOf(scheduleListenerUrl("okd-release")),
            "http://el-okd-schedule.okd-release.svc.cluster.local:8080",
        );
    });
});

describe("the webhook's Service and Ingress", () => {
    useMocks();
    const expose = (name: string, webhook: Partial<Site["webhook"]>, ranges?: string[]) =>
        createWebhookExposure(
            name,
            "okd-release",
            {
                site: { webhook: { serviceAnnotations: {}, description: "", ...webhook } } as Site,
                ...(ranges !== undefined ? { webhookSourceRanges: ranges } : {}),
            },
            {},
        );
    const github = ["192.30.252.0/22"];
    const port = { name: "http", port: 80, targetPort: 8080, protocol: "TCP" };
    const service = (name: string, spec: Json, annotations: Json = {}) =>
        assert.deepEqual(body(T.service, `${name}-webhook`), {
            metadata: { name: "okd-github-webhook", namespace: "okd-release", annotations },
            spec: { selector: { eventlistener: "okd-github" }, ...spec },
        });

    before(async () => {
        expose("wn", { serviceType: "NodePort", nodePort: 30808 }, github);
        expose(
            "wl",
            { serviceType: "LoadBalancer", serviceAnnotations: { "cloud.google.com/l4-rbs": "enabled" } },
            github,
        );
        expose("wu", { serviceType: "LoadBalancer", sourceRangesUpstream: true }, github);
        expose("we", { serviceType: "LoadBalancer" }, []);
        expose("wa", { serviceType: "LoadBalancer" });
        // A node port the site names goes on a NodePort Service only (the cluster picks a LoadBalancer's own).
        expose("wp", { serviceType: "LoadBalancer", nodePort: 30808 });
        expose(
            "wi",
            { serviceType: "ClusterIP", ingress: { host: "hooks.okd.example.org", className: "nginx" } },
            github,
        );
        expose("wd", { serviceType: "ClusterIP", ingress: { host: "hooks.okd.example.org" } });
        await settled();
    });

    it("puts a NodePort Service on the site's fixed node port, with no source ranges", () => {
        service("wn", { type: "NodePort", ports: [{ ...port, nodePort: 30808 }] });
    });

    it("limits a LoadBalancer Service the cluster makes to webhookSourceRanges, with the site's annotations", () => {
        service(
            "wl",
            { type: "LoadBalancer", ports: [port], loadBalancerSourceRanges: github },
            { "cloud.google.com/l4-rbs": "enabled" },
        );
    });

    it("leaves the ranges to the proxy that enforces them, and sets none when none are given", () => {
        for (const name of ["wu", "we", "wa", "wp"]) service(name, { type: "LoadBalancer", ports: [port] });
    });

    it("routes an Ingress host to the Service, with the site's class or the cluster's default", () => {
        service("wi", { type: "ClusterIP", ports: [port] });
        const rules = [
            {
                host: "hooks.okd.example.org",
                http: {
                    paths: [
                        {
                            path: "/",
                            pathType: "Prefix",
                            backend: { service: { name: "okd-github-webhook", port: { name: "http" } } },
                        },
                    ],
                },
            },
        ];
        assert.deepEqual(body(T.ingress, "wi-webhook"), {
            metadata: { name: "okd-github-webhook", namespace: "okd-release" },
            spec: { ingressClassName: "nginx", rules },
        });
        assert.deepEqual(body(T.ingress, "wd-webhook").spec, { rules });
        assert.deepEqual(find(T.ingress, "wi-webhook").dependencies, [find(T.service, "wi-webhook").urn]);
        for (const name of ["wn", "wl", "wu", "we", "wa", "wp"]) assert.deepEqual(under(name, T.ingress), [], name);
    });

    it("refuses a NodePort exposure without its node port", () => {
        assert.throws(() => expose("wx", { serviceType: "NodePort" }), {
            message: "the site exposes the webhook on a NodePort Service but names no nodePort",
        });
    });
});

describe("the listeners' and interceptors' NetworkPolicies", () => {
    useMocks();
    const tcp = (port: number) => [{ protocol: "TCP", port }];
    const cron = { "app.kubernetes.io/name": "okd-trigger-cron", "app.kubernetes.io/part-of": "okd-ci" };
    const listenerPods = { "app.kubernetes.io/managed-by": "EventListener" };
    const policy = (name: string, metadataName: string, spec: Json, namespace = "okd-release") =>
        assert.deepEqual(body(T.netpol, name), { metadata: { name: metadataName, namespace }, spec });

    before(async () => {
        createListenerPolicies("np", "okd-release", {});
        createInterceptorsIngress("np", "okd-release", {});
        await settled();
    });

    it("lets anyone reach the GitHub listener's port: the signature authenticates a delivery", () => {
        policy("np-netpol-allow-github-webhook", "okd-allow-github-webhook", {
            podSelector: { matchLabels: { eventlistener: "okd-github" } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: tcp(8080) }],
        });
    });

    it("lets only the schedule CronJobs' pods reach the schedule listener, and them only it", () => {
        policy("np-netpol-allow-schedule-listener", "okd-allow-schedule-listener", {
            podSelector: { matchLabels: { eventlistener: "okd-schedule" } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [{ podSelector: { matchLabels: cron } }], ports: tcp(8080) }],
        });
        policy("np-netpol-allow-cron-to-listener", "okd-allow-cron-to-listener", {
            podSelector: { matchLabels: cron },
            policyTypes: ["Egress"],
            egress: [{ to: [{ podSelector: { matchLabels: { eventlistener: "okd-schedule" } } }], ports: tcp(8080) }],
        });
    });

    it("lets the listeners call the core interceptors in the Tekton namespace", () => {
        policy("np-netpol-allow-listener-interceptors", "okd-allow-listener-interceptors", {
            podSelector: { matchLabels: listenerPods },
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tekton-pipelines" } } }],
                    ports: tcp(8443),
                },
            ],
        });
    });

    it("lets only the okd-ci listeners' pods reach the core interceptors", () => {
        policy(
            "np-netpol-core-interceptors",
            "okd-core-interceptors-ingress",
            {
                podSelector: {
                    matchLabels: {
                        "app.kubernetes.io/name": "core-interceptors",
                        "app.kubernetes.io/component": "interceptors",
                        "app.kubernetes.io/part-of": "tekton-triggers",
                    },
                },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "okd-release" } },
                                podSelector: { matchLabels: listenerPods },
                            },
                        ],
                        ports: tcp(8443),
                    },
                ],
            },
            "tekton-pipelines",
        );
    });
});
