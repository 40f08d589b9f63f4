import * as assert from "node:assert/strict";

import { tektonLint } from "./tekton-lint";

describe("tekton-lint harness", () => {
    it("reports an undefined param as an error, so a clean result means something", async () => {
        const task = {
            apiVersion: "tekton.dev/v1",
            kind: "Task",
            metadata: { name: "broken" },
            spec: {
                steps: [{ name: "s", image: "registry.example/tool:1.0", script: "#!/bin/sh\necho $(params.missing)" }],
            },
        };
        const problems = await tektonLint([task]);
        assert.deepEqual(
            problems.filter((p) => p.level === "error").map((p) => p.rule),
            ["no-undefined-param"],
        );
    });
});
