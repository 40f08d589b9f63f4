/**
 * The fields of the structured keys (src/config/model-schema.ts: streams with their components and upgrade gate,
 * and e2e gates) at the edges of their formats (src/config/formats.ts), with their documented defaults. A refusal is
 * read through loadConfig, as `pulumi up` reports it (key path, value, what is allowed); an acceptance is read from
 * the field's own schema where the loader would also want what the rest of a real site needs (gate credentials).
 */
import * as assert from "node:assert/strict";

import type * as z from "zod";

import { ConfigError, loadConfig } from "../../src/config/load";
import { gateSchema, streamFields, upgradeGateSchema } from "../../src/config/schema";
import { componentSchema } from "../../src/config/model-schema";
import { mapSource } from "../helpers";

const local = { platform: "local" };
const stream = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
};
const component = { name: "installer", repository: "openshift/installer", dockerfile: "images/installer/Dockerfile" };
const gate = { baseDomain: "ci.okd.example.org", region: "us-east-2" };
const digest = "a".repeat(64);

/** The problem lines loadConfig throws for a local site with these keys. */
function lines(values: Record<string, unknown>): string[] {
    try {
        loadConfig(mapSource({ ...local, ...values }), "dev");
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems.map((p) => `${p.key} = ${p.value}: ${p.message}`);
    }
    assert.fail(`expected ${JSON.stringify(values)} to be rejected`);
}

/** A value as a problem line shows it: JSON, cut at 120 characters. */
function shown(v: unknown): string {
    const text = JSON.stringify(v);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** `good` values parse to themselves with `schema`; `bad` ones are refused at `key` with exactly `message`. */
function edges(
    schema: z.ZodType,
    good: unknown[],
    bad: unknown[],
    refuse: (v: unknown) => { config: Record<string, unknown>; key: string },
    message: string,
) {
    for (const v of good) {
        const r = schema.safeParse(v);
        assert.ok(r.success, `${JSON.stringify(v)} refused: ${r.error?.message}`);
        assert.deepEqual(r.data, v);
    }
    for (const v of bad) {
        const { config, key } = refuse(v);
        assert.deepEqual(lines(config), [`okd-ci:${key} = ${shown(v)}: ${message}`], JSON.stringify(v));
    }
}

const inComponent = (field: string) => (v: unknown) => ({
    config: { streams: [{ ...stream, components: [{ ...component, [field]: v }] }] },
    key: `streams[0].components[0].${field}`,
});
const inStream = (field: string) => (v: unknown) => ({
    config: { streams: [{ ...stream, [field]: v }] },
    key: `streams[0].${field}`,
});
const inGate = (field: string) => (v: unknown) => ({
    config: { gates: { aws: { ...gate, [field]: v } } },
    key: `gates.aws.${field}`,
});

describe("config: a stream's components", () => {
    it("fills context . and no build args, and takes a component as given", () => {
        const [s] = loadConfig(mapSource({ ...local, streams: [{ ...stream, components: [component] }] })).streams;
        assert.deepEqual(s.components, [{ ...component, context: ".", buildArgs: {} }]);
    });

    it("name and from: a payload tag (a DNS label of 1-63)", () => {
        const label = ["a", "a1", "a-b", `a${"b".repeat(61)}c`];
        const notLabel = ["1a", "-a", "a-", "A", "a_b", `a${"b".repeat(62)}c`, "a\n"];
        edges(
            componentSchema.shape.name,
            label,
            notLabel,
            inComponent("name"),
            "expected a payload tag name (lower-case letters, digits and dashes)",
        );
        edges(
            componentSchema.shape.from,
            ["base", "machine-os-content"],
            ["Base", "-"],
            inComponent("from"),
            'expected a payload tag or "base"',
        );
    });

    it("repository: a GitHub owner/name", () => {
        edges(
            componentSchema.shape.repository,
            [
                "a/b",
                "open-shift/installer",
                `${"o".repeat(39)}/n`,
                `o/${"n".repeat(100)}`,
                "o/a.b_c-d",
                "o/.github",
                "o/x.gitx",
                "O9/N",
            ],
            [
                "-o/n",
                "o-/n",
                "o--o/n",
                `${"o".repeat(40)}/n`,
                "o/.",
                "o/..",
                "o/x.git",
                `o/${"n".repeat(101)}`,
                "o/n/x",
                "o/",
                "/n",
                "o/n b",
                "o_o/n",
            ],
            inComponent("repository"),
            "expected a GitHub repository as org/name",
        );
    });

    it("dockerfile and context: a relative path inside the repository, one line", () => {
        const good = ["Dockerfile", "a/..b/c", "..a", "a/b..", "a/b/", "p".repeat(1024)];
        const bad = ["/a", "..", "../a", "a/..", "a/../b", "ab/../c", "a\nb", "a\rb", "a\0b", "p".repeat(1025)];
        const message = "expected a relative path inside the repository (no leading /, no .., one line)";
        edges(componentSchema.shape.dockerfile, good, bad, inComponent("dockerfile"), message);
        edges(componentSchema.shape.context, good, bad, inComponent("context"), message);
    });

    it("buildArgs: names a shell variable may have, one-line values", () => {
        const args = { A: "x", _: "", a_1: "with = and spaces" };
        assert.deepEqual(componentSchema.shape.buildArgs.parse(args), args);
        for (const name of ["1A", "A-B", "A B", "A=B"]) {
            assert.deepEqual(
                lines({ streams: [{ ...stream, components: [{ ...component, buildArgs: { [name]: "x" } }] }] }),
                [
                    `okd-ci:streams[0].components[0].buildArgs.${name} = "x": has a name buildah cannot take (build-image.sh splits KEY=VALUE at the first =); expected a letter or _ followed by letters, digits or _`,
                ],
            );
        }
        for (const value of ["a\nb", "a\r", "\n"]) {
            assert.deepEqual(
                lines({ streams: [{ ...stream, components: [{ ...component, buildArgs: { TAGS: value } }] }] }),
                [
                    `okd-ci:streams[0].components[0].buildArgs.TAGS = ${JSON.stringify(value)}: expected one-line build arg values (build-image.sh reads one KEY=VALUE per line)`,
                ],
            );
        }
    });
});

describe("config: a stream's own fields", () => {
    it("minor: 4 or 5, a dot and a number without leading zero", () => {
        edges(
            streamFields.shape.minor,
            ["4.12", "4.99", "5.0", "4.0", "5.1"],
            ["4.01", "4.100", "3.15", "6.1", "4.", "4.1a", " 4.15", "4.15 ", "4,15"],
            inStream("minor"),
            'expected a minor version such as "4.15" (4 or 5, a dot, a number without leading zero)',
        );
    });

    it("branch: a git branch, not empty", () => {
        assert.deepEqual(lines({ streams: [{ ...stream, branch: "" }] }), [
            'okd-ci:streams[0].branch = "": expected a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
        ]);
    });

    it("branch: at the edges of what git check-ref-format --branch accepts", () => {
        // test/config/git.test.ts checks the pattern against the real git; these are the edges of each of its rules.
        edges(
            streamFields.shape.branch,
            ["HEADS", "release-4.15", "a.b/c_d", "x.lockx", "a/b.c"],
            ["ab..c", "ab//c", "abc/", "abc.", "@", "HEAD", "a/.b", "a.lock", "a.lock/b", "-a"],
            inStream("branch"),
            'expected a git branch such as "master" or "release-4.15" (letters, digits, . _ / -, as git check-ref-format --branch accepts)',
        );
    });

    it("basePayload, nodeImage and nodeExtensionsImage: a pull spec with its registry and a tag or digest", () => {
        const good = [
            "quay.io/okd/scos-release:4.16.0-okd-scos.0",
            `quay.io/okd/scos-release@sha256:${digest}`,
            `quay.io/okd/scos-release:4.16@sha256:${digest}`,
            "localhost:5000/okd/release:4.16",
            `quay.io/a/b:_${"t".repeat(127)}`,
        ];
        const bad = [
            "quay.io/okd/scos-release",
            "okd/scos-release:4.16",
            "quay.io/okd/scos-release:-4.16",
            `quay.io/okd/scos-release@sha256:${"a".repeat(63)}`,
            `quay.io/a/b:_${"t".repeat(128)}`,
            "quay.io/okd/scos-release:4.16 ",
        ];
        const scos = { ...stream, minor: "4.16", branch: "release-4.16", basePayload: good[0] };
        edges(
            streamFields.shape.basePayload,
            good,
            bad,
            (v) => ({ config: { streams: [{ ...scos, basePayload: v }] }, key: "streams[0].basePayload" }),
            "expected an image pull spec with a tag or digest, e.g. quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
        );
        for (const field of ["nodeImage", "nodeExtensionsImage"] as const) {
            edges(
                streamFields.shape[field],
                good,
                bad,
                (v) => ({ config: { streams: [{ ...scos, [field]: v }] }, key: `streams[0].${field}` }),
                "expected an image pull spec with a tag or digest",
            );
        }
    });

    it("variant, fcosStream, promote and promotion: their values and defaults", () => {
        assert.deepEqual(lines({ streams: [{ ...stream, variant: "rhcos" }] }), [
            'okd-ci:streams[0].variant = "rhcos": expected one of okd, scos',
        ]);
        assert.deepEqual(lines({ streams: [{ ...stream, fcosStream: "rawhide" }] }), [
            'okd-ci:streams[0].fcosStream = "rawhide": expected one of stable, testing, next, testing-devel, next-devel',
        ]);
        assert.deepEqual(lines({ streams: [{ ...stream, promote: "yes" }] }), [
            'okd-ci:streams[0].promote = "yes": expected true or false',
        ]);
        const [s] = loadConfig(mapSource({ ...local, streams: [stream] })).streams;
        assert.deepEqual([s.promote, s.promotion, s.upgradeGate], [false, "scheduled", undefined]);
        for (const mode of ["scheduled", "manual"]) assert.equal(streamFields.shape.promotion.parse(mode), mode);
    });
});

describe("config: records given something else", () => {
    it("names the record a stream's schedules or a gate must be", () => {
        assert.deepEqual(lines({ gates: "aws" }), [
            'okd-ci:gates = "aws": Invalid input: expected object, received string',
        ]);
        assert.deepEqual(lines({ streams: [{ ...stream, schedules: "0 2 * * *" }] }), [
            'okd-ci:streams[0].schedules = "0 2 * * *": Invalid input: expected object, received string',
        ]);
    });
});

describe("config: a stream's upgrade gate", () => {
    it("defaults to optional, from the newest promoted release, with no options", () => {
        assert.deepEqual(upgradeGateSchema.parse({ gate: "gcp" }), {
            gate: "gcp",
            blocking: false,
            from: "promoted",
            options: "",
        });
    });

    it("refuses an unknown gate, a non-boolean blocking and options openshift-tests would not read", () => {
        const at = (upgradeGate: unknown) => lines({ streams: [{ ...stream, upgradeGate }] });
        assert.deepEqual(at({ gate: "openstack" }), [
            'okd-ci:streams[0].upgradeGate.gate = "openstack": expected one of aws, gcp, azure',
        ]);
        assert.deepEqual(at({ gate: "aws", blocking: "y" }), [
            'okd-ci:streams[0].upgradeGate.blocking = "y": expected true or false',
        ]);
        assert.equal(
            upgradeGateSchema.parse({ gate: "aws", options: "abort-at=random,x_y.Z-1" }).options,
            "abort-at=random,x_y.Z-1",
        );
        for (const options of ["abort-at random", "a;b", "a\nb", "$(x)"]) {
            assert.deepEqual(at({ gate: "aws", options }), [
                `okd-ci:streams[0].upgradeGate.options = ${JSON.stringify(options)}: expected openshift-tests upgrade options such as abort-at=random`,
            ]);
        }
    });
});

describe("config: an e2e gate's fields", () => {
    it("is blocking by default", () => {
        assert.deepEqual(gateSchema.parse(gate), { ...gate, blocking: true });
        assert.deepEqual(lines({ gates: { aws: { ...gate, blocking: "no" } } }), [
            'okd-ci:gates.aws.blocking = "no": expected true or false',
        ]);
        assert.deepEqual(lines({ gates: { aws: { ...gate, sharedWithSite: "yes" } } }), [
            'okd-ci:gates.aws.sharedWithSite = "yes": expected true or false',
        ]);
    });

    it("baseDomain: a lower-case DNS domain of at most 253 characters", () => {
        const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(58)}.io`;
        edges(
            gateSchema.shape.baseDomain,
            ["ci.okd.example.org", "a.io", "x-1.example.org", long],
            [
                "example",
                "ci..example.org",
                "Ci.example.org",
                "ci.example.o",
                "ci.example.org1",
                "-ci.example.org",
                "ci-.example.org",
                `x${long}`,
                `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(59)}.io`,
            ],
            inGate("baseDomain"),
            "expected a DNS domain such as ci.okd.example.org",
        );
    });

    it("account: 12 digits; subscription: a lower-case GUID; project: a GCP project id", () => {
        edges(
            gateSchema.shape.account,
            ["111122223333"],
            ["11112222333", "1111222233334", "11112222333a", " 111122223333"],
            inGate("account"),
            "expected a 12-digit AWS account id",
        );
        const guid = "0123abcd-4567-89ef-0123-456789abcdef";
        edges(
            gateSchema.shape.subscription,
            [guid],
            [guid.toUpperCase(), guid.slice(1), `${guid}0`, guid.replaceAll("-", ""), `{${guid}}`, `x${guid}`],
            inGate("subscription"),
            "expected an Azure subscription id (a lower-case GUID)",
        );
        edges(
            gateSchema.shape.project,
            ["okd-e2e"],
            ["okd", "OKD-e2e"],
            inGate("project"),
            "expected a GCP project id (6-30 lower-case letters, digits, dashes)",
        );
    });
});
