import * as assert from "node:assert/strict";

import { ConfigError, loadConfig } from "../../src/config/load";
import { mapSource } from "../helpers";

/** `objectStoreAccessKey`/`objectStoreSecretKey`: the local site's object store keys, configured or generated. */
describe("config: objectStoreAccessKey and objectStoreSecretKey", () => {
    const load = (values: Record<string, string>) =>
        loadConfig(mapSource({ platform: "local", ...values }, Object.keys(values)));
    const fails = (values: Record<string, string>, line: RegExp) =>
        assert.throws(
            () => load(values),
            (err: unknown) => err instanceof ConfigError && line.test(err.message),
        );

    it("accepts both, as secrets", () => {
        const c = load({ objectStoreAccessKey: "A".repeat(20), objectStoreSecretKey: "b/+".repeat(14) });
        assert.ok(c.secrets.objectStoreAccessKey !== undefined && c.secrets.objectStoreSecretKey !== undefined);
    });

    it("rejects one without the other, naming the missing key", () => {
        fails(
            { objectStoreAccessKey: "A".repeat(20) },
            /okd-ci:objectStoreSecretKey = \(not set\): is required when objectStoreAccessKey is set; set both with `pulumi config set --secret objectStoreSecretKey …`, or neither/,
        );
        fails(
            { objectStoreSecretKey: "b".repeat(40) },
            /okd-ci:objectStoreAccessKey = \(not set\): is required when objectStoreSecretKey is set; set both with `pulumi config set --secret objectStoreAccessKey …`, or neither/,
        );
    });
});
