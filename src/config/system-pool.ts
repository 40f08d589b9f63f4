import type { CloudPlatform } from "./schema";

/**
 * The system pool must hold a nightly's e2e pods. With Tekton's `coschedule: workspaces` (components/tekton/install.ts)
 * every TaskRun that mounts the run's e2e workspace (each gate's prepare, register, install, pull secret, tests and
 * destroy, and finalize-record) is pinned to the node of the workspace's affinity assistant, which Tekton places from
 * the run's `taskRunTemplate` only (tektoncd/pipeline v1.15.0 pkg/reconciler/pipelinerun/affinity_assistant.go): no
 * node selector, so the system pool, never the tainted build pool (and the records identity's pods stay off the build
 * pool by design, docs/security.md). A pod whose requests the node cannot hold stays Pending until its task times out.
 */

/**
 * CPU (vCPUs) the peak task of one gate chain requests: the install (openshift-install, 1 CPU) or the tests
 * (openshift-tests, 1 CPU; components/pipelines/tasks/e2e-gate.ts and upgrade-gate.ts). A chain runs one task at a time.
 */
export const gateChainCpu = 1;

/**
 * vCPUs of a system node the chains cannot have: the kubelet's and the OS's reservation (allocatable is about 1.9 of a
 * 2-vCPU node on EKS, GKE and AKS), the cloud's system DaemonSets and Deployments (CNI, kube-proxy, CoreDNS, CSI,
 * metrics), and the Tekton, Triggers and Chains controllers, which share the system pool.
 */
export const systemHeadroomCpu = 2;

/** Gate chains of one nightly that run at the same time: one per gate, plus the upgrade gate's. */
export function concurrentGateChains(gates: number, upgradeGate: boolean): number {
    return gates === 0 ? 0 : gates + (upgradeGate ? 1 : 0);
}

/** vCPUs a system node needs so that a nightly's coscheduled e2e pods fit beside the system pods; 0 without gates. */
export function requiredSystemCpu(chains: number): number {
    return chains === 0 ? 0 : systemHeadroomCpu + chains * gateChainCpu;
}

/**
 * vCPUs of a machine type, when its name says so; undefined when it does not (the check then trusts the stack).
 * AWS `<family>.<n>xlarge` = 4n, `.xlarge` 4, `.large` 2, `t3/t3a/t4g.medium` 2, other `.medium` 1
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html); GCP `<series>-<standard|highmem|highcpu>-<n>` n
 * (https://cloud.google.com/compute/docs/general-purpose-machines), `e2-medium` 2 shared;
 * Azure `Standard_<letters><n>...` n (https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions).
 */
export function machineCpus(cloud: CloudPlatform, type: string): number | undefined {
    if (cloud === "aws") {
        const m = /^([a-z0-9-]+)\.(\d*)(xlarge|large|medium)$/.exec(type);
        if (!m) return undefined;
        if (m[3] === "xlarge") return 4 * (m[2] === "" ? 1 : Number(m[2]));
        if (m[2] !== "") return undefined;
        if (m[3] === "large") return 2;
        return /^t\d[a-z]*$/.test(m[1]) ? 2 : 1;
    }
    if (cloud === "gcp") {
        const m = /^[a-z0-9]+-(?:standard|highmem|highcpu)-(\d+)$/.exec(type);
        if (m) return Number(m[1]);
        return type === "e2-medium" ? 2 : undefined;
    }
    const m = /^Standard_[A-Z]+(\d+)/.exec(type);
    return m ? Number(m[1]) : undefined;
}

/** The default system machine types by vCPUs, smallest first (the 2-vCPU ones are `platformDefaults` in load.ts). */
export const systemTypesByCpu: Record<CloudPlatform, [number, string][]> = {
    aws: [
        [2, "m6i.large"],
        [4, "m6i.xlarge"],
        [8, "m6i.2xlarge"],
        [16, "m6i.4xlarge"],
    ],
    gcp: [
        [2, "e2-standard-2"],
        [4, "e2-standard-4"],
        [8, "e2-standard-8"],
        [16, "e2-standard-16"],
    ],
    azure: [
        [2, "Standard_D2s_v5"],
        [4, "Standard_D4s_v5"],
        [8, "Standard_D8s_v5"],
        [16, "Standard_D16s_v5"],
    ],
};

/**
 * `profile: small`'s system types by vCPUs where they differ. AWS: burstable AMD t3a, as the profile's 2-vCPU t3.medium
 * (standard credits, components/aws/nodes.ts): a nightly's gate chains need the 4 vCPUs for a few hours a day, which the
 * credits a t3a.xlarge earns idling (96 an hour, 40% baseline, https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html)
 * cover many times over; idle it costs 0.1504/h in us-east-1 instead of an m6i.xlarge's 0.192/h. GCP and Azure keep the
 * standard types (docs/platforms/gcp.md and azure.md say why).
 */
export const smallSystemTypesByCpu: Partial<Record<CloudPlatform, [number, string][]>> = {
    aws: [
        [2, "t3.medium"],
        [4, "t3a.xlarge"],
        [8, "t3a.2xlarge"],
        [16, "m6i.4xlarge"],
    ],
};

/** The smallest default system machine type with at least `cpu` vCPUs (the largest listed when none has). */
export function systemTypeFor(cloud: CloudPlatform, cpu: number, profile?: "standard" | "small"): string {
    const types = (profile === "small" ? smallSystemTypesByCpu[cloud] : undefined) ?? systemTypesByCpu[cloud];
    return (types.find(([n]) => n >= cpu) ?? types[types.length - 1])[1];
}
