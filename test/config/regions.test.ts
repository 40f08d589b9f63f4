/**
 * The region lists a site's `region` (and each gate's) is checked against (src/config/regions.ts): every region
 * listed is accepted, and the AWS list is every region of the AWS provider this program is pinned to, but those of
 * the restricted partitions.
 */
import * as assert from "node:assert/strict";

import * as aws from "@pulumi/aws";

import { loadConfig } from "../../src/config/load";
import { awsRegions, azureLocations, gcpRegions, regionsByPlatform } from "../../src/config/regions";
import { mapSource } from "../helpers";

const sites = {
    aws: { platform: "aws", adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"] },
    gcp: { platform: "gcp", gcpProject: "okd-ci-example" },
    azure: { platform: "azure" },
} as const;

describe("config: the regions of each cloud", () => {
    it("lists the AWS provider's regions, but those of the restricted partitions", () => {
        // @pulumi/aws types/enums Region: every region the provider knows. Left out: China (aws-cn), the ISO
        // partitions (aws-iso*) and the European Sovereign Cloud (aws-eusc), which need accounts of their own
        // partition and were never tried with this program; GovCloud (aws-us-gov) is listed.
        const restricted = /^(cn-|us-iso|eu-isoe-|eusc-)/;
        const provider = (Object.values(aws.Region) as string[]).filter((r) => !restricted.test(r));
        assert.deepEqual([...awsRegions].sort(), [...provider].sort());
    });

    it("holds each list under its platform, every region once", () => {
        assert.deepEqual(regionsByPlatform, { aws: awsRegions, gcp: gcpRegions, azure: azureLocations });
        for (const list of Object.values(regionsByPlatform)) assert.equal(new Set(list).size, list.length);
    });

    for (const [platform, site] of Object.entries(sites)) {
        it(`accepts every listed ${platform} region as the site's region`, () => {
            const list = regionsByPlatform[platform as keyof typeof regionsByPlatform];
            const refused = list.filter((region) => {
                try {
                    return loadConfig(mapSource({ ...site, region }), "dev").region !== region;
                } catch {
                    return true;
                }
            });
            assert.deepEqual(refused, []);
        });
    }
});
