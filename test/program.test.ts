import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { recorder, settled, useMocks } from "./helpers";

describe("program", () => {
    useMocks();

    afterEach(() => pulumi.runtime.setAllConfig({}, []));

    it("rejects a broken configuration before registering any resource", async () => {
        await settled();
        const before = recorder().resources.length;
        pulumi.runtime.setAllConfig(
            { "okd-ci:platform": "aws", "okd-ci:region": "us-east1", "okd-ci:buildMaxNodes": "0" },
            [],
        );
        const { run } = await import("../src/program");
        await assert.rejects(
            run(),
            /okd-ci:buildMaxNodes = 0: expected a whole number from 1 to 200\n[\s\S]*okd-ci:region = "us-east1"/,
        );
        await settled();
        assert.equal(recorder().resources.length, before);
    });
});
