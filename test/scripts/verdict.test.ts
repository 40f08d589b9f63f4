import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { requireTool, runScript, tempDir } from "./harness";

describe("verdict.sh", () => {
    let dir: string;
    before(() => requireTool("jq"));
    beforeEach(() => (dir = tempDir("verdict")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const decide = (gates: unknown[]) => {
        const r = runScript("verdict.sh", {
            GATES: JSON.stringify(gates),
            GATES_FILE: path.join(dir, "gates.json"),
            RESULT_VERDICT: path.join(dir, "verdict"),
        });
        assert.equal(r.status, 0, r.stderr);
        return fs.readFileSync(path.join(dir, "verdict"), "utf8");
    };

    it("rejects the payload when a blocking gate failed", () => {
        assert.equal(
            decide([
                { gate: "aws", blocking: true, outcome: "failed" },
                { gate: "gcp", blocking: false, outcome: "passed" },
            ]),
            "rejected",
        );
    });

    it("accepts the payload when only an optional gate failed", () => {
        assert.equal(
            decide([
                { gate: "aws", blocking: true, outcome: "passed" },
                { gate: "gcp", blocking: false, outcome: "failed" },
            ]),
            "accepted",
        );
    });

    it("lets a blocking upgrade gate with nothing to upgrade from neither pass nor reject, and keeps its facts", () => {
        const upgrade = { gate: "aws-upgrade", kind: "upgrade", blocking: true, from: "", outcome: "skipped" };
        assert.equal(
            decide([{ gate: "aws", kind: "install", blocking: true, outcome: "passed" }, upgrade]),
            "accepted",
        );
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "gates.json"), "utf8"))[1], upgrade);
        // Only an upgrade gate may be skipped; a failed upgrade that blocks rejects.
        assert.equal(decide([{ gate: "aws", kind: "install", blocking: true, outcome: "skipped" }]), "rejected");
        assert.equal(decide([{ ...upgrade, from: "4.15.0-0.okd-2025-01-01-020000", outcome: "failed" }]), "rejected");
    });

    const refuse = (gates: string) => {
        const r = runScript("verdict.sh", {
            GATES: gates,
            GATES_FILE: path.join(dir, "gates.json"),
            RESULT_VERDICT: path.join(dir, "verdict"),
        });
        assert.equal(r.status, 2, r.stdout);
        assert.equal(fs.existsSync(path.join(dir, "verdict")), false);
        assert.equal(fs.existsSync(path.join(dir, "gates.json")), false);
        return r.stderr;
    };

    it("refuses an outcome that is not passed, failed or skipped, naming the gate", () => {
        assert.match(
            refuse(JSON.stringify([{ gate: "aws", blocking: true, outcome: "" }])),
            /gate outcome must be passed, failed or skipped; got aws \(""\)/,
        );
        assert.match(
            refuse(JSON.stringify([{ gate: "gcp", blocking: true, outcome: "accepted" }])),
            /got gcp \("accepted"\)/,
        );
    });

    /**
     * A gate step (the payload's own tests image) rewrites its `outcome` result with a quote in it; Tekton pastes it
     * into the `gates` param as nightly.ts writes it. Each try would get the payload accepted if parsed as is.
     */
    it("refuses gates a tampered outcome result turned into other JSON", () => {
        const pasted = (outcome: string, second = "failed") =>
            `[{"gate":"aws","blocking":true,"outcome":"${outcome}"},{"gate":"gcp","blocking":true,"outcome":"${second}"}]`;
        // A second "blocking":false for its own entry (jq keeps the last of duplicate keys).
        assert.match(refuse(pasted('failed","blocking":false,"outcome":"failed')), /not the compact JSON/);
        // An escaped quote that decodes to a valid-looking value.
        assert.match(refuse(pasted("pass\\u0065d")), /not the compact JSON/);
        // Closing its entry and adding a non-blocking twin of the next gate before the real one.
        assert.match(
            refuse(pasted('passed"},{"gate":"gcp","blocking":false,"outcome":"passed', "failed")),
            /names a gate twice/,
        );
        // As the pipeline writes it, untampered, the same gates decide normally.
        assert.equal(decide([{ gate: "aws", blocking: true, outcome: "failed" }]), "rejected");
    });

    /** Gates as the nightly passes them to finalize-record: each chain's `$(tasks.<t>.status)`, substituted. */
    describe("gates given by their chain's task statuses (decided in finally)", () => {
        const outcome = (gate: string, value: string, reason = "") => {
            fs.mkdirSync(path.join(dir, "e2e", gate), { recursive: true });
            fs.writeFileSync(path.join(dir, "e2e", gate, "gate-outcome"), value);
            fs.writeFileSync(path.join(dir, "e2e", gate, "gate-reason"), reason);
        };
        const chain = (g: string, status: Record<string, string> = {}) =>
            [`e2e-pull-secret`, `prepare-${g}`, `register-${g}`, `install-${g}`, `pull-secret-${g}`, `e2e-${g}`]
                .map((t) => `${t}=${status[t] ?? "Succeeded"}`)
                .join(" ");
        const run = (gates: unknown[]) => {
            const r = runScript("verdict.sh", {
                GATES: JSON.stringify(gates),
                E2E_DIR: path.join(dir, "e2e"),
                GATES_FILE: path.join(dir, "gates.json"),
                RESULT_VERDICT: path.join(dir, "verdict"),
            });
            return {
                r,
                verdict: fs.existsSync(path.join(dir, "verdict"))
                    ? fs.readFileSync(path.join(dir, "verdict"), "utf8")
                    : "",
                gates: fs.existsSync(path.join(dir, "gates.json"))
                    ? (JSON.parse(fs.readFileSync(path.join(dir, "gates.json"), "utf8")) as Record<string, unknown>[])
                    : [],
            };
        };

        it("counts an optional gate whose mint task ran out of retries as failed, and still accepts", () => {
            outcome("aws", "passed");
            const { r, verdict, gates } = run([
                { gate: "aws", blocking: true, tasks: chain("aws") },
                {
                    gate: "gcp",
                    blocking: false,
                    tasks: chain("gcp", { "pull-secret-gcp": "Failed", "e2e-gcp": "None" }),
                },
            ]);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(verdict, "accepted");
            assert.deepEqual(gates, [
                { gate: "aws", blocking: true, outcome: "passed" },
                {
                    gate: "gcp",
                    blocking: false,
                    outcome: "failed",
                    reason: "task pull-secret-gcp failed (a timeout, an evicted pod, or out of retries); the gate did not finish",
                },
            ]);
        });

        it("rejects when a blocking gate's chain did not run (the run was cancelled)", () => {
            const { verdict, gates } = run([
                {
                    gate: "aws",
                    blocking: true,
                    tasks: chain("aws", { "install-aws": "None", "pull-secret-aws": "None", "e2e-aws": "None" }),
                },
            ]);
            assert.equal(verdict, "rejected");
            assert.match(String(gates[0].reason), /task install-aws did not run/);
        });

        it("fails a gate whose outcome file is missing or not one of the three values, whatever it says", () => {
            outcome("aws", "accepted");
            const { verdict, gates } = run([{ gate: "aws", blocking: true, tasks: chain("aws") }]);
            assert.equal(verdict, "rejected");
            assert.match(String(gates[0].reason), /left no valid outcome/);
            fs.rmSync(path.join(dir, "e2e"), { recursive: true });
            assert.equal(run([{ gate: "aws", blocking: false, tasks: chain("aws") }]).gates[0].outcome, "failed");
        });

        it("never reads a gate's outcome or reason through a link (to the records pod's secrets) into the record", () => {
            const secret = path.join(dir, "secret");
            fs.writeFileSync(secret, "passed");
            fs.mkdirSync(path.join(dir, "e2e", "aws"), { recursive: true });
            fs.symlinkSync(secret, path.join(dir, "e2e", "aws", "gate-outcome"));
            fs.symlinkSync(secret, path.join(dir, "e2e", "aws", "gate-reason"));
            const { verdict, gates } = run([{ gate: "aws", blocking: true, tasks: chain("aws") }]);
            assert.equal(verdict, "rejected");
            assert.doesNotMatch(JSON.stringify(gates), /passed/);
            // The gate's directory itself a link to a directory holding a valid-looking outcome.
            fs.rmSync(path.join(dir, "e2e"), { recursive: true });
            fs.mkdirSync(path.join(dir, "elsewhere"));
            fs.writeFileSync(path.join(dir, "elsewhere", "gate-outcome"), "passed");
            fs.mkdirSync(path.join(dir, "e2e"));
            fs.symlinkSync(path.join(dir, "elsewhere"), path.join(dir, "e2e", "aws"));
            assert.equal(run([{ gate: "aws", blocking: true, tasks: chain("aws") }]).verdict, "rejected");
        });

        /**
         * A link swapped in between verdict.sh's checks and its read (the payload's installer runs beside it on the
         * same workspace): `dd` and `head` on PATH are the real tools, run after a swap made at the worst moment.
         */
        const swapBeforeRead = (swap: string) => {
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin, { recursive: true });
            for (const tool of ["dd", "head"]) {
                fs.writeFileSync(
                    path.join(bin, tool),
                    `#!/usr/bin/env bash\nif [ ! -e "${dir}/swapped" ]; then touch "${dir}/swapped"; ${swap}; fi\nexec /usr/bin/${tool} "$@"\n`,
                    { mode: 0o755 },
                );
            }
            return bin;
        };
        const runWith = (bin: string, gates: unknown[]) =>
            runScript(
                "verdict.sh",
                {
                    GATES: JSON.stringify(gates),
                    E2E_DIR: path.join(dir, "e2e"),
                    GATES_FILE: path.join(dir, "gates.json"),
                    RESULT_VERDICT: path.join(dir, "verdict"),
                },
                bin,
            );

        it("reads nothing through a link swapped in for the outcome file after the checks", () => {
            const secret = path.join(dir, "secret");
            fs.writeFileSync(secret, "passed");
            outcome("aws", "failed", "suite");
            const outcomeFile = path.join(dir, "e2e", "aws", "gate-outcome");
            const bin = swapBeforeRead(`rm -f "${outcomeFile}"; ln -s "${secret}" "${outcomeFile}"`);
            const r = runWith(bin, [{ gate: "aws", blocking: true, tasks: chain("aws") }]);
            assert.equal(r.status, 0, r.stderr);
            assert.ok(fs.existsSync(path.join(dir, "swapped")), "the link was never swapped in");
            assert.equal(fs.readFileSync(path.join(dir, "verdict"), "utf8"), "rejected");
            assert.doesNotMatch(fs.readFileSync(path.join(dir, "gates.json"), "utf8"), /passed/);
        });

        it("reads the gate's own directory when a link is swapped in for it after the checks", () => {
            fs.mkdirSync(path.join(dir, "elsewhere"));
            fs.writeFileSync(path.join(dir, "elsewhere", "gate-outcome"), "passed");
            outcome("aws", "failed", "suite");
            const gate = path.join(dir, "e2e", "aws");
            const bin = swapBeforeRead(`mv "${gate}" "${gate}.gone"; ln -s "${dir}/elsewhere" "${gate}"`);
            const r = runWith(bin, [{ gate: "aws", blocking: true, tasks: chain("aws") }]);
            assert.equal(r.status, 0, r.stderr);
            assert.ok(fs.existsSync(path.join(dir, "swapped")), "the link was never swapped in");
            assert.equal(fs.readFileSync(path.join(dir, "verdict"), "utf8"), "rejected");
            assert.doesNotMatch(fs.readFileSync(path.join(dir, "gates.json"), "utf8"), /passed/);
        });

        it("skips an upgrade gate with no earlier release whatever its chain did, and fails a skip with one", () => {
            outcome("aws", "passed");
            const upgrade = {
                gate: "aws-upgrade",
                kind: "upgrade",
                blocking: true,
                from: "",
                tasks: chain("aws-upgrade", { "pull-secret-aws-upgrade": "Failed", "e2e-aws-upgrade": "None" }),
            };
            const none = run([{ gate: "aws", blocking: true, tasks: chain("aws") }, upgrade]);
            assert.equal(none.r.status, 0, none.r.stderr);
            assert.equal(none.verdict, "accepted");
            assert.equal(none.gates[1].outcome, "skipped");
            assert.match(String(none.gates[1].reason), /no earlier release to upgrade from/);
            // With an earlier release the same failed mint rejects, and a gate that says `skipped` has failed.
            const earlier = { ...upgrade, from: "4.15.0-0.okd-2025-01-01-020000" };
            assert.equal(run([earlier]).verdict, "rejected");
            outcome("aws-upgrade", "skipped");
            const skipped = run([{ ...earlier, tasks: chain("aws-upgrade") }]);
            assert.equal(skipped.verdict, "rejected");
            assert.equal(skipped.gates[0].outcome, "failed");
            assert.match(String(skipped.gates[0].reason), /reported skipped, but there was a release to upgrade from/);
        });

        it("refuses a status Tekton does not give", () => {
            const { r, verdict } = run([{ gate: "aws", blocking: true, tasks: chain("aws", { "e2e-aws": "Passed" }) }]);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /not Succeeded, Failed or None/);
            assert.equal(verdict, "");
        });
    });

    it("accepts when the stack has no gate and writes the gates for the record", () => {
        assert.equal(decide([]), "accepted");
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "gates.json"), "utf8")), []);
    });

    it("fails on malformed gates instead of deciding", () => {
        const r = runScript("verdict.sh", {
            GATES: '[{"gate":"aws"}]',
            GATES_FILE: path.join(dir, "gates.json"),
            RESULT_VERDICT: path.join(dir, "verdict"),
        });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /GATES must be a JSON array/);
        assert.equal(fs.existsSync(path.join(dir, "verdict")), false);
    });
});
