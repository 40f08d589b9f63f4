/**
 * The parts of src/synth/stackfile.ts that test/synth/stackfile.test.ts leaves open: top-level keys Pulumi does not
 * read, the configuration of other namespaces (which the program checks through `otherConfig`), and secrets nested
 * in an object value.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { SECRET } from "../../src/synth/render";
import { StackFileError, configSource, listStacks, readStackConfig } from "../../src/synth/stackfile";

describe("stack files: stray keys, other namespaces, nested secrets", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-stackfile-keys-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
    const file = (s: string) => path.join(dir, `Pulumi.${s}.yaml`);
    const expected = "expected top-level keys: config, encryptionsalt, secretsprovider, encryptedkey, environment";

    it("refuses top-level keys Pulumi does not read, naming each", () => {
        write("Pulumi.one.yaml", "okd-ci:platform: aws\nconfig: {}\n");
        assert.throws(
            () => readStackConfig(dir, "one"),
            new StackFileError(
                `${file("one")}: top-level key "okd-ci:platform" is not read by Pulumi; stack keys go under "config:" (${expected})`,
            ),
        );
        write("Pulumi.two.yaml", "platform: aws\nregion: us-east-1\n");
        assert.throws(
            () => readStackConfig(dir, "two"),
            new StackFileError(
                `${file("two")}: top-level keys "platform", "region" are not read by Pulumi; stack keys go under "config:" (${expected})`,
            ),
        );
    });

    it("reads every top-level key a Pulumi stack file may have", () => {
        write(
            "Pulumi.full.yaml",
            [
                "encryptionsalt: v1:abc",
                "secretsprovider: awskms://alias/okd",
                "encryptedkey: ZW5j",
                "environment:",
                "  - okd-ci/site",
                "config:",
                "  okd-ci:platform: aws",
                "",
            ].join("\n"),
        );
        assert.deepEqual(readStackConfig(dir, "full"), { config: { "okd-ci:platform": "aws" }, secretKeys: [] });
    });

    it("marks a value secret when any part of it is encrypted, however deep", () => {
        write(
            "Pulumi.deep.yaml",
            [
                "config:",
                "  okd-ci:gates:",
                "    aws:",
                "      account:",
                "        secure: v1:AAAA",
                "  okd-ci:streams:",
                "    - minor: '4.22'",
                "      components: []",
                "  okd-ci:tags:",
                "    team: ci",
                "    none: null",
                "  okd-ci:namePrefix: okd",
                "",
            ].join("\n"),
        );
        assert.deepEqual(readStackConfig(dir, "deep"), {
            config: {
                "okd-ci:gates": SECRET,
                "okd-ci:streams": JSON.stringify([{ minor: "4.22", components: [] }]),
                "okd-ci:tags": JSON.stringify({ team: "ci", none: null }),
                "okd-ci:namePrefix": "okd",
            },
            secretKeys: ["okd-ci:gates"],
        });
    });

    it("lists only files named exactly Pulumi.<stack>.yaml", () => {
        for (const f of ["Pulumi.a.yaml", "Pulumi.b.yaml.bak", "Pulumi.c.yaml~", "Pulumi.yaml"]) write(f, "");
        assert.deepEqual(listStacks(dir), ["a"]);
    });

    it("hands the program the other namespaces' keys, secrets as the placeholder", () => {
        const source = configSource({
            config: {
                "okd-ci:namePrefix": "okd",
                "aws:region": "us-east-1",
                "kubernetes:context": "kind",
                "aws:secretKey": "hunter2",
                "xokd-ci:y": "z",
            },
            secretKeys: ["aws:secretKey"],
        });
        assert.deepEqual(source.otherConfig?.(), {
            "aws:region": "us-east-1",
            "kubernetes:context": "kind",
            "aws:secretKey": SECRET,
            "xokd-ci:y": "z",
        });
        assert.deepEqual(source.setKeys(), ["namePrefix"]);
    });
});
