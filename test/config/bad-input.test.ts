/**
 * Broken stack configurations through the real program, as `pulumi preview` would run it: each row sets the config
 * with `pulumi.runtime.setAllConfig`, runs `run()` from src/program.ts, and expects exactly the lines the user
 * reads (`okd-ci:<key> = <value>: <message>`) and no registered resource.
 */
import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { awsRegions, azureLocations as azureRegions } from "../../src/config/regions";
import { recorder, settled } from "../helpers";

const stream = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
};
const local = { platform: "local" };
const aws = { platform: "aws", region: "us-east-1" };

interface Row {
    what: string;
    config: Record<string, unknown>;
    /** Keys set with `--secret`. */
    secret?: string[];
    /** Every problem line, without the leading "  - ". */
    lines: string[];
}

const rows: Row[] = [
    {
        what: "a word where a count belongs",
        config: { ...local, buildMaxNodes: "ten" },
        lines: ['okd-ci:buildMaxNodes = "ten": expected a whole number from 1 to 200'],
    },
    {
        what: "a fractional node count",
        config: { ...local, buildMinNodes: 1.5 },
        lines: ["okd-ci:buildMinNodes = 1.5: expected a whole number from 0 to 100"],
    },
    {
        what: "a build disk below the minimum size",
        config: { ...local, buildDiskGb: 10 },
        lines: ["okd-ci:buildDiskGb = 10: expected a whole number from 50 to 2000"],
    },
    {
        what: "an empty system pool",
        config: { ...local, systemNodes: 0 },
        lines: ["okd-ci:systemNodes = 0: expected a whole number from 1 to 10"],
    },
    {
        what: "a build pool whose maximum is below its minimum",
        config: { ...local, buildMinNodes: 5, buildMaxNodes: 2 },
        lines: ["okd-ci:buildMaxNodes = 2: is below buildMinNodes (5); expected at least 5"],
    },
    {
        what: "a yes where a boolean belongs",
        config: { ...local, buildSpot: "yes" },
        lines: ['okd-ci:buildSpot = "yes": expected true or false'],
    },
    {
        what: "an unknown platform",
        config: { platform: "openstack" },
        lines: ['okd-ci:platform = "openstack": expected one of aws, gcp, azure, local'],
    },
    {
        what: "no platform at all",
        config: { region: "us-east-1" },
        lines: ["okd-ci:platform = (not set): expected one of aws, gcp, azure, local"],
    },
    {
        what: "a GCP-style region on AWS",
        config: { platform: "aws", region: "us-east1" },
        lines: [`okd-ci:region = "us-east1": is not a region of aws; expected one of ${awsRegions.join(", ")}`],
    },
    {
        what: "a misspelt Azure location",
        config: { platform: "azure", region: "eastus-2" },
        lines: [`okd-ci:region = "eastus-2": is not a region of azure; expected one of ${azureRegions.join(", ")}`],
    },
    {
        what: "gcp without a project",
        config: { platform: "gcp", region: "us-central1" },
        lines: [
            "okd-ci:gcpProject = (not set): is required on gcp; expected the id of the project the site is created in",
        ],
    },
    {
        what: "an unsupported Kubernetes version",
        config: { ...local, kubernetesVersion: "1.29" },
        lines: ['okd-ci:kubernetesVersion = "1.29": expected one of 1.32, 1.33, 1.34, 1.35'],
    },
    {
        what: "an upper-case name prefix",
        config: { ...local, namePrefix: "OKD" },
        lines: [
            'okd-ci:namePrefix = "OKD": expected 3-16 lower-case letters, digits and dashes, starting with a letter',
        ],
    },
    {
        what: "a tag value longer than clouds allow",
        config: { ...local, tags: { team: "x".repeat(64) } },
        lines: [`okd-ci:tags.team = "${"x".repeat(64)}": expected tag values of at most 63 characters`],
    },
    {
        what: "streams given as a map instead of a list",
        config: { ...local, streams: { minor: "4.15" } },
        lines: ['okd-ci:streams = {"minor":"4.15"}: expected a list of release streams'],
    },
    {
        what: "a stream without a branch",
        config: { ...local, streams: [{ minor: "4.15", basePayload: stream.basePayload }] },
        lines: ['okd-ci:streams[0].branch = (not set): expected a git branch such as "master" or "release-4.15"'],
    },
    {
        what: "two streams for the same minor",
        config: { ...local, streams: [stream, stream] },
        lines: [
            'okd-ci:streams[1].minor = "4.15": duplicates streams[0].minor; each minor version may have one stream',
        ],
    },
    {
        what: "a base payload without a tag",
        config: { ...local, streams: [{ ...stream, basePayload: "quay.io/openshift/okd" }] },
        lines: [
            'okd-ci:streams[0].basePayload = "quay.io/openshift/okd": expected an image pull spec with a tag or digest, e.g. quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116',
        ],
    },
    {
        what: "an unknown Fedora CoreOS stream",
        config: { ...local, streams: [{ ...stream, fcosStream: "rawhide" }] },
        lines: [
            'okd-ci:streams[0].fcosStream = "rawhide": expected one of stable, testing, next, testing-devel, next-devel',
        ],
    },
    {
        what: "a six-field nightly schedule",
        config: { ...local, streams: [{ ...stream, schedules: { nightly: "0 2 * * * *" } }] },
        lines: [
            'okd-ci:streams[0].schedules.nightly = "0 2 * * * *": has 6 fields; expected a five-field cron schedule in UTC such as "0 5 * * 1"',
        ],
    },
    {
        what: "a component repository without its organisation",
        config: {
            ...local,
            streams: [
                { ...stream, components: [{ name: "installer", repository: "installer", dockerfile: "Dockerfile" }] },
            ],
        },
        lines: ['okd-ci:streams[0].components[0].repository = "installer": expected a GitHub repository as org/name'],
    },
    {
        what: "a promoting stream without mirror credentials",
        config: {
            ...local,
            streams: [{ ...stream, promote: true }],
            mirrorReleaseRepository: "quay.io/okd/okd",
            mirrorContentRepository: "quay.io/okd/okd-content",
        },
        lines: [
            "okd-ci:mirrorCredentials = (not set): is required because streams[0] promotes; set a .dockerconfigjson with `pulumi config set --secret mirrorCredentials < auth.json`",
        ],
    },
    {
        what: "a mirror repository with a tag",
        config: { ...local, mirrorReleaseRepository: "quay.io/okd/okd:latest" },
        lines: [
            'okd-ci:mirrorReleaseRepository = "quay.io/okd/okd:latest": expected a registry repository without tag, e.g. quay.io/openshift/okd',
        ],
    },
    {
        what: "a gate on another cloud without credentials or an existing zone",
        config: {
            ...aws,
            gates: { gcp: { baseDomain: "ci.okd.example.org", region: "us-central1", project: "okd-ci-e2e" } },
        },
        lines: [
            "okd-ci:gateCredentialsGcp = (not set): is required because gates.gcp runs on another cloud than the site (aws); set it with `pulumi config set --secret gateCredentialsGcp < credentials`",
            "okd-ci:gates.gcp.existingZone = (not set): is required because the site is on aws: a gcp gate's DNS zone must already exist; expected its Cloud DNS managed zone name",
        ],
    },
    {
        what: "a gate region of another cloud",
        config: { ...aws, gates: { aws: { baseDomain: "ci.okd.example.org", region: "westeurope" } } },
        lines: [
            `okd-ci:gates.aws.region = "westeurope": is not a region of aws; expected one of ${awsRegions.join(", ")}`,
        ],
    },
    {
        what: "a gate on a cloud okd-ci does not know",
        config: { ...aws, gates: { openstack: { baseDomain: "ci.okd.example.org", region: "x" } } },
        lines: [
            'okd-ci:gates = {"openstack":{"baseDomain":"ci.okd.example.org","region":"x"}}: has unknown field openstack; expected only aws, gcp, azure',
        ],
    },
    {
        what: "a misspelt key",
        config: { ...local, buildMaxNode: 3 },
        lines: [
            'okd-ci:buildMaxNode = "3": is not a known key; expected one of platform, region, gcpProject, kubernetesVersion, namePrefix, tags, protect, systemInstanceType, systemNodes, buildInstanceTypes, buildSpot, buildMinNodes, buildMaxNodes, buildDiskGb, nightlyRetentionDays, untaggedRetentionDays, logRetentionDays, streams, mirrorReleaseRepository, mirrorContentRepository, mirrorCredentials, gates, gateCredentialsAws, gateCredentialsGcp, gateCredentialsAzure, githubWebhookSecret, webhookHostname, chainsSigningKey, chainsSigningKeyPassword, tektonPruneKeep, tektonPruneSchedule, tektonManifestSource, kubeconfig, kubeContext, objectStoreAccessKey, objectStoreSecretKey, storageClass',
        ],
    },
    {
        what: "a secret stored in plain text, without echoing it",
        config: { ...local, githubWebhookSecret: "hunter2-webhook" },
        lines: [
            "okd-ci:githubWebhookSecret = [hidden]: holds a secret but is stored in plain text; set it with `pulumi config set --secret githubWebhookSecret`",
        ],
    },
    {
        what: "a prune schedule in words",
        config: { ...local, tektonPruneSchedule: "every night" },
        lines: [
            'okd-ci:tektonPruneSchedule = "every night": has 2 fields; expected a five-field cron schedule in UTC such as "0 5 * * 1"',
        ],
    },
    {
        what: "several problems at once, sorted by key",
        config: { platform: "aws", region: "us-east1", buildDiskGb: 10, streams: [{ ...stream, branch: "" }] },
        lines: [
            "okd-ci:buildDiskGb = 10: expected a whole number from 50 to 2000",
            `okd-ci:region = "us-east1": is not a region of aws; expected one of ${awsRegions.join(", ")}`,
            'okd-ci:streams[0].branch = "": expected a git branch such as "master" or "release-4.15"',
        ],
    },
];

/** The problem lines of a ConfigError message, without the "  - " bullets. */
function problemLines(message: string): string[] {
    return message
        .split("\n")
        .filter((l) => l.startsWith("  - "))
        .map((l) => l.slice(4));
}

describe("bad stack configuration through the program", () => {
    afterEach(() => pulumi.runtime.setAllConfig({}, []));

    for (const row of rows) {
        it(`rejects ${row.what} with the exact message and registers nothing`, async () => {
            await settled();
            const before = recorder.resources.length;
            const config = Object.fromEntries(
                Object.entries(row.config).map(([k, v]) => [
                    `okd-ci:${k}`,
                    typeof v === "string" ? v : JSON.stringify(v),
                ]),
            );
            pulumi.runtime.setAllConfig(
                config,
                (row.secret ?? []).map((k) => `okd-ci:${k}`),
            );
            const { run } = await import("../../src/program");
            let message = "";
            await assert.rejects(run(), (err: Error) => {
                message = err.message;
                return err.name === "ConfigError";
            });
            const n = row.lines.length;
            assert.ok(
                message.startsWith(`Invalid stack configuration (${n} problem${n === 1 ? "" : "s"}):\n`),
                message,
            );
            assert.deepEqual(problemLines(message), row.lines);
            assert.ok(!message.includes("hunter2"), "a secret value leaked into the message");
            await settled();
            assert.equal(recorder.resources.length, before, "no resource may be registered");
        });
    }
});
