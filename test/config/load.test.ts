import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import { ConfigError, type ConfigProblem, loadConfig } from "../../src/config/load";
import { mapSource, secretValue, valueOf } from "../helpers";

const stream = {
    minor: "4.15",
    branch: "release-4.15",
    basePayload: "quay.io/openshift/okd:4.15.0-0.okd-2024-03-10-010116",
};
const aws = {
    platform: "aws",
    region: "us-east-1",
    adminPrincipals: ["arn:aws:iam::111122223333:role/okd-ci-deployer"],
};

function problems(values: Record<string, unknown>, secret: string[] = []): ConfigProblem[] {
    try {
        loadConfig(mapSource(values, secret));
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
    assert.fail("expected the configuration to be rejected");
}

function problemFor(values: Record<string, unknown>, key: string, secret: string[] = []): ConfigProblem {
    const found = problems(values, secret).find((p) => p.key === `okd-ci:${key}`);
    assert.ok(found, `expected a problem for okd-ci:${key}`);
    return found;
}

describe("stack configuration", () => {
    describe("defaults", () => {
        it("fills in every default for a minimal aws stack", () => {
            const c = loadConfig(mapSource(aws));
            assert.equal(c.kubernetesVersion, "1.35");
            assert.equal(c.namePrefix, "okd");
            assert.equal(c.protect, true);
            assert.equal(c.buildSpot, true);
            assert.equal(c.buildMinNodes, 0);
            assert.equal(c.buildMaxNodes, 10);
            assert.deepEqual(c.streams, []);
            assert.deepEqual(c.gates, {});
        });

        it("picks the platform's machine types when none are set", () => {
            assert.equal(loadConfig(mapSource(aws)).systemInstanceType, "m6i.large");
            assert.deepEqual(loadConfig(mapSource({ platform: "azure", region: "westeurope" })).buildInstanceTypes, [
                "Standard_D8s_v5",
            ]);
        });

        it("reads the empty defaults Pulumi.yaml declares as unset", () => {
            const c = loadConfig(mapSource({ ...aws, buildInstanceTypes: [], mirrorReleaseRepository: "" }));
            assert.equal(c.buildInstanceTypes[0], "m6i.2xlarge");
            assert.equal(c.mirrorReleaseRepository, undefined);
        });

        it("fills a stream's defaults: okd variant, stable FCOS, the OKD component list, two-weekly promotion", () => {
            const [s] = loadConfig(mapSource({ ...aws, streams: [stream] })).streams;
            assert.equal(s.variant, "okd");
            assert.equal(s.fcosStream, "stable");
            assert.equal(s.promote, false);
            assert.ok(s.components.some((c) => c.name === "installer"));
            assert.deepEqual(s.schedules, { nightly: "0 2 * * *", release: "0 5 * * 1", releaseEveryWeeks: 2 });
        });

        it("needs no region on the local platform", () => {
            assert.equal(loadConfig(mapSource({ platform: "local" })).platform, "local");
        });
    });

    describe("platform and region", () => {
        it("rejects an unknown platform and lists the allowed ones", () => {
            const p = problemFor({ platform: "openstack" }, "platform");
            assert.equal(p.value, '"openstack"');
            assert.match(p.message, /aws, gcp, azure, local/);
        });

        it("requires platform", () => {
            assert.equal(problemFor({}, "platform").value, "(not set)");
        });

        it("rejects a malformed region and lists the platform's regions", () => {
            const p = problemFor({ platform: "aws", region: "us-east1" }, "region");
            assert.equal(p.value, '"us-east1"');
            assert.match(p.message, /not a region of aws; expected one of .*us-east-1/);
        });

        it("rejects a region of another cloud", () => {
            assert.match(problemFor({ platform: "azure", region: "us-east-1" }, "region").message, /westeurope/);
        });

        it("requires a region on a cloud platform", () => {
            assert.match(
                problemFor({ platform: "gcp", gcpProject: "okd-ci-prod" }, "region").message,
                /required on gcp/,
            );
        });

        it("requires gcpProject on gcp", () => {
            assert.match(
                problemFor({ platform: "gcp", region: "us-central1" }, "gcpProject").message,
                /required on gcp/,
            );
        });

        it("accepts each cloud with a valid region", () => {
            for (const v of [
                aws,
                { platform: "gcp", region: "europe-west4", gcpProject: "okd-ci-prod" },
                { platform: "azure", region: "eastus2" },
            ]) {
                assert.equal(loadConfig(mapSource(v)).region, v.region);
            }
        });
    });

    describe("node pools", () => {
        it("rejects a build pool whose max is below its min", () => {
            const p = problemFor({ ...aws, buildMinNodes: 5, buildMaxNodes: 2 }, "buildMaxNodes");
            assert.equal(p.value, "2");
            assert.match(p.message, /below buildMinNodes \(5\)/);
        });

        it("rejects a negative minimum", () => {
            assert.match(
                problemFor({ ...aws, buildMinNodes: -1 }, "buildMinNodes").message,
                /whole number from 0 to 100/,
            );
        });

        it("rejects a non-numeric node count", () => {
            assert.equal(problemFor({ ...aws, systemNodes: "two" }, "systemNodes").value, '"two"');
        });

        it("rejects a fractional node count", () => {
            assert.match(problemFor({ ...aws, buildMaxNodes: 2.5 }, "buildMaxNodes").message, /whole number/);
        });

        it("rejects a non-boolean spot flag", () => {
            assert.match(problemFor({ ...aws, buildSpot: "yes" }, "buildSpot").message, /true or false/);
        });

        it("accepts a build pool whose max equals its min (a fixed size)", () => {
            const c = loadConfig(mapSource({ ...aws, buildMinNodes: 3, buildMaxNodes: 3, buildSpot: false }));
            assert.deepEqual([c.buildMinNodes, c.buildMaxNodes], [3, 3]);
            assert.equal(problemFor({ ...aws, buildMinNodes: 3, buildMaxNodes: 2 }, "buildMaxNodes").value, "2");
        });

        it("takes buildInstanceTypes from the stack, in order", () => {
            const c = loadConfig(mapSource({ ...aws, buildInstanceTypes: ["m7i.4xlarge", "m6a.2xlarge"] }));
            assert.deepEqual(c.buildInstanceTypes, ["m7i.4xlarge", "m6a.2xlarge"]);
        });

        it("accepts a build pool from zero to one", () => {
            const c = loadConfig(mapSource({ ...aws, buildMinNodes: 0, buildMaxNodes: 1 }));
            assert.deepEqual([c.buildMinNodes, c.buildMaxNodes], [0, 1]);
        });
    });

    describe("streams", () => {
        it("rejects a stream without a branch", () => {
            const p = problemFor(
                { ...aws, streams: [{ minor: "4.15", basePayload: stream.basePayload }] },
                "streams[0].branch",
            );
            assert.equal(p.value, "(not set)");
            assert.match(p.message, /git branch/);
        });

        it("rejects a malformed minor version", () => {
            assert.match(
                problemFor({ ...aws, streams: [{ ...stream, minor: "4.x" }] }, "streams[0].minor").message,
                /"4.15"/,
            );
        });

        it("rejects a base payload without tag or digest", () => {
            const p = problemFor(
                { ...aws, streams: [{ ...stream, basePayload: "quay.io/openshift/okd" }] },
                "streams[0].basePayload",
            );
            assert.match(p.message, /pull spec with a tag or digest/);
        });

        it("rejects an unknown FCOS stream", () => {
            assert.match(
                problemFor({ ...aws, streams: [{ ...stream, fcosStream: "rawhide" }] }, "streams[0].fcosStream")
                    .message,
                /stable, testing/,
            );
        });

        it("rejects a six-field cron schedule", () => {
            const p = problemFor(
                { ...aws, streams: [{ ...stream, schedules: { nightly: "0 0 2 * * *" } }] },
                "streams[0].schedules.nightly",
            );
            assert.match(
                p.message,
                /\(expected exactly 5 fields, found 6: \[0 0 2 \* \* \*\]\); expected five cron fields/,
            );
        });

        it("rejects an out-of-range cron field", () => {
            assert.match(
                problemFor(
                    { ...aws, streams: [{ ...stream, schedules: { release: "0 25 * * 1" } }] },
                    "streams[0].schedules.release",
                ).message,
                /end of range \(25\) above maximum \(23\): 25/,
            );
        });

        it("rejects two streams for the same minor", () => {
            assert.match(
                problemFor({ ...aws, streams: [stream, stream] }, "streams[1].minor").message,
                /duplicates streams\[0\]/,
            );
        });

        it("rejects an unknown stream field, catching typos", () => {
            const all = problems({ ...aws, streams: [{ ...stream, brnach: "master" }] });
            assert.ok(
                all.some((p) => p.key === "okd-ci:streams[0]" && /brnach/.test(p.message)),
                JSON.stringify(all),
            );
        });

        it("rejects a component with a malformed repository", () => {
            const components = [{ name: "installer", repository: "installer", dockerfile: "Dockerfile" }];
            assert.match(
                problemFor({ ...aws, streams: [{ ...stream, components }] }, "streams[0].components[0].repository")
                    .message,
                /org\/name/,
            );
        });
    });

    describe("promotion and mirroring", () => {
        const promoting = { ...aws, streams: [{ ...stream, promote: true }] };

        it("requires the mirror repositories and credentials when a stream promotes", () => {
            const keys = problems(promoting).map((p) => p.key);
            assert.deepEqual(keys.sort(), [
                "okd-ci:mirrorContentRepository",
                "okd-ci:mirrorCredentials",
                "okd-ci:mirrorReleaseRepository",
            ]);
        });

        it("accepts a promoting stream with mirror repositories and secret credentials", async () => {
            const c = loadConfig(
                mapSource(
                    {
                        ...promoting,
                        mirrorReleaseRepository: "quay.io/okd/release",
                        mirrorContentRepository: "quay.io/okd/content",
                        mirrorCredentials: '{"auths":{}}',
                    },
                    ["mirrorCredentials"],
                ),
            );
            // The value the stack set, still marked secret (a plain Output would print it in state and previews).
            assert.equal(await valueOf(c.secrets.mirrorCredentials), '{"auths":{}}');
            assert.equal(await pulumi.isSecret(c.secrets.mirrorCredentials as pulumi.Output<string>), true);
            assert.equal(c.secrets.githubWebhookSecret, undefined, "a secret the stack does not set stays unset");
        });

        it("rejects a mirror repository with a tag", () => {
            assert.match(
                problemFor({ ...aws, mirrorReleaseRepository: "quay.io/okd/release:latest" }, "mirrorReleaseRepository")
                    .message,
                /without tag/,
            );
        });

        it("rejects a secret key stored in plain text without showing its value", () => {
            const p = problemFor({ ...aws, mirrorCredentials: "hunter2" }, "mirrorCredentials");
            assert.equal(p.value, "[hidden]");
            assert.match(p.message, /--secret/);
        });
    });

    describe("gates", () => {
        const gate = { baseDomain: "ci.okd.example.org", region: "us-east-2" };

        describe("a system pool that holds the coscheduled e2e pods", () => {
            const shared = { ...gate, sharedWithSite: true };

            it("keeps the 2-vCPU default without gates and grows it to fit a gate and an upgrade gate", () => {
                assert.equal(loadConfig(mapSource(aws)).systemInstanceType, "m6i.large");
                // One chain: 2 + 1 vCPUs; the gate and its upgrade gate: 2 + 2.
                assert.equal(
                    loadConfig(mapSource({ ...aws, gates: { aws: shared } })).systemInstanceType,
                    "m6i.xlarge",
                );
                const upgrade = { ...stream, upgradeGate: { gate: "aws" } };
                const c = loadConfig(mapSource({ ...aws, streams: [upgrade], gates: { aws: shared } }));
                assert.equal(c.systemInstanceType, "m6i.xlarge");
                // The small profile stays burstable: a t3a.xlarge (4 vCPU) in place of the t3.medium, 0.1504/h in
                // us-east-1 against an m6i.xlarge's 0.192/h; 8 vCPUs with three chains.
                const small = loadConfig(mapSource({ ...aws, profile: "small", gates: { aws: shared } }));
                assert.equal(small.systemInstanceType, "t3a.xlarge");
                const three = {
                    aws: shared,
                    gcp: { ...gate, region: "us-central1", project: "okd-e2e-gcp", existingZone: "okd-zone" },
                };
                const smallUpgrade = loadConfig(
                    mapSource(
                        {
                            ...aws,
                            profile: "small",
                            streams: [upgrade],
                            gates: three,
                            gateCredentialsGcp: secretValue("gateCredentialsGcp", "x"),
                        },
                        ["gateCredentialsGcp"],
                    ),
                );
                assert.equal(smallUpgrade.systemInstanceType, "t3a.2xlarge");
            });

            it("refuses a stack's system type too small for its gates, naming the keys and what fits", () => {
                const p = problemFor(
                    { ...aws, systemInstanceType: "t3.medium", gates: { aws: shared } },
                    "systemInstanceType",
                );
                assert.equal(p.value, '"t3.medium"');
                assert.match(
                    p.message,
                    /has 2 vCPUs; with 1 gate\(s\) under okd-ci:gates the system pool needs at least 3/,
                );
                assert.match(p.message, /e\.g\. m6i\.xlarge/);
                // A type whose size the name does not tell is the stack's call.
                assert.equal(
                    loadConfig(mapSource({ ...aws, systemInstanceType: "m6i.metal", gates: { aws: shared } }))
                        .systemInstanceType,
                    "m6i.metal",
                );
            });
        });

        it("accepts a gate that shares the site's account, said explicitly, without credentials yet", () => {
            const c = loadConfig(mapSource({ ...aws, gates: { aws: { ...gate, sharedWithSite: true } } }));
            assert.equal(c.gates.aws?.blocking, true);
        });

        describe("the gate's own account, project or subscription", () => {
            const gcpSite = { platform: "gcp", region: "europe-west4", gcpProject: "okd-site" };
            const gcpGate = { ...gate, region: "europe-west4" };
            const azureSite = {
                platform: "azure",
                region: "westeurope",
                gateCredentialsAzure: secretValue("gateCredentialsAzure", "x"),
            };
            const sub = "0a1b2c3d-0000-4000-8000-000000000e2e";
            const zoneIn = (s: string) =>
                `/subscriptions/${s}/resourceGroups/dns/providers/Microsoft.Network/dnszones/ci.okd.example.org`;

            it("refuses an aws gate in the site's account unless sharedWithSite says so, naming both ways out", () => {
                const p = problemFor({ ...aws, gates: { aws: gate } }, "gates.aws.account");
                assert.equal(p.value, "(not set)");
                assert.match(
                    p.message,
                    /would install in the site's own account: the gate runs the payload's installer and tests with rights to create IAM identities there; expected the 12-digit id of a separate AWS account, or gates\.aws\.sharedWithSite: true/,
                );
            });

            it("accepts an aws gate in a separate account with its zone and its installer's key", () => {
                const c = loadConfig(
                    mapSource(
                        {
                            ...aws,
                            gates: { aws: { ...gate, account: "210987654321", existingZone: "Z0EXAMPLE" } },
                            gateCredentialsAws: secretValue("gateCredentialsAws", "x"),
                        },
                        ["gateCredentialsAws"],
                    ),
                );
                assert.equal(c.gates.aws?.account, "210987654321");
            });

            it("requires the zone and the installer's key of a separate aws account, which the stack cannot create", () => {
                const config = { ...aws, gates: { aws: { ...gate, account: "210987654321" } } };
                assert.match(
                    problemFor(config, "gates.aws.existingZone").message,
                    /creates nothing in the gate's account/,
                );
                assert.match(
                    problemFor(config, "gateCredentialsAws").message,
                    /separate account the stack does not manage/,
                );
            });

            it("rejects an aws account id that is not 12 digits", () => {
                const p = problemFor({ ...aws, gates: { aws: { ...gate, account: "12345" } } }, "gates.aws.account");
                assert.equal(p.value, '"12345"');
                assert.match(p.message, /a 12-digit AWS account id/);
            });

            it("rejects sharedWithSite together with a separate account", () => {
                const config = {
                    ...aws,
                    gates: { aws: { ...gate, account: "210987654321", existingZone: "Z1", sharedWithSite: true } },
                };
                assert.match(problemFor(config, "gates.aws.sharedWithSite").message, /names a separate one/);
            });

            it("refuses a gcp gate in the site's project, by default or named, unless sharedWithSite says so", () => {
                const unset = problemFor({ ...gcpSite, gates: { gcp: gcpGate } }, "gates.gcp.project");
                assert.equal(unset.value, "(not set)");
                assert.match(
                    unset.message,
                    /is not set, so the gate would install in the site's project \(okd-site\).*expected the id of a separate GCP project, or gates\.gcp\.sharedWithSite: true/,
                );
                const named = problemFor(
                    { ...gcpSite, gates: { gcp: { ...gcpGate, project: "okd-site" } } },
                    "gates.gcp.project",
                );
                assert.equal(named.value, '"okd-site"');
                assert.match(named.message, /^is the site's project: .*expected the id of a separate GCP project/);
                const shared = loadConfig(
                    mapSource({ ...gcpSite, gates: { gcp: { ...gcpGate, sharedWithSite: true } } }),
                );
                assert.equal(shared.gates.gcp?.sharedWithSite, true);
                assert.equal(shared.gates.gcp?.project, undefined);
                const c = loadConfig(mapSource({ ...gcpSite, gates: { gcp: { ...gcpGate, project: "okd-e2e" } } }));
                assert.equal(c.gates.gcp?.project, "okd-e2e");
            });

            it("refuses an azure gate in the site's subscription unless sharedWithSite says so", () => {
                const p = problemFor(
                    { ...azureSite, gates: { azure: { ...gate, region: "westeurope" } } },
                    "gates.azure.subscription",
                );
                assert.match(
                    p.message,
                    /expected the id of a separate Azure subscription, or gates\.azure\.sharedWithSite: true/,
                );
            });

            it("wants a separate azure subscription's zone in that subscription", () => {
                const ok = {
                    ...azureSite,
                    gates: { azure: { ...gate, region: "westeurope", subscription: sub, existingZone: zoneIn(sub) } },
                };
                const loaded = loadConfig(mapSource(ok, ["gateCredentialsAzure"]));
                assert.equal(loaded.gates.azure?.subscription, sub);
                assert.equal(loaded.gates.azure?.existingZone, zoneIn(sub));
                const other = "11111111-2222-4333-8444-555555555555";
                const bad = { ...ok, gates: { azure: { ...ok.gates.azure, existingZone: zoneIn(other) } } };
                assert.match(
                    problemFor(bad, "gates.azure.existingZone").message,
                    new RegExp(`is in subscription ${other}, not gates\\.azure\\.subscription \\(${sub}\\)`),
                );
            });

            it("rejects a tenancy key on the wrong cloud's gate and sharedWithSite on a gate of another cloud", () => {
                const config = {
                    ...aws,
                    gates: {
                        gcp: {
                            ...gate,
                            region: "us-east1",
                            project: "okd-ci-e2e",
                            existingZone: "z",
                            account: "210987654321",
                        },
                        azure: { ...gate, region: "eastus", existingZone: zoneIn(sub), sharedWithSite: true },
                    },
                };
                assert.match(problemFor(config, "gates.gcp.account").message, /applies only to the aws gate/);
                assert.match(problemFor(config, "gates.azure.sharedWithSite").message, /the site is on aws/);
            });
        });

        it("requires credentials for a gate on another cloud", () => {
            const p = problemFor({ ...aws, gates: { azure: { ...gate, region: "eastus" } } }, "gateCredentialsAzure");
            assert.match(p.message, /another cloud than the site \(aws\)/);
        });

        it("requires the installer's service principal for an azure gate even on an azure site", () => {
            const p = problemFor(
                { platform: "azure", region: "westeurope", gates: { azure: { ...gate, region: "westeurope" } } },
                "gateCredentialsAzure",
            );
            assert.match(p.message, /cannot authenticate to Azure with workload identity/);
        });

        it("requires an existing DNS zone for a gate on another cloud", () => {
            const p = problemFor(
                { ...aws, gates: { gcp: { ...gate, region: "us-east1", project: "okd-e2e-1" } } },
                "gates.gcp.existingZone",
            );
            assert.match(p.message, /site is on aws.*Cloud DNS managed zone name/);
        });

        it("accepts a gate on another cloud with credentials and an existing zone", async () => {
            const c = loadConfig(
                mapSource(
                    {
                        ...aws,
                        gates: {
                            azure: {
                                ...gate,
                                region: "eastus",
                                existingZone:
                                    "/subscriptions/x/resourceGroups/dns/providers/Microsoft.Network/dnszones/ci.okd.example.org",
                            },
                        },
                        gateCredentialsAzure: JSON.stringify({
                            subscriptionId: "s",
                            clientId: "c",
                            tenantId: "t",
                            clientSecret: "x",
                        }),
                    },
                    ["gateCredentialsAzure"],
                ),
            );
            const value = c.secrets.gateCredentialsAzure as pulumi.Output<string>;
            assert.deepEqual(JSON.parse(await valueOf(value)), {
                subscriptionId: "s",
                clientId: "c",
                tenantId: "t",
                clientSecret: "x",
            });
            assert.equal(await pulumi.isSecret(value), true);
        });

        it("rejects a gate region of the wrong cloud", () => {
            assert.match(
                problemFor({ ...aws, gates: { aws: { ...gate, region: "eastus" } } }, "gates.aws.region").message,
                /not a region of aws/,
            );
        });

        it("rejects an invalid base domain", () => {
            assert.match(
                problemFor({ ...aws, gates: { aws: { ...gate, baseDomain: "not a domain" } } }, "gates.aws.baseDomain")
                    .message,
                /DNS domain/,
            );
        });

        it("rejects an unknown cloud in gates", () => {
            const all = problems({ ...aws, gates: { vsphere: gate } });
            assert.ok(
                all.some((p) => p.key === "okd-ci:gates" && /vsphere/.test(p.message)),
                JSON.stringify(all),
            );
        });
    });

    describe("reporting", () => {
        it("reports every problem at once", () => {
            const all = problems({
                ...aws,
                region: "nowhere",
                buildMinNodes: 3,
                buildMaxNodes: 1,
                kubernetesVersion: "1.20",
            });
            assert.deepEqual(all.map((p) => p.key).sort(), [
                "okd-ci:buildMaxNodes",
                "okd-ci:kubernetesVersion",
                "okd-ci:region",
            ]);
        });

        it("rejects an unknown key, catching typos", () => {
            const p = problemFor({ ...aws, buildMaxNode: 3 }, "buildMaxNode");
            assert.match(
                p.message,
                /not a known key \(did you mean buildMaxNodes\?\); expected one of .*buildMaxNodes/,
            );
        });

        it("names key, value and what is allowed in the error message", () => {
            assert.throws(
                () => loadConfig(mapSource({ platform: "aws", region: "mars-1" })),
                (err: unknown) =>
                    err instanceof ConfigError &&
                    /okd-ci:region = "mars-1": is not a region of aws; expected one of af-south-1/.test(err.message),
            );
        });
    });
    describe("bounds", () => {
        /** The keys a configuration has problems with; none when it loads. */
        const problemKeys = (values: Record<string, unknown>, secret: string[] = []): string[] => {
            try {
                loadConfig(mapSource(values, secret));
                return [];
            } catch (err) {
                assert.ok(err instanceof ConfigError, String(err));
                return err.problems.map((p) => p.key);
            }
        };

        it("bounds namePrefix to 3-16 characters", () => {
            assert.equal(loadConfig(mapSource({ ...aws, namePrefix: "okd" })).namePrefix, "okd");
            assert.equal(loadConfig(mapSource({ ...aws, namePrefix: "a".repeat(16) })).namePrefix, "a".repeat(16));
            for (const prefix of ["ok", "a".repeat(17)]) {
                const p = problemFor({ ...aws, namePrefix: prefix }, "namePrefix");
                assert.equal(p.value, JSON.stringify(prefix));
                assert.match(p.message, /expected 3-16 lower-case letters, digits and dashes, starting with a letter/);
            }
        });

        it("requires gates.gcp.project when the site has no gcpProject, and takes it from gcpProject otherwise", () => {
            const gcpGate = { baseDomain: "ci.okd.example.org", region: "us-central1", existingZone: "okd-zone" };
            const onAws = {
                ...aws,
                gates: { gcp: gcpGate },
                gateCredentialsGcp: secretValue("gateCredentialsGcp", "x"),
            };
            const p = problemFor(onAws, "gates.gcp.project", ["gateCredentialsGcp"]);
            assert.equal(p.message, "is required when gcpProject is not set; expected a GCP project id");
            const withProject = { ...onAws, gates: { gcp: { ...gcpGate, project: "okd-ci-e2e" } } };
            assert.deepEqual(problemKeys(withProject, ["gateCredentialsGcp"]), []);
            assert.equal(loadConfig(mapSource(withProject, ["gateCredentialsGcp"])).gates.gcp?.project, "okd-ci-e2e");
        });
    });
});
