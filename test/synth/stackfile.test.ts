import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { SECRET } from "../../src/synth/render";
import {
    StackFileError,
    configSource,
    listStacks,
    readStackConfig,
    withSecretPlaceholders,
} from "../../src/synth/stackfile";
import { root } from "./run";

describe("stack files", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "okd-ci-stackfile-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);

    it("lists the stacks by their Pulumi.<stack>.yaml files, sorted", () => {
        for (const f of [
            "Pulumi.yaml",
            "Pulumi.b.yaml",
            "Pulumi.a-1.yaml",
            "Pulumi.c.yml",
            "xPulumi.d.yaml",
            "README.md",
        ]) {
            write(f, "");
        }
        assert.deepEqual(listStacks(dir), ["a-1", "b"]);
        assert.deepEqual(listStacks(root), ["aws", "azure", "ci", "gcp"]);
    });

    it("reads values as the program's raw strings, objects as JSON, and encrypted values as [secret]", () => {
        write(
            "Pulumi.s.yaml",
            [
                "config:",
                "  okd-ci:namePrefix: okd",
                "  okd-ci:buildMaxNodes: 4",
                "  okd-ci:tags:",
                "    team: okd",
                "  okd-ci:mirrorCredentials:",
                "    secure: AAABAKs=",
                "  okd-ci:gates:",
                "    aws:",
                "      token:",
                "        secure: AAAB",
                "  aws:region: us-east-1",
            ].join("\n"),
        );
        assert.deepEqual(readStackConfig(dir, "s"), {
            config: {
                "okd-ci:namePrefix": "okd",
                "okd-ci:buildMaxNodes": "4",
                "okd-ci:tags": '{"team":"okd"}',
                "okd-ci:mirrorCredentials": SECRET,
                "okd-ci:gates": SECRET,
                "aws:region": "us-east-1",
            },
            secretKeys: ["okd-ci:mirrorCredentials", "okd-ci:gates"],
        });
    });

    it("reads a stack file without config as no configuration", () => {
        write("Pulumi.empty.yaml", "");
        assert.deepEqual(readStackConfig(dir, "empty"), { config: {}, secretKeys: [] });
        write("Pulumi.other.yaml", "encryptionsalt: x\n");
        assert.deepEqual(readStackConfig(dir, "other"), { config: {}, secretKeys: [] });
    });

    it("names the file and what is wrong with it", () => {
        const file = (s: string) => path.join(dir, `Pulumi.${s}.yaml`);
        assert.throws(
            () => readStackConfig(dir, "nope"),
            new StackFileError(`unknown stack "nope": ${file("nope")} does not exist; known stacks: (none)`),
        );
        write("Pulumi.a.yaml", "config: {}\n");
        write("Pulumi.b.yaml", "config: {}\n");
        assert.throws(
            () => readStackConfig(dir, "nope"),
            new StackFileError(`unknown stack "nope": ${file("nope")} does not exist; known stacks: a, b`),
        );
        write("Pulumi.bad.yaml", "config: [\n");
        assert.throws(
            () => readStackConfig(dir, "bad"),
            (err: Error) =>
                err instanceof StackFileError && err.message.startsWith(`${file("bad")} is not valid YAML: `),
        );
        write("Pulumi.list.yaml", "config:\n  - a\n");
        assert.throws(
            () => readStackConfig(dir, "list"),
            new StackFileError(`${file("list")}: "config" must be a map of keys to values`),
        );
        write("Pulumi.scalar.yaml", "config: 3\n");
        assert.throws(
            () => readStackConfig(dir, "scalar"),
            new StackFileError(`${file("scalar")}: "config" must be a map of keys to values`),
        );
        write("Pulumi.bare.yaml", "config:\n  namePrefix: okd\n");
        assert.throws(
            () => readStackConfig(dir, "bare"),
            new StackFileError(
                `${file("bare")}: config key "namePrefix" has no namespace; write it as okd-ci:namePrefix`,
            ),
        );
    });

    it("gives the program its own keys only, and which are secret", () => {
        const source = configSource({
            config: { "okd-ci:namePrefix": "okd", "okd-ci:mirrorCredentials": SECRET, "aws:region": "us-east-1" },
            secretKeys: ["okd-ci:mirrorCredentials"],
        });
        assert.equal(source.get("namePrefix"), "okd");
        assert.equal(source.get("region"), undefined);
        assert.equal(source.isSecret("mirrorCredentials"), true);
        assert.equal(source.isSecret("namePrefix"), false);
        assert.deepEqual(source.setKeys(), ["namePrefix", "mirrorCredentials"]);
    });

    it("previews the secrets a stack requires but does not set with the [secret] placeholder, naming each", () => {
        const given = readStackConfig(root, "aws");
        const { stackConfig, placeholders } = withSecretPlaceholders("aws", given);
        assert.deepEqual(
            placeholders.map((p) => p.key),
            ["mirrorCredentials", "gateCredentialsAws"],
        );
        assert.deepEqual(stackConfig.secretKeys, [
            ...given.secretKeys,
            "okd-ci:mirrorCredentials",
            "okd-ci:gateCredentialsAws",
        ]);
        assert.deepEqual(stackConfig.config, {
            ...given.config,
            "okd-ci:mirrorCredentials": SECRET,
            "okd-ci:gateCredentialsAws": SECRET,
        });
        // A stack that sets them (or needs none) gets no placeholder.
        const set = withSecretPlaceholders("aws", stackConfig);
        assert.deepEqual(set.placeholders, []);
        assert.deepEqual(set.stackConfig, stackConfig);
    });
});
