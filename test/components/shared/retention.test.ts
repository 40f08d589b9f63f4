import * as assert from "node:assert/strict";

import {
    artifactPrefixes,
    artifactRules,
    recordVersionDays,
    versionExpiringPrefixes,
} from "../../../components/shared/retention";
import { type ArtifactPrefix, identityGrants, prunedPrefixes } from "../../../components/shared/site";

describe("retention of artifact storage", () => {
    it("expires only the logs, after logDays, and their old versions after at most a week", () => {
        assert.deepEqual(artifactRules(30), [{ prefix: "logs/", expireDays: 30, noncurrentDays: 7 }]);
        // A shorter log retention also shortens how long an overwritten log is kept.
        assert.deepEqual(artifactRules(3), [{ prefix: "logs/", expireDays: 3, noncurrentDays: 3 }]);
        assert.deepEqual(artifactRules(7), [{ prefix: "logs/", expireDays: 7, noncurrentDays: 7 }]);
    });

    it("names the prefixes the sites' lifecycle rules and the pipelines' scripts use", () => {
        assert.deepEqual(artifactPrefixes, { logs: "logs/", releases: "releases/", promoted: "promoted/" });
        assert.equal(recordVersionDays, 365);
        assert.deepEqual(versionExpiringPrefixes, ["releases/", "notes/", "status/", "clusters/"]);
    });

    it("gives every prefix an identity writes exactly one rule: logs expire, promoted/ keeps every version, the rest keep old versions a year", () => {
        const written = new Set(Object.values(identityGrants).flatMap((g) => g.storage.write));
        const ruled: ArtifactPrefix[] = [artifactPrefixes.logs, artifactPrefixes.promoted, ...versionExpiringPrefixes];
        assert.deepEqual([...written].sort(), [...ruled].sort());
        assert.equal(new Set(ruled).size, ruled.length, "a prefix under two rules");
        // A promotion's record is never lost to a lifecycle rule, nor are its old versions.
        assert.ok(!(versionExpiringPrefixes as readonly string[]).includes("promoted/"));
        assert.ok(!artifactRules(1).some((r) => r.prefix.startsWith("promoted") || r.prefix.startsWith("releases")));
        // What a pipeline deletes itself is not what holds releases.
        for (const p of prunedPrefixes) assert.ok(p !== "promoted/" && p !== "releases/", p);
    });
});
