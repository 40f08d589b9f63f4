import * as assert from "node:assert/strict";

import { buildCleanupPolicies, nightlyCleanupPolicies } from "../../../components/gcp/registry";
import { type CleanupPolicy, type Version, deletedBy } from "./cleanup-model";

/**
 * What a stream's nightlies leave in the nightly repository after `nights` nights, the newest today (age 0):
 * - `release`: one payload a night (a new digest each time: its name and creation time are inside it);
 * - `release` also: the tools image every nightly rebuilds (a new digest), its tag moved to the newest;
 * - `components`, `machine-os`: each night's builds;
 * - `content`: what `oc adm release new --mirror` copied: the base payload's images, uploaded on the first night and
 *   only re-tagged `<payload>-<component>` every night after, a multi-architecture index among them whose
 *   per-architecture manifests carry no tag, and each night's rebuilt images, new digests.
 * `failed` nights made no payload and built nothing.
 */
function nightlies(nights: number, failed: (age: number) => boolean = () => false) {
    const versions: Version[] = [];
    const payloads: { age: number; references: string[] }[] = [];
    const first = nights - 1;
    const base = ["etcd", "console", "tests"].map((c) => ({
        pkg: "content",
        digest: `base-${c}`,
        age: first,
        tags: [] as string[],
    }));
    const index = { pkg: "content", digest: "base-index", age: first, tags: [] as string[] };
    const children = ["amd64", "arm64"].map((a) => ({
        pkg: "content",
        digest: `base-index-${a}`,
        age: first,
        tags: [],
    }));
    versions.push(...base, index, ...children);
    const tools: Version[] = [];
    for (let age = first; age >= 0; age--) {
        if (failed(age)) continue;
        const name = `4.15.0-0.okd-night-${age}`;
        for (const t of tools) t.tags = [];
        tools.push({ pkg: "release", digest: `tools-${age}`, age, tags: ["pipeline-tools-0123456789abcdef"] });
        versions.push(tools[tools.length - 1]);
        versions.push({ pkg: "release", digest: `payload-${age}`, age, tags: [name] });
        versions.push({ pkg: "machine-os", digest: `os-${age}`, age, tags: [`machine-os-${age}`] });
        versions.push({ pkg: "components", digest: `installer-${age}`, age, tags: [`installer-${age}`] });
        const rebuilt = [
            { pkg: "content", digest: `os-${age}`, age, tags: [`${name}-rhel-coreos`] },
            { pkg: "content", digest: `installer-${age}`, age, tags: [`${name}-installer`] },
        ];
        versions.push(...rebuilt);
        for (const b of base) b.tags.push(`${name}-${b.digest.slice(5)}`);
        index.tags.push(`${name}-multi`);
        payloads.push({
            age,
            references: [
                `release/payload-${age}`,
                ...[...base, index, ...children, ...rebuilt].map((v) => `${v.pkg}/${v.digest}`),
            ],
        });
    }
    return { versions, payloads };
}

const id = (v: Version) => `${v.pkg}/${v.digest}`;
const nightlyDays = 14;
/**
 * Each package lives in one repository (payloads, content and the tools image in nightly, builds in builds), so the
 * two repositories' policies together act on disjoint packages: evaluating them over every version is what each
 * repository does over its own.
 */
const nightlyPolicies = nightlyCleanupPolicies(nightlyDays, 1, nightlyDays) as CleanupPolicy[];
const buildPolicies = buildCleanupPolicies(nightlyDays, 1) as CleanupPolicy[];
const buildPackages = new Set(["components", "machine-os"]);
function deleted(versions: Version[]): Version[] {
    return [
        ...deletedBy(
            nightlyPolicies,
            versions.filter((v) => !buildPackages.has(v.pkg)),
        ),
        ...deletedBy(
            buildPolicies,
            versions.filter((v) => buildPackages.has(v.pkg)),
        ),
    ];
}

describe("gcp nightly and builds repository retention", () => {
    it("never deletes an image that one of the newest payloads references, however old its digest", () => {
        const { versions, payloads } = nightlies(40);
        const gone = new Set(deleted(versions).map(id));
        const live = payloads.sort((a, b) => a.age - b.age).slice(0, nightlyDays);
        for (const p of live) {
            for (const ref of p.references) {
                assert.equal(gone.has(ref), false, `${ref}, referenced by payload ${p.age}`);
            }
        }
        assert.ok(gone.has("content/base-etcd") === false, "the base payload's images, uploaded 39 days ago, stay");
    });

    it("deletes payloads and builds older than nightlyRetentionDays", () => {
        const { versions } = nightlies(40);
        const gone = new Set(deleted(versions).map(id));
        for (let age = 15; age < 40; age++) {
            assert.ok(gone.has(`release/payload-${age}`), `payload ${age}`);
            assert.ok(gone.has(`components/installer-${age}`), `installer build ${age}`);
            assert.ok(gone.has(`machine-os/os-${age}`), `machine-os build ${age}`);
        }
        for (let age = 0; age <= nightlyDays; age++) assert.equal(gone.has(`release/payload-${age}`), false, `${age}`);
    });

    it("keeps the newest payloads whatever their age when nightlies have failed for weeks", () => {
        const { versions, payloads } = nightlies(60, (age) => age < 30);
        const gone = new Set(deleted(versions).map(id));
        const newest = payloads.sort((a, b) => a.age - b.age).slice(0, nightlyDays);
        assert.equal(newest[0].age, 30, "control: the newest payload is 30 days old");
        for (const p of newest) {
            for (const ref of p.references) {
                assert.equal(gone.has(ref), false, `${ref}, referenced by payload ${p.age}`);
            }
        }
        assert.ok(gone.has(`release/payload-${30 + nightlyDays}`), "the next older payload goes");
    });

    it("keeps the tagged tools image the release runs resolve, however old, and lets the untagged ones go", () => {
        const { versions } = nightlies(60, (age) => age < 30);
        const gone = new Set(deleted(versions).map(id));
        assert.equal(gone.has("release/tools-30"), false, "the newest, tagged, 30 days old");
        assert.ok(gone.has("release/tools-59"), "an old untagged one");
    });

    it("leaves the untagged manifests of a multi-architecture image under its index alone", () => {
        const { versions } = nightlies(40);
        const gone = new Set(deleted(versions).map(id));
        assert.equal(gone.has("content/base-index-amd64"), false);
        assert.equal(gone.has("content/base-index-arm64"), false);
    });

    it("does not prune content by age at all: the copies only expired payloads reference stay (see docs)", () => {
        const { versions } = nightlies(40);
        const gone = new Set(deleted(versions).map(id));
        assert.equal(gone.has("content/installer-39"), false);
        assert.equal([...gone].filter((g) => g.startsWith("content/")).length, 0);
    });

    it("reads each policy as Artifact Registry does: two KEEP, three DELETE, each by package", () => {
        const read = (ps: CleanupPolicy[]) =>
            ps.map((p) => [
                p.id,
                p.action,
                p.condition?.packageNamePrefixes ?? p.mostRecentVersions?.packageNamePrefixes,
            ]);
        assert.deepEqual(read(nightlyPolicies), [
            ["keep-newest-payloads", "KEEP", ["release"]],
            ["keep-pipeline-tools", "KEEP", ["release"]],
            ["delete-old-payloads", "DELETE", ["release"]],
            ["delete-untagged", "DELETE", ["release"]],
        ]);
        assert.deepEqual(read(buildPolicies), [
            ["delete-old-builds", "DELETE", ["components", "machine-os"]],
            ["delete-untagged", "DELETE", ["components", "machine-os"]],
        ]);
        for (const ps of [nightlyPolicies, buildPolicies]) {
            assert.ok(ps.length <= 10, "Artifact Registry takes at most 10 cleanup policies per repository");
        }
    });
});
