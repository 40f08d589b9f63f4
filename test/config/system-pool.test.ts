/**
 * src/config/system-pool.ts: how many vCPUs a system node needs for a nightly's coscheduled e2e pods, what a machine
 * type's name says about its vCPUs on each cloud (the naming rules cited in that file), and the default type chosen.
 */
import * as assert from "node:assert/strict";

import {
    concurrentGateChains,
    gateChainCpu,
    machineCpus,
    requiredSystemCpu,
    systemHeadroomCpu,
    systemTypeFor,
} from "../../src/config/system-pool";

describe("system pool sizing", () => {
    it("runs one chain per gate plus the upgrade gate's, and none without gates", () => {
        assert.equal(concurrentGateChains(0, false), 0);
        assert.equal(concurrentGateChains(0, true), 0, "no gate, no upgrade gate either");
        assert.equal(concurrentGateChains(1, false), 1);
        assert.equal(concurrentGateChains(2, true), 3);
    });

    it("needs the system headroom plus one vCPU per chain, and nothing without chains", () => {
        assert.equal(systemHeadroomCpu, 2);
        assert.equal(gateChainCpu, 1);
        assert.equal(requiredSystemCpu(0), 0);
        assert.equal(requiredSystemCpu(1), 3);
        assert.equal(requiredSystemCpu(3), 5);
    });

    it("reads AWS instance sizes: n xlarge is 4n vCPUs, large 2, burstable medium 2, other medium 1", () => {
        const cases: [string, number | undefined][] = [
            ["m6i.xlarge", 4],
            ["m6i.2xlarge", 8],
            ["c7g.12xlarge", 48],
            ["m6i.large", 2],
            ["t3.medium", 2],
            ["t3a.medium", 2],
            ["t4g.medium", 2],
            ["a1.medium", 1],
            ["m6i.2large", undefined],
            ["m6i.metal", undefined],
            ["xm6i.large.x", undefined],
            ["m6i.large ", undefined],
            ["M6i.large", undefined],
            ["m6i.Xxlarge", undefined],
        ];
        for (const [type, cpus] of cases) assert.equal(machineCpus("aws", type), cpus, type);
        assert.equal(machineCpus("aws", "e2-standard-4"), undefined, "GCP names mean nothing on AWS");
    });

    it("reads GCP machine types: <series>-<standard|highmem|highcpu>-<n> is n, e2-medium 2", () => {
        const cases: [string, number | undefined][] = [
            ["e2-standard-2", 2],
            ["n2-highmem-16", 16],
            ["c3-highcpu-176", 176],
            ["e2-medium", 2],
            ["e2-small", undefined],
            ["n2-custom-4-8192", undefined],
            ["e2-standard-4-lssd", undefined],
            ["-standard-4", undefined],
            ["E2-standard-4", undefined],
            ["e2-standard-", undefined],
        ];
        for (const [type, cpus] of cases) assert.equal(machineCpus("gcp", type), cpus, type);
        assert.equal(machineCpus("gcp", "m6i.large"), undefined, "AWS names mean nothing on GCP");
    });

    it("reads Azure sizes: Standard_<family letters><n>... is n", () => {
        const cases: [string, number | undefined][] = [
            ["Standard_D2s_v5", 2],
            ["Standard_D16s_v5", 16],
            ["Standard_DS12_v2", 12],
            ["Standard_E104is_v5", 104],
            ["Standard_d2s_v5", undefined],
            ["Standard_2s", undefined],
            ["Basic_A1", undefined],
            ["xStandard_D2s_v5", undefined],
        ];
        for (const [type, cpus] of cases) assert.equal(machineCpus("azure", type), cpus, type);
    });

    it("picks the smallest default type with enough vCPUs, else the largest", () => {
        assert.equal(systemTypeFor("aws", 2), "m6i.large");
        assert.equal(systemTypeFor("aws", 3), "m6i.xlarge");
        assert.equal(systemTypeFor("gcp", 8), "e2-standard-8");
        assert.equal(systemTypeFor("azure", 64), "Standard_D16s_v5");
        assert.equal(systemTypeFor("aws", 17), "m6i.4xlarge");
    });
});
