import * as assert from "node:assert/strict";

import { kubernetesSupport, standardSupportEnds, supportedMinors } from "../../../components/shared/kubernetes";

const platforms = ["aws", "gcp", "azure"] as const;
const minorOf = (v: string): number => Number(v.split(".")[1]);

describe("Kubernetes minors in each managed service's standard support", () => {
    it("offers exactly the listed minors, oldest first, with the default among them", () => {
        assert.deepEqual(supportedMinors("aws"), ["1.34", "1.35", "1.36"]);
        assert.deepEqual(supportedMinors("gcp"), ["1.35", "1.36"]);
        assert.deepEqual(supportedMinors("azure"), ["1.34", "1.35", "1.36"]);
        assert.deepEqual(
            platforms.map((p) => kubernetesSupport[p].default),
            ["1.35", "1.35", "1.36"],
        );
        for (const p of platforms) {
            const minors = supportedMinors(p);
            assert.ok(minors.includes(kubernetesSupport[p].default), `${p} default ${kubernetesSupport[p].default}`);
            for (const v of minors) assert.match(v, /^1\.\d+$/, `${p} ${v}`);
            const numbers = minors.map(minorOf);
            assert.deepEqual(
                numbers,
                [...numbers].sort((a, b) => a - b),
                `${p} minors oldest first`,
            );
        }
    });

    it("names the service for the messages and keeps every minor in support on the day the list was checked", () => {
        assert.deepEqual(
            platforms.map((p) => kubernetesSupport[p].service),
            ["Amazon EKS", "GKE", "AKS"],
        );
        for (const p of platforms) {
            const k = kubernetesSupport[p];
            assert.match(k.checked, /^\d{4}-\d{2}-\d{2}$/, p);
            assert.match(k.source, /^https:\/\//, p);
            assert.equal(k.unverified, undefined, `${p} list is checked`);
            const ends = k.minors.map((m) => m.standardSupportEnds);
            // A newer minor never leaves support before an older one.
            assert.deepEqual(ends, [...ends].sort(), `${p} support ends in minor order`);
            for (const end of ends) assert.ok(end >= k.checked, `${p}: ${end} ended before ${k.checked}`);
        }
    });

    it("gives the day each listed minor leaves standard support, and none for a minor not in the list", () => {
        assert.equal(standardSupportEnds("aws", "1.34"), "2026-12-02");
        assert.equal(standardSupportEnds("aws", "1.36"), "2027-08-02");
        assert.equal(standardSupportEnds("azure", "1.34"), "2026-11-30");
        assert.equal(standardSupportEnds("azure", "1.35"), "2027-03-31");
        assert.equal(standardSupportEnds("gcp", "1.36"), "2027-08-09");
        assert.equal(standardSupportEnds("aws", "1.33"), undefined);
        assert.equal(standardSupportEnds("gcp", "1.34"), undefined);
        assert.equal(standardSupportEnds("azure", "2.0"), undefined);
    });

    it("gives no day when the list holds one not written YYYY-MM-DD, so no warning computes a date from it", () => {
        // AKS's calendar gives some ends as a month only ("the last day of the specified month"): a list entry
        // transcribed that way, or with anything around the date, is not a day.
        const minors = kubernetesSupport.azure.minors as { minor: string; standardSupportEnds: string }[];
        const entries = ["2027-09", "x2027-09-30", "2027-09-301", "2027-9-30", "27-09-30", "2027-09-3"];
        try {
            entries.forEach((end, i) => minors.push({ minor: `9.${i}`, standardSupportEnds: end }));
            entries.forEach((end, i) => assert.equal(standardSupportEnds("azure", `9.${i}`), undefined, end));
        } finally {
            minors.splice(minors.length - entries.length, entries.length);
        }
        assert.deepEqual(supportedMinors("azure"), ["1.34", "1.35", "1.36"]);
    });
});
