/**
 * Each key's own rule at its edges, through loadConfig as `pulumi up` runs it: the bounds of every whole-number key
 * (the bound itself accepted, one past it refused with the key, the value and the range), the documented default of
 * every key that has one, and the formats of the string keys at the edges of their patterns. These rules are built
 * when src/config loads (zod schemas), so a change to any of them changes what a stack may set.
 */
import * as assert from "node:assert/strict";

import { ConfigError, loadConfig } from "../../src/config/load";
import type * as z from "zod";

import { keys } from "../../src/config/schema";
import { mapSource } from "../helpers";

const local = { platform: "local" };
const aws = {
    platform: "aws",
    region: "us-east-1",
    adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"],
};
const stream = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
};

/** The problem lines (`<key> = <value>: <message>`) loadConfig throws; fails when it accepts the configuration. */
function lines(values: Record<string, unknown>): string[] {
    try {
        loadConfig(mapSource(values), "dev");
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems.map((p) => `${p.key} = ${p.value}: ${p.message}`);
    }
    assert.fail(`expected ${JSON.stringify(values)} to be rejected`);
}

/** Loads a configuration that must be accepted, with the problems in the failure message when it is not. */
function load(values: Record<string, unknown>) {
    try {
        return loadConfig(mapSource(values), "dev");
    } catch (err) {
        assert.fail(`expected ${JSON.stringify(values)} to be accepted, got ${String(err)}`);
    }
}

/** A value as a problem line shows it: JSON, cut at 120 characters. */
function shown(v: unknown): string {
    const text = JSON.stringify(v);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

interface CountKey {
    key: string;
    min: number;
    max: number;
    /** The default when the stack does not set the key (Pulumi.yaml and the README say the same). */
    def: number;
    /** The rest of a configuration in which both bounds are otherwise valid. */
    base: Record<string, unknown>;
}

const countKeys: CountKey[] = [
    // systemNodes has no schema default: the loader fills 2 (1 with profile small).
    { key: "systemNodes", min: 1, max: 10, def: 2, base: aws },
    { key: "buildMinNodes", min: 0, max: 100, def: 0, base: { ...aws, buildMaxNodes: 200 } },
    { key: "buildMaxNodes", min: 1, max: 200, def: 10, base: aws },
    { key: "buildDiskGb", min: 50, max: 2000, def: 200, base: aws },
    { key: "nightlyRetentionDays", min: 1, max: 365, def: 14, base: aws },
    { key: "untaggedRetentionDays", min: 1, max: 90, def: 1, base: aws },
    { key: "logRetentionDays", min: 1, max: 3650, def: 90, base: aws },
    { key: "tektonPruneKeep", min: 1, max: 1000, def: 50, base: local },
    { key: "reaperTtlHours", min: 19, max: 720, def: 24, base: local },
];

describe("config: each key's rule at its edges", () => {
    describe("whole-number keys", () => {
        for (const { key, min, max, def, base } of countKeys) {
            const range = `expected a whole number from ${min} to ${max}`;

            it(`${key} defaults to ${def}`, () => {
                assert.equal((load(base) as unknown as Record<string, unknown>)[key], def);
            });

            it(`${key} accepts ${min} and ${max}`, () => {
                for (const v of [min, max]) {
                    assert.equal((load({ ...base, [key]: v }) as unknown as Record<string, unknown>)[key], v);
                }
            });

            it(`${key} refuses ${min - 1}, ${max + 1} and ${min + 0.5}, naming the key, the value and ${min}-${max}`, () => {
                for (const v of [min - 1, max + 1, min + 0.5]) {
                    assert.deepEqual(lines({ ...base, [key]: v }), [`okd-ci:${key} = ${v}: ${range}`]);
                }
            });
        }

        it("maxParallelBuilds is unset by default and takes 1 to 256, Tekton's matrix limit", () => {
            assert.equal(load(aws).maxParallelBuilds, undefined);
            for (const v of [1, 256]) assert.equal(load({ ...aws, maxParallelBuilds: v }).maxParallelBuilds, v);
            for (const v of [0, 257]) {
                assert.deepEqual(lines({ ...aws, maxParallelBuilds: v }), [
                    `okd-ci:maxParallelBuilds = ${v}: expected a whole number from 1 to 256`,
                ]);
            }
        });

        it("buildMaxNodes may equal buildMinNodes (a fixed-size pool)", () => {
            const c = load({ ...aws, buildMinNodes: 3, buildMaxNodes: 3 });
            assert.deepEqual([c.buildMinNodes, c.buildMaxNodes], [3, 3]);
        });
    });

    describe("a stream's whole-number fields", () => {
        const cases: { field: string; path: string[]; min: number; max: number; def: number }[] = [
            { field: "schedules.releaseEveryWeeks", path: ["schedules", "releaseEveryWeeks"], min: 1, max: 8, def: 2 },
            {
                field: "throttle.minIntervalMinutes",
                path: ["throttle", "minIntervalMinutes"],
                min: 0,
                max: 10080,
                def: 240,
            },
            { field: "throttle.maxUnfinished", path: ["throttle", "maxUnfinished"], min: 1, max: 10, def: 1 },
        ];
        const withField = (path: string[], v: number) => ({
            ...local,
            streams: [{ ...stream, [path[0]]: { [path[1]]: v } }],
        });
        const fieldOf = (c: ReturnType<typeof load>, path: string[]) =>
            (c.streams[0] as unknown as Record<string, Record<string, unknown>>)[path[0]][path[1]];

        for (const { field, path, min, max, def } of cases) {
            it(`streams[].${field} defaults to ${def}, accepts ${min} and ${max}, refuses one past each`, () => {
                assert.equal(fieldOf(load({ ...local, streams: [stream] }), path), def);
                for (const v of [min, max]) assert.equal(fieldOf(load(withField(path, v)), path), v);
                for (const v of [min - 1, max + 1]) {
                    assert.deepEqual(lines(withField(path, v)), [
                        `okd-ci:streams[0].${field} = ${v}: expected a whole number from ${min} to ${max}`,
                    ]);
                }
            });
        }
    });
});

describe("config: string keys at the edges of their formats", () => {
    /**
     * Each `good` value accepted as it is given (or as `expect` says), each `bad` one refused with exactly `message`.
     * `accept: "schema"` checks the good values against the key's own schema, for keys the loader also refuses on
     * their own in this configuration (a mirror repository without a promoting stream).
     */
    function edges(
        key: string,
        base: Record<string, unknown>,
        good: unknown[],
        bad: unknown[],
        message: string,
        options: { expect?: (v: unknown) => unknown; accept?: "load" | "schema" } = {},
    ) {
        const expect = options.expect ?? ((v: unknown) => v);
        for (const v of good) {
            const got =
                options.accept === "schema"
                    ? (keys[key as keyof typeof keys].schema as z.ZodType).parse(v)
                    : (load({ ...base, [key]: v }) as unknown as Record<string, unknown>)[key];
            assert.deepEqual(got, expect(v), `${key} = ${JSON.stringify(v)}`);
        }
        for (const v of bad) {
            assert.deepEqual(lines({ ...base, [key]: v }), [`okd-ci:${key} = ${shown(v)}: ${message}`]);
        }
    }

    it('namePrefix: "okd" by default; 3-16 lower-case letters, digits and dashes, from a letter, not ending in a dash', () => {
        assert.equal(load(local).namePrefix, "okd");
        edges(
            "namePrefix",
            local,
            ["abc", "a-9", "z1234567890abcde", "okd-ci"],
            ["ab", "z1234567890abcdef", "1ab", "-ab", "ab-", "aBc", "a_c", "a.c", "x\nabc", "abc\n"],
            "expected 3-16 lower-case letters, digits and dashes, starting with a letter",
        );
    });

    it("gcpProject: 6-30 lower-case letters, digits and dashes, from a letter, not ending in a dash", () => {
        const gcp = { platform: "gcp", region: "europe-west4" };
        for (const v of ["abcdef", "okd-ci-0", `a${"b".repeat(28)}9`]) {
            assert.equal(load({ ...gcp, gcpProject: v }).gcpProject, v);
        }
        for (const v of ["abcde", `a${"b".repeat(29)}9`, "1abcdef", "abcdef-", "Abcdef", "abc_def"]) {
            assert.ok(
                lines({ ...gcp, gcpProject: v }).includes(
                    `okd-ci:gcpProject = ${JSON.stringify(v)}: expected a GCP project id (6-30 lower-case letters, digits, dashes)`,
                ),
                v,
            );
        }
    });

    it('kubernetesVersion: a minor written "1.<one or two digits>"', () => {
        // The format only; which minors a platform supports is the cross-key rule (platform-keys.test.ts).
        edges(
            "kubernetesVersion",
            aws,
            ["1.35", "1.34"],
            ["1.350", "v1.35", "1.35.0", "1.", "2.35", "2.5", "1x35", "1.3a"],
            'expected a Kubernetes minor such as "1.35"',
        );
    });

    it('profile: "standard" by default, or small', () => {
        assert.equal(load(local).profile, "standard");
        edges("profile", aws, ["small", "standard"], ["medium", "Small"], "expected one of standard, small");
    });

    it("tags: none by default; keys of 1-128 characters and string values of at most 256, each refusal naming the tag", () => {
        assert.deepEqual(load(aws).tags, {});
        const longest = { ["k".repeat(128)]: "v".repeat(256) };
        assert.deepEqual(load({ ...aws, tags: longest }).tags, longest);
        // A key the schema refuses used to be reported as zod's "Invalid key in record", without what is allowed.
        assert.deepEqual(lines({ ...aws, tags: { ["k".repeat(129)]: "v" } }), [
            `okd-ci:tags.${"k".repeat(129)} = "v": expected tag keys of 1-128 characters`,
        ]);
        assert.deepEqual(lines({ ...aws, tags: { "": "v" } }), [
            'okd-ci:tags. = "v": expected tag keys of 1-128 characters',
        ]);
        assert.deepEqual(lines({ ...aws, tags: { team: "v".repeat(257) } }), [
            `okd-ci:tags.team = ${shown("v".repeat(257))}: expected tag values of at most 256 characters`,
        ]);
        assert.deepEqual(lines({ ...aws, tags: { team: 5 } }), ["okd-ci:tags.team = 5: expected string tag values"]);
        for (const v of ["team=okd", ["team"]]) {
            assert.deepEqual(lines({ ...aws, tags: v }), [
                `okd-ci:tags = ${shown(v)}: expected a map of tag keys to string values`,
            ]);
        }
    });

    it("protect, buildSpot and reaperDryRun: documented defaults, true or false only", () => {
        const c = load(local);
        assert.deepEqual([c.protect, c.buildSpot, c.reaperDryRun], [true, true, false]);
        for (const key of ["protect", "buildSpot", "reaperDryRun"]) {
            edges(key, aws, [true, false], ["yes", "1"], "expected true or false");
        }
    });

    it("the schedules' documented defaults (UTC cron)", () => {
        const c = load(local);
        assert.deepEqual(
            [c.tektonPruneSchedule, c.nightlyDispatchSchedule, c.reaperSchedule, c.statusSchedule],
            ["0 4 * * *", "*/10 * * * *", "15 */6 * * *", "20 * * * *"],
        );
        const [s] = load({ ...local, streams: [stream] }).streams;
        assert.deepEqual(s.schedules, { nightly: "0 2 * * *", release: "0 5 * * 1", releaseEveryWeeks: 2 });
        assert.deepEqual(s.throttle, { minIntervalMinutes: 240, maxUnfinished: 1 });
    });

    it("a stream's schedules and throttle fill the fields left out when one is set", () => {
        const [s] = load({
            ...local,
            streams: [{ ...stream, schedules: { releaseEveryWeeks: 1 }, throttle: { maxUnfinished: 3 } }],
        }).streams;
        assert.deepEqual(s.schedules, { nightly: "0 2 * * *", release: "0 5 * * 1", releaseEveryWeeks: 1 });
        assert.deepEqual(s.throttle, { minIntervalMinutes: 240, maxUnfinished: 3 });
        const [t] = load({
            ...local,
            streams: [{ ...stream, schedules: { nightly: "0 3 * * *" }, throttle: { minIntervalMinutes: 0 } }],
        }).streams;
        assert.deepEqual(t.schedules, { nightly: "0 3 * * *", release: "0 5 * * 1", releaseEveryWeeks: 2 });
        assert.deepEqual(t.throttle, { minIntervalMinutes: 0, maxUnfinished: 1 });
    });

    it("mirror repositories: a registry repository with its registry host and no tag", () => {
        for (const key of ["mirrorReleaseRepository", "mirrorContentRepository"]) {
            const example =
                key === "mirrorReleaseRepository" ? "quay.io/openshift/okd" : "quay.io/openshift/okd-content";
            edges(
                key,
                local,
                ["quay.io/openshift/okd", "localhost:5000/okd", "registry.example.org:8443/a/b-c"],
                ["openshift/okd", "quay.io/openshift/okd:4.15", "quay.io/OpenShift/okd", "quay.io/openshift/okd/"],
                `expected a registry repository without tag, e.g. ${example}`,
                { accept: "schema" },
            );
        }
    });

    it("webhookHostname: a lower-case DNS name", () => {
        edges(
            "webhookHostname",
            aws,
            ["hooks.okd.example.org"],
            ["Hooks.example.org", "hooks", "hooks..example.org", "-hooks.example.org"],
            "expected a DNS name such as hooks.okd.example.org",
            { accept: "schema" },
        );
    });

    it("CIDR lists: at most 100 blocks, and a list, each naming what the key is for", () => {
        const blocks = (n: number) => Array.from({ length: n }, (_, i) => `10.0.${i}.0/24`);
        // The schema's bound; on aws the webhook's security group holds 60 (a consumer rule, consumer-checks.test.ts).
        assert.deepEqual(keys.webhookSourceRanges.schema.parse(blocks(100)), blocks(100));
        assert.equal(load({ ...aws, controlPlaneCidrs: blocks(100) }).controlPlaneCidrs?.length, 100);
        for (const key of ["webhookSourceRanges", "controlPlaneCidrs"]) {
            const [line] = lines({ ...aws, [key]: blocks(101) });
            assert.match(
                line,
                new RegExp(`^okd-ci:${key} = \\["10\\.0\\.0\\.0/24".*: expected at most 100 CIDR blocks$`),
            );
        }
        assert.deepEqual(lines({ ...aws, webhookSourceRanges: "10.0.0.0/8" }), [
            'okd-ci:webhookSourceRanges = "10.0.0.0/8": expected a list of CIDR blocks (the addresses GitHub delivers from, e.g. the hooks list of https://api.github.com/meta)',
        ]);
        assert.deepEqual(lines({ ...aws, controlPlaneCidrs: "10.0.0.0/8" }), [
            'okd-ci:controlPlaneCidrs = "10.0.0.0/8": expected a list of CIDR blocks (the addresses that run pulumi and kubectl)',
        ]);
    });

    it("CIDR list entries: text, and a block", () => {
        assert.deepEqual(lines({ ...aws, webhookSourceRanges: [5] }), [
            "okd-ci:webhookSourceRanges[0] = 5: expected a CIDR block such as 203.0.113.0/24",
        ]);
        assert.deepEqual(lines({ ...aws, controlPlaneCidrs: ["203.0.113.0"] }), [
            'okd-ci:controlPlaneCidrs[0] = "203.0.113.0": expected a CIDR block such as 203.0.113.0/24 or 2001:db8::/32',
        ]);
    });

    it("lists of names: a list, without empty names", () => {
        assert.deepEqual(lines({ ...aws, buildInstanceTypes: "m6i.2xlarge" }), [
            'okd-ci:buildInstanceTypes = "m6i.2xlarge": expected a list of machine types',
        ]);
        assert.deepEqual(lines({ ...local, adminPrincipals: "user:abc" }), [
            'okd-ci:adminPrincipals = "user:abc": expected a list of principals',
        ]);
        assert.deepEqual(lines({ ...local, streams: "stable" }), [
            'okd-ci:streams = "stable": expected a list of release streams',
        ]);
    });

    it("chainsPublicKey: a PEM public key", () => {
        const pem = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";
        assert.equal(load({ ...local, chainsPublicKey: pem }).chainsPublicKey, pem);
        assert.deepEqual(lines({ ...local, chainsPublicKey: "ssh-ed25519 AAAA" }), [
            'okd-ci:chainsPublicKey = "ssh-ed25519 AAAA": a PEM public key (-----BEGIN PUBLIC KEY-----), e.g. cosign.pub',
        ]);
    });

    it("tektonManifestSource: an https URL or an absolute path, trailing slashes dropped but a lone /", () => {
        edges(
            "tektonManifestSource",
            local,
            [
                "https://mirror.example.org",
                "https://mirror.example.org/a/b",
                "/srv/tekton",
                "/",
                "https://m.example.org///",
            ],
            [
                "https://",
                "https:///x",
                "https://m.example.org/a b",
                "/srv/a b",
                "srv/tekton",
                "http://m.example.org",
                " /srv",
            ],
            "expected an https:// URL or an absolute directory path, e.g. https://mirror.example.org/tekton-releases or /srv/tekton-releases",
            { expect: (v) => (v === "https://m.example.org///" ? "https://m.example.org" : v) },
        );
    });

    it("kubeContext: 1-253 of letters, digits and @ . _ : / -", () => {
        edges(
            "kubeContext",
            local,
            ["kind-okd-ci", "arn:aws:eks:us-east-1:111122223333:cluster/okd", "admin@okd_ci.local", "k".repeat(253)],
            ["a b", "k".repeat(254), "ctx!", "ctx\n"],
            "expected a kubeconfig context name",
        );
    });

    it("storageClass: a DNS-1123 subdomain of at most 253 characters", () => {
        edges(
            "storageClass",
            local,
            [
                "standard",
                "fast.ssd-1",
                "fast.b",
                "a",
                `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`,
            ],
            [
                "Standard",
                "-a",
                "a-",
                "a..b",
                "a_b",
                `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`,
            ],
            "expected a StorageClass name (a DNS-1123 subdomain: lower-case letters, digits, - and .)",
        );
    });
});

/**
 * The key table is the model gen:config and the loader read. The loader hands a string key its stack text, always a
 * string (Pulumi config values are text); these are the messages the schemas give a value parsed from YAML as
 * something else, which anything reading the table with typed values (a YAML document) gets.
 */
describe("config: the key schemas given a typed value", () => {
    const messages = (key: keyof typeof keys, v: unknown) =>
        (keys[key].schema as z.ZodType).safeParse(v).error?.issues.map((i) => i.message);

    it("kubernetesVersion read as a number: the hint to quote it", () => {
        assert.deepEqual(messages("kubernetesVersion", 1.3), [
            'expected a Kubernetes minor such as "1.35"; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "1.30" (or okd-ci:kubernetesVersion: "1.3" if you meant 1.3)',
        ]);
        assert.deepEqual(messages("kubernetesVersion", 1.35), [
            'expected a Kubernetes minor such as "1.35"; YAML reads an unquoted version as a number, so quote it: okd-ci:kubernetesVersion: "1.35"',
        ]);
        assert.deepEqual(messages("kubernetesVersion", true), ['expected a Kubernetes minor such as "1.35"']);
        // Only a number that reads as a version gets the hint.
        for (const v of [-1.3, 1.5e-7]) {
            assert.deepEqual(messages("kubernetesVersion", v), ['expected a Kubernetes minor such as "1.35"']);
        }
    });

    it("tektonManifestSource read as something other than text", () => {
        assert.deepEqual(messages("tektonManifestSource", 5), [
            "expected an https:// URL or an absolute directory path",
        ]);
    });
});
