/** The gcp site's configuration: GKE's Kubernetes minors, the keys it implements and the forms GCP takes. */
import * as assert from "node:assert/strict";

import { type ConfigProblem, ConfigError, loadConfig } from "../../src/config/load";
import { kubernetesSupport, standardSupportEnds, supportedMinors } from "../../components/shared/kubernetes";
import { mapSource } from "../helpers";

const gcp = { platform: "gcp", region: "europe-west4", gcpProject: "okd-proj" };

function problems(values: Record<string, unknown>): ConfigProblem[] {
    try {
        loadConfig(mapSource(values));
    } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
    }
    return [];
}
const lines = (values: Record<string, unknown>) => problems(values).map((p) => `${p.key} = ${p.value}: ${p.message}`);

describe("gcp configuration", () => {
    describe("Kubernetes versions", () => {
        it("lists GKE's own minors in standard support, checked against the release schedule with their end dates", () => {
            const k = kubernetesSupport.gcp;
            assert.equal(k.unverified, undefined, "the gcp list is checked");
            assert.match(k.checked, /^\d{4}-\d{2}-\d{2}$/);
            assert.match(k.source, /cloud\.google\.com\/kubernetes-engine\/docs\/release-schedule/);
            assert.deepEqual(supportedMinors("gcp"), ["1.35", "1.36"]);
            assert.equal(standardSupportEnds("gcp", "1.35"), "2027-04-11");
            assert.equal(standardSupportEnds("gcp", "1.36"), "2027-08-09");
            for (const m of k.minors) assert.ok(m.standardSupportEnds > k.checked, `${m.minor} is still in support`);
        });

        it("refuses a minor that has left GKE standard support, naming the ones it has", () => {
            assert.deepEqual(lines({ ...gcp, kubernetesVersion: "1.34" }), [
                'okd-ci:kubernetesVersion = "1.34": is not in GKE standard support (checked 2026-11-30); expected one of 1.35, 1.36',
            ]);
            assert.equal(loadConfig(mapSource(gcp)).kubernetesVersion, "1.35");
        });
    });

    describe("keys the gcp site implements", () => {
        it("takes control-plane CIDRs, the webhook's host name and zone, and the small profile", () => {
            const c = loadConfig(
                mapSource({
                    ...gcp,
                    controlPlaneCidrs: ["203.0.113.0/24"],
                    webhookHostname: "hooks.okd.example.org",
                    webhookDnsZone: "okd-example-org",
                    webhookSourceRanges: ["192.30.252.0/22"],
                    profile: "small",
                }),
            );
            assert.deepEqual(c.controlPlaneCidrs, ["203.0.113.0/24"]);
            assert.equal(c.webhookDnsZone, "okd-example-org");
        });

        it("gives the small profile one e2-standard-2 system node, and the standard profile two", () => {
            const small = loadConfig(mapSource({ ...gcp, profile: "small" }));
            assert.equal(small.systemNodes, 1);
            assert.equal(small.systemInstanceType, "e2-standard-2");
            const standard = loadConfig(mapSource(gcp));
            assert.equal(standard.systemNodes, 2);
            assert.equal(loadConfig(mapSource({ ...gcp, profile: "small", systemNodes: 2 })).systemNodes, 2);
        });
    });

    describe("gcp forms", () => {
        it("needs the Cloud DNS zone of a webhook host name, and a host name for a zone", () => {
            assert.deepEqual(lines({ ...gcp, webhookHostname: "hooks.okd.example.org" }), [
                "okd-ci:webhookDnsZone = (not set): is required with webhookHostname on gcp: the site writes the webhook's A record, which its Google-managed certificate is validated through, in that Cloud DNS zone of gcpProject; expected the zone's name such as okd-example-org",
            ]);
            assert.deepEqual(lines({ ...gcp, webhookDnsZone: "okd-example-org" }), [
                'okd-ci:webhookDnsZone = "okd-example-org": is set without webhookHostname; expected webhookHostname too, or neither',
            ]);
        });

        it("takes a managed zone's name, not its DNS name", () => {
            assert.deepEqual(
                lines({ ...gcp, webhookHostname: "hooks.okd.example.org", webhookDnsZone: "okd.example.org." }),
                [
                    'okd-ci:webhookDnsZone = "okd.example.org.": expected the name of a Cloud DNS managed zone (1-63 lower-case letters, digits and dashes, starting with a letter), not its DNS name',
                ],
            );
        });
    });
});
