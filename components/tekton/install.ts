import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

import { allowAllPolicies } from "../shared/network-policy";
import { type ReleaseChecksums, verifyReleaseDirectory } from "./checksums";
import { coreInterceptorsPodLabels } from "./interceptors";
import { tektonNamespaces, tektonReleaseFiles } from "./versions";

/**
 * `feature-flags` of Tekton Pipelines, each set on purpose. Keys left out keep the release's default.
 */
export const featureFlags: Record<string, string> = {
    // Matrix (fanning component builds out) is beta; alpha features are not needed and would also enable unstable
    // behaviour cluster-wide.
    "enable-api-fields": "beta",
    // The build pools are autoscaled and span zones, and PVCs are zonal and ReadWriteOnce: TaskRuns sharing a
    // workspace volume must share a node. `workspaces` co-locates only the TaskRuns that share a PVC, so parallel
    // builds with their own volumes (or none: artifacts go through the registry) still spread over new nodes;
    // `pipelineruns` would pin a whole nightly to one node and `disabled` would strand pods on the wrong zone.
    coschedule: "workspaces",
    // Tekton's injected init containers then pass the `restricted` Pod Security level, so only our build steps
    // decide what the namespace must allow.
    "set-security-context": "true",
    // Our results are small (pullspecs, digests, a verdict): the 4 KiB termination message fits them, and
    // `sidecar-logs` would need the controller to read every pod's logs cluster-wide.
    "results-from": "termination-message",
    // Chains' SLSA v1 provenance records the resolved Pipeline and Task sources from the run status.
    "enable-provenance-in-status": "true",
    // StepActions are stable and on by default; pinned so that a later default cannot switch them off under us.
    "enable-step-actions": "true",
    // A cancelled nightly must free its build node for the autoscaler to reclaim.
    "keep-pod-on-cancel": "false",
};

/** Minutes a TaskRun or PipelineRun may take when it sets no timeout of its own. */
export const defaultTimeoutMinutes = 180;

/**
 * `config-defaults`. The default pod template has no toleration for the build pool's taint and no node selector: a
 * TaskRun lands on the build pool only when its run's pod template asks for `site.buildPool`, so clean-up steps and
 * the affinity assistant stay on the always-on system pool.
 */
export const configDefaults: Record<string, string> = {
    // OKD e2e installs alone take 40-90 minutes and the timeout clock runs while pods wait for the autoscaler
    // (tektoncd/pipeline#4078); the triggers set explicit timeouts, this catches runs started by hand.
    "default-timeout-minutes": String(defaultTimeoutMinutes),
    // git-clone and other catalog steps run as UID 65532 and write to workspace volumes.
    "default-pod-template": YAML.stringify({ securityContext: { fsGroup: 65532 } }),
};

export interface TektonInstallArgs {
    /** Provider of the build cluster. */
    provider: k8s.Provider;
    /** What the install waits for (the site's node pools and add-ons). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** `tektonManifestSource`: the release site, a mirror or a local directory. Default: the public release site. */
    manifestSource?: string;
    /** The pins a local `manifestSource` is checked against. Default: `tektonReleaseChecksums` (versions.ts). */
    manifestChecksums?: ReleaseChecksums;
    /**
     * The CNI keeps a pod no NetworkPolicy selects at default-deny (`Site.strictNetworkPolicy`, EKS strict mode): each
     * release namespace gets an allow-all policy, created with the release's own objects.
     */
    strictNetworkPolicy?: boolean;
}

/** The core interceptors' pods: their ingress is `okd-core-interceptors-ingress`'s alone (listener-access.ts). */
const coreInterceptors = {
    key: "app.kubernetes.io/name",
    values: [coreInterceptorsPodLabels["app.kubernetes.io/name"]],
};

/**
 * The allow-all policies of the namespaces each release manifest creates: Pipelines, Triggers and the core interceptors
 * (tekton-pipelines; the interceptors keep their narrower ingress), the remote resolvers (tekton-pipelines-resolvers);
 * Chains (tekton-chains).
 */
export const releaseNamespacePolicies = {
    pipelines: () => [
        ...allowAllPolicies("tekton-pipelines", coreInterceptors),
        ...allowAllPolicies("tekton-pipelines-resolvers"),
    ],
    chains: () => allowAllPolicies("tekton-chains"),
};

/**
 * One release manifest. In strict mode its namespaces' allow-all policies go into the same yaml.v2 component (a
 * ConfigGroup), which creates Namespaces first and then everything else together
 * (https://www.pulumi.com/registry/packages/kubernetes/api-docs/yaml/v2/configgroup/, "Dependency ordering"): the
 * policies exist while the Deployments it awaits roll out. Created after the release instead, they would wait for
 * Deployments whose pods, denied everything (the API server included), never become ready. The ConfigGroup keeps the
 * ConfigFile's name, so its objects keep their names, and aliases the ConfigFile it replaces.
 */
function release(
    name: string,
    file: string,
    policies: object[],
    opts: pulumi.ComponentResourceOptions,
): pulumi.ComponentResource {
    if (policies.length === 0) return new k8s.yaml.v2.ConfigFile(name, { file }, opts);
    return new k8s.yaml.v2.ConfigGroup(
        name,
        { files: [file], objs: policies },
        { ...opts, aliases: [{ type: "kubernetes:yaml/v2:ConfigFile" }] },
    );
}

/**
 * Tekton Pipelines, Triggers (with the core interceptors) and Chains from their pinned release manifests, plus the
 * Pipelines feature flags and defaults.
 *
 * Every Tekton object must be created after the admission webhooks answer, or the API server refuses it ("failed
 * calling webhook … connection refused"): `ready` lists what to put in `dependsOn`. The ConfigFiles await their
 * Deployments, so once they are created the webhooks serve.
 */
export class TektonInstall extends pulumi.ComponentResource {
    /** Depend on these before creating any Tekton or Triggers object or touching Tekton's ConfigMaps. */
    public readonly ready: pulumi.Resource[];
    /** The Chains release: `chains-config`, `signing-secrets` and the controller's ServiceAccount exist after it. */
    public readonly chains: pulumi.Resource;

    constructor(name: string, args: TektonInstallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:tekton:Install", name, {}, opts);
        const k = { parent: this, provider: args.provider };
        const files = tektonReleaseFiles(args.manifestSource);
        // A local directory (a mirror npm run tekton:mirror wrote) is checked against the pinned checksums before
        // anything is created; a URL is read by the kubernetes provider, which checks nothing (docs/tekton.md).
        if (args.manifestSource?.startsWith("/")) verifyReleaseDirectory(args.manifestSource, args.manifestChecksums);

        const strict = args.strictNetworkPolicy === true;
        const pipelines = release(
            `${name}-pipelines`,
            files.pipeline,
            strict ? releaseNamespacePolicies.pipelines() : [],
            {
                ...k,
                dependsOn: args.dependsOn,
            },
        );
        // Triggers installs into the namespace the Pipelines release creates.
        const triggers = new k8s.yaml.v2.ConfigFile(
            `${name}-triggers`,
            { file: files.triggers },
            { ...k, dependsOn: [pipelines] },
        );
        // ClusterInterceptors are Triggers objects: its CRDs and webhook come first.
        const interceptors = new k8s.yaml.v2.ConfigFile(
            `${name}-interceptors`,
            { file: files.interceptors },
            { ...k, dependsOn: [triggers] },
        );
        this.chains = release(`${name}-chains`, files.chains, strict ? releaseNamespacePolicies.chains() : [], {
            ...k,
            dependsOn: [pipelines],
        });
        // The release's own ConfigMaps come with every key at its default; each re-apply of the release (a Tekton
        // upgrade) writes them again. The patches follow it: they name the release they were applied after, so a new
        // release changes their inputs and Pulumi re-applies them, after the release they depend on.
        const flags = configPatch(`${name}-feature-flags`, "feature-flags", featureFlags, files.pipeline, {
            ...k,
            dependsOn: [pipelines],
        });
        const defaults = configPatch(`${name}-config-defaults`, "config-defaults", configDefaults, files.pipeline, {
            ...k,
            dependsOn: [pipelines],
        });

        this.ready = [pipelines, triggers, interceptors, this.chains, flags, defaults];
        this.registerOutputs({});
    }
}

/** Annotation on each patch of a release's ConfigMap: the release manifest it was applied after. */
export const appliedAfterAnnotation = "okd-ci/applied-after";

/**
 * Server-side apply of some keys of a ConfigMap the release owns. `patchForce` takes the keys over from the
 * release's field manager; the rest of the ConfigMap stays the release's. The Pipelines webhook validates these
 * ConfigMaps (failurePolicy Fail), so the patch waits for the release (`opts.dependsOn`).
 *
 * A re-apply of the release puts its defaults back into these keys, and Pulumi re-applies a patch only when the
 * patch's own inputs change: `release` (the manifest the ConfigFile applies) is written into the patch, so whatever
 * changes what the ConfigFile applies also changes the patch, and Pulumi, which updates a resource after those it
 * depends on, applies the patch last. Pass the same source the ConfigFile reads.
 */
export function configPatch(
    name: string,
    configMap: string,
    data: Record<string, string>,
    release: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMapPatch {
    return new k8s.core.v1.ConfigMapPatch(
        name,
        {
            metadata: {
                name: configMap,
                namespace: tektonNamespaces.pipelines,
                annotations: { "pulumi.com/patchForce": "true", [appliedAfterAnnotation]: release },
            },
            data,
        },
        opts,
    );
}
