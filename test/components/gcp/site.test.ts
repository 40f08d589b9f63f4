import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { GcpSite } from "../../../components/gcp";
import { buildPlacement, identitySubjects } from "../../../components/shared";
import { sig } from "../../../src/synth/recorder";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";

// Recorded inputs are untyped JSON.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inputs = (type: string, name: string): any => find(type, name).inputs;

const T = {
    provider: "pulumi:providers:gcp",
    service: "gcp:projects/service:Service",
    cluster: "gcp:container/cluster:Cluster",
    pool: "gcp:container/nodePool:NodePool",
    repo: "gcp:artifactregistry/repository:Repository",
    repoIam: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
    bucket: "gcp:storage/bucket:Bucket",
    bucketIam: "gcp:storage/bucketIAMMember:BucketIAMMember",
    account: "gcp:serviceaccount/account:Account",
    saIam: "gcp:serviceaccount/iAMMember:IAMMember",
    projectIam: "gcp:projects/iAMMember:IAMMember",
    zone: "gcp:dns/managedZone:ManagedZone",
} as const;

const base = {
    namePrefix: "okt",
    tags: { Team: "OKD Release" },
    protect: true,
    region: "europe-west4",
    kubernetesVersion: "1.34",
    systemPool: { instanceType: "e2-standard-2", nodes: 2 },
    buildPool: { instanceTypes: ["n2-standard-8"], spot: true, minNodes: 0, maxNodes: 12, diskGb: 200 },
    retention: { nightlyDays: 14, untaggedDays: 1, logDays: 90 },
};

const email = (role: string) => `okt-${role}@okd-ci-test.iam.gserviceaccount.com`;

describe("gcp site", () => {
    useMocks();

    let site: GcpSite;
    before(async () => {
        const { GcpSite } = await import("../../../components/gcp");
        site = new GcpSite("gcpt", {
            ...base,
            project: "okd-ci-test",
            gates: {
                gcp: {
                    blocking: true,
                    baseDomain: "gcp.test.example.org",
                    region: "europe-west4",
                    sharedWithSite: true,
                },
                aws: {
                    blocking: false,
                    baseDomain: "aws.test.example.org",
                    region: "us-east-1",
                    existingZone: "Z0EXAMPLE",
                },
            },
            gateSecrets: { aws: pulumi.secret("aws-credentials-sentinel") },
        });
        await settled();
    });

    describe("provider and project", () => {
        it("uses one explicit gcp provider with the project, region and standard labels", () => {
            const p = inputs(T.provider, "gcpt-gcp");
            assert.equal(p.project, "okd-ci-test");
            assert.equal(p.region, "europe-west4");
            // Provider configuration reaches the engine JSON-encoded.
            const labels = JSON.parse(p.defaultLabels);
            assert.equal(labels["managed-by"], "pulumi");
            assert.equal(labels["okd-ci-stack"], "test");
            assert.equal(labels.team, "okd_release");
        });

        it("creates every GCP resource through that provider", () => {
            const gcpResources = under("gcpt").filter((r) => r.custom && r.type.startsWith("gcp:"));
            assert.ok(gcpResources.length > 20);
            const provider = find(T.provider, "gcpt-gcp").urn;
            for (const r of gcpResources) assert.ok(r.provider.startsWith(`${provider}::`), `${r.name}: ${r.provider}`);
        });

        it("enables the APIs it uses and never disables them on destroy", () => {
            const services = under("gcpt", T.service).map(
                (r) => r.inputs as { service: string; disableOnDestroy: boolean },
            );
            for (const api of ["container", "artifactregistry", "containerscanning", "storage", "iamcredentials"]) {
                assert.ok(
                    services.some((s) => s.service === `${api}.googleapis.com`),
                    api,
                );
            }
            for (const s of services) assert.equal(s.disableOnDestroy, false, s.service);
        });

        it("enables each API once per project even when the gate shares the site's project", () => {
            const keys = under("gcpt", T.service).map((r) => `${r.inputs.project}/${r.inputs.service}`);
            assert.deepEqual([...new Set(keys)].sort(), [...keys].sort());
            assert.ok(keys.includes("okd-ci-test/dns.googleapis.com"), "gate APIs are enabled too");
        });
    });

    describe("GKE", () => {
        it("creates a zonal cluster with Workload Identity, a release channel and no default pool", () => {
            const c = inputs(T.cluster, "gcpt-cluster");
            assert.equal(c.location, "europe-west4-b");
            assert.deepEqual(c.workloadIdentityConfig, { workloadPool: "okd-ci-test.svc.id.goog" });
            assert.equal(c.releaseChannel.channel, "REGULAR");
            assert.equal(c.minMasterVersion, "1.34");
            assert.equal(c.removeDefaultNodePool, true);
            assert.equal(c.deletionProtection, false);
        });

        // On a release channel GKE moves a cluster to the channel's newer minor months before the end of support;
        // a NO_MINOR_UPGRADES exclusion until the end of support keeps the minor kubernetesVersion names.
        it("keeps GKE from upgrading the minor on its own until the minor leaves standard support", () => {
            const c = inputs(T.cluster, "gcpt-cluster");
            const exclusions = c.maintenancePolicy.maintenanceExclusions as {
                exclusionOptions: { scope: string; endTimeBehavior?: string };
                endTime?: string;
            }[];
            assert.equal(exclusions.length, 1);
            assert.deepEqual(exclusions[0].exclusionOptions, {
                scope: "NO_MINOR_UPGRADES",
                endTimeBehavior: "UNTIL_END_OF_SUPPORT",
            });
            // One of endTime and endTimeBehavior (the provider's ExclusionOptions doc).
            assert.equal(exclusions[0].endTime, undefined);
            // Patches still arrive, in the weekend window.
            assert.equal(c.maintenancePolicy.recurringWindow.recurrence, "FREQ=WEEKLY;BYDAY=SA,SU");
        });

        it("runs a small fixed system pool on on-demand nodes with the GKE metadata server", () => {
            const p = inputs(T.pool, "gcpt-system");
            assert.equal(p.nodeCount, 2);
            assert.equal(p.autoscaling, undefined);
            assert.equal(p.nodeConfig.machineType, "e2-standard-2");
            assert.notEqual(p.nodeConfig.spot, true);
            assert.equal(p.nodeConfig.workloadMetadataConfig.mode, "GKE_METADATA");
        });

        it("runs builds on spot nodes that autoscale from zero in total, whatever the zones", () => {
            const p = inputs(T.pool, "gcpt-builds");
            assert.equal(p.nodeConfig.spot, true);
            assert.equal(p.nodeConfig.machineType, "n2-standard-8");
            assert.equal(p.nodeConfig.diskSizeGb, 200);
            assert.deepEqual(p.autoscaling, { totalMinNodeCount: 0, totalMaxNodeCount: 12, locationPolicy: "ANY" });
            assert.equal(p.initialNodeCount, 0);
            assert.equal(p.nodeConfig.workloadMetadataConfig.mode, "GKE_METADATA");
        });

        it("labels and taints the build pool so only build pods land there", () => {
            const p = inputs(T.pool, "gcpt-builds");
            assert.deepEqual(p.nodeConfig.labels, { "okd-ci/pool": "builds" });
            assert.deepEqual(p.nodeConfig.taints, [{ key: "okd-ci/pool", value: "builds", effect: "NO_SCHEDULE" }]);
        });

        it("runs nodes as a dedicated service account, not the Compute Engine default", () => {
            for (const pool of ["gcpt-system", "gcpt-builds"]) {
                assert.equal(
                    inputs(T.pool, pool).nodeConfig.serviceAccount,
                    "okt-gke-nodes@okd-ci-test.iam.gserviceaccount.com",
                );
            }
            const roles = under("gcpt", T.projectIam)
                .filter((r) => r.inputs.member === "serviceAccount:okt-gke-nodes@okd-ci-test.iam.gserviceaccount.com")
                .map((r) => r.inputs.role);
            assert.deepEqual(roles, ["roles/container.defaultNodeServiceAccount"]);
        });

        it("gives the Kubernetes provider a secret kubeconfig and a stable cluster identifier", () => {
            const p = find("pulumi:providers:kubernetes", "gcpt-k8s");
            assert.equal(p.inputs.clusterIdentifier, "gke_okd-ci-test_europe-west4-b_okt-build");
            assert.ok(JSON.stringify(p.object.kubeconfig).includes(sig.secret), "kubeconfig is sent as a secret");
        });

        it("authenticates the kubeconfig with the gke-gcloud-auth-plugin, no embedded token", async () => {
            const config = JSON.parse(await valueOf(site.kubeconfig));
            const user = config.users[0].user;
            assert.equal(user.exec.command, "gke-gcloud-auth-plugin");
            assert.equal(user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
            assert.equal(user.token, undefined);
            assert.equal(config["current-context"], "gke_okd-ci-test_europe-west4-b_okt-build");
        });

        it("makes the in-cluster layer wait for both pools, Cloud NAT, every identity's binding and the webhook's address", async () => {
            const urns = await Promise.all(site.ready.map((r) => valueOf(r.urn)));
            const names = urns.map((urn) => recorder().resources.find((x) => x.urn === urn)?.name).sort();
            assert.deepEqual(names, [
                "gcpt-build-wi-okd-release-okd-registry-token",
                "gcpt-builds",
                "gcpt-chains-wi-tekton-chains-tekton-chains-controller",
                "gcpt-e2e-pull-wi-okd-builds-okd-e2e",
                "gcpt-nat",
                "gcpt-promote-wi-okd-release-okd-promote",
                "gcpt-records-wi-okd-builds-okd-records",
                "gcpt-system",
                "gcpt-webhook",
            ]);
        });
    });

    describe("Artifact Registry", () => {
        it("scans every repository on push: none opts out of Artifact Analysis", () => {
            for (const repo of ["gcpt-builds", "gcpt-nightly", "gcpt-releases", "gcpt-attestations"]) {
                assert.equal(inputs(T.repo, repo).vulnerabilityScanningConfig, undefined, repo);
            }
        });

        it("applies the nightly repository's cleanup policies for real (what they keep: retention.test.ts)", () => {
            const r = inputs(T.repo, "gcpt-nightly");
            assert.equal(r.format, "DOCKER");
            assert.equal(r.mode, "STANDARD_REPOSITORY");
            assert.equal(r.repositoryId, "okt-nightly");
            assert.equal(r.cleanupPolicyDryRun, false);
            assert.deepEqual(
                r.cleanupPolicies.map((p: { id: string }) => p.id),
                ["keep-newest-payloads", "keep-pipeline-tools", "delete-old-payloads", "delete-untagged"],
            );
            // 14 nightly payloads and the 14 tools images those nightlies built into the same package.
            assert.deepEqual(r.cleanupPolicies[0].mostRecentVersions, {
                packageNamePrefixes: ["release"],
                keepCount: 28,
            });
            assert.equal(r.cleanupPolicies[2].condition.olderThan, "1209600s");
            assert.equal(r.cleanupPolicies[3].condition.olderThan, "86400s");
        });

        it("keeps the builds in a repository of their own, expiring after nightlyRetentionDays", () => {
            const r = find(T.repo, "gcpt-builds");
            assert.equal(r.inputs.repositoryId, "okt-builds");
            assert.equal(r.inputs.format, "DOCKER");
            assert.equal(r.inputs.cleanupPolicyDryRun, false);
            assert.deepEqual(
                (r.inputs.cleanupPolicies as { id: string; condition: { olderThan: string } }[]).map((p) => [
                    p.id,
                    p.condition.olderThan,
                ]),
                [
                    ["delete-old-builds", "1209600s"],
                    ["delete-untagged", "86400s"],
                ],
            );
            assert.equal(r.protect, false);
        });

        it("never deletes from the release repository and protects it", () => {
            const r = find(T.repo, "gcpt-releases");
            assert.equal(r.inputs.format, "DOCKER");
            assert.equal(r.inputs.mode, "STANDARD_REPOSITORY");
            const policies = (r.inputs.cleanupPolicies ?? []) as { action?: string }[];
            assert.equal(policies.filter((p) => p.action !== "KEEP").length, 0);
            assert.equal(r.inputs.cleanupPolicyDryRun, true);
            assert.equal(r.protect, true);
            assert.equal(r.retainOnDelete, true);
            assert.equal(find(T.repo, "gcpt-nightly").protect, false);
        });

        it("maps every repository role to a full path in the right repository", async () => {
            const host = "europe-west4-docker.pkg.dev/okd-ci-test";
            assert.equal(await valueOf(site.registry.host), "europe-west4-docker.pkg.dev");
            assert.deepEqual(
                Object.fromEntries(
                    await Promise.all(
                        Object.entries(site.registry.repositories).map(async ([k, v]) => [k, await valueOf(v)]),
                    ),
                ),
                {
                    release: `${host}/okt-nightly/release`,
                    content: `${host}/okt-nightly/content`,
                    machineOs: `${host}/okt-builds/machine-os`,
                    components: `${host}/okt-builds/components`,
                    promoted: `${host}/okt-releases/promoted`,
                    promotedContent: `${host}/okt-releases/promoted-content`,
                    attestations: `${host}/okt-attestations/attestations`,
                },
            );
            assert.equal(site.registry.insecure, false);
        });
    });

    describe("artifact bucket", () => {
        it("is private: uniform access, public access prevention enforced, never force-destroyed", () => {
            const b = inputs(T.bucket, "gcpt-artifacts");
            assert.equal(b.name, "okt-artifacts-okd-ci-test");
            assert.equal(b.uniformBucketLevelAccess, true);
            assert.equal(b.publicAccessPrevention, "enforced");
            assert.equal(b.forceDestroy, false);
        });

        it("is versioned, keeps deleted generations 90 days by soft delete, and is protected", () => {
            const b = find(T.bucket, "gcpt-artifacts");
            assert.deepEqual(b.inputs.versioning, { enabled: true });
            // objectUser (records, promote) can delete noncurrent generations: soft delete keeps them restorable.
            assert.deepEqual(b.inputs.softDeletePolicy, { retentionDurationSeconds: 7_776_000 });
            assert.equal(b.protect, true);
            assert.equal(b.retainOnDelete, true);
        });

        it("expires only logs/, and only noncurrent versions of release records", () => {
            const rules = inputs(T.bucket, "gcpt-artifacts").lifecycleRules as {
                action: { type: string };
                condition: Record<string, unknown>;
            }[];
            assert.deepEqual(rules, [
                {
                    action: { type: "Delete" },
                    condition: { age: 90, matchesPrefixes: ["logs/"], withState: "LIVE" },
                },
                { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: 7, matchesPrefixes: ["logs/"] } },
                // Not promoted/: no version of the promoted state is ever deleted.
                {
                    action: { type: "Delete" },
                    condition: {
                        daysSinceNoncurrentTime: 365,
                        matchesPrefixes: ["releases/", "notes/", "status/", "clusters/"],
                    },
                },
            ]);
        });

        it("is described to the pipelines as gs://", async () => {
            assert.equal(site.artifacts.kind, "gcs");
            assert.equal(await valueOf(site.artifacts.url), "gs://okt-artifacts-okd-ci-test/");
            assert.equal(site.artifacts.staticCredentials, undefined);
        });
    });

    describe("identities", () => {
        const roles = ["build", "records", "promote", "chains"] as const;
        const registryGrants = (role: string) =>
            under("gcpt", T.repoIam)
                .filter((r) => r.inputs.member === `serviceAccount:${email(role)}`)
                .map((r) => `${r.inputs.repository}:${r.inputs.role}`)
                .sort();
        const writersOf = (repository: string) =>
            under("gcpt", T.repoIam)
                .filter((r) => r.inputs.repository === repository && r.inputs.role !== "roles/artifactregistry.reader")
                .map((r) => String(r.inputs.member))
                .sort();

        it("lets only the promotion account write the release repository, and only Chains the attestation one", () => {
            assert.deepEqual(writersOf("okt-releases"), [`serviceAccount:${email("promote")}`]);
            assert.deepEqual(writersOf("okt-attestations"), [`serviceAccount:${email("chains")}`]);
            // Artifact Registry grants per repository, so each has one writer: a build's push token (minted from the
            // build account) cannot move a payload's tag or the tools image's, which the release run resolves
            // (issue 15 path 5).
            assert.deepEqual(writersOf("okt-nightly"), [`serviceAccount:${email("records")}`]);
            assert.deepEqual(writersOf("okt-builds"), [`serviceAccount:${email("build")}`]);
        });

        it("keeps the tools image and the payloads out of the build account's repository", async () => {
            const paths = await Promise.all(
                (["release", "content", "promoted", "promotedContent", "attestations"] as const).map((r) =>
                    valueOf(site.registry.repositories[r]),
                ),
            );
            for (const p of paths) assert.ok(!p.includes("/okt-builds/"), p);
        });

        it("gives each account exactly its registry roles", () => {
            assert.deepEqual(registryGrants("build"), ["okt-builds:roles/artifactregistry.writer"]);
            assert.deepEqual(registryGrants("records"), [
                "okt-builds:roles/artifactregistry.reader",
                "okt-nightly:roles/artifactregistry.writer",
            ]);
            assert.deepEqual(registryGrants("promote"), [
                "okt-attestations:roles/artifactregistry.reader",
                "okt-builds:roles/artifactregistry.reader",
                "okt-nightly:roles/artifactregistry.reader",
                "okt-releases:roles/artifactregistry.writer",
            ]);
            assert.deepEqual(registryGrants("chains"), [
                "okt-attestations:roles/artifactregistry.writer",
                "okt-builds:roles/artifactregistry.reader",
                "okt-nightly:roles/artifactregistry.reader",
                "okt-releases:roles/artifactregistry.reader",
            ]);
            // The payload under test, and the promoted release an upgrade gate installs.
            assert.deepEqual(registryGrants("e2e-pull"), [
                "okt-nightly:roles/artifactregistry.reader",
                "okt-releases:roles/artifactregistry.reader",
            ]);
        });

        it("lets records and promotion write objects only under their prefixes, and nobody else any", () => {
            const grants = under("gcpt", T.bucketIam);
            const byMember = (role: string) =>
                grants.filter((g) => g.inputs.member === `serviceAccount:${email(role)}`);
            for (const role of ["build", "chains", "e2e-pull"]) assert.deepEqual(byMember(role), [], role);
            const writes = (role: string) => byMember(role).find((g) => g.inputs.role === "roles/storage.objectUser");
            const conditionOf = (g: { inputs: Record<string, unknown> } | undefined) =>
                (g?.inputs.condition as { expression?: string } | undefined)?.expression;
            assert.equal(
                conditionOf(writes("records")),
                'resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/releases/") || resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/logs/") || resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/status/") || resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/clusters/")',
            );
            assert.equal(
                conditionOf(writes("promote")),
                'resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/promoted/") || resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/notes/") || resource.name.startsWith("projects/_/buckets/okt-artifacts-okd-ci-test/objects/status/")',
            );
            // Listing is a bucket-level check no object condition matches: it comes from an unconditional read.
            for (const role of ["records", "promote"]) {
                const read = byMember(role).find((g) => g.inputs.role === "roles/storage.objectViewer");
                assert.ok(read && read.inputs.condition === undefined, role);
            }
            // No unconditional object write for anyone.
            for (const g of grants) {
                if (g.inputs.role === "roles/storage.objectUser") assert.ok(g.inputs.condition, g.name);
            }
        });

        it("holds no project-level role", () => {
            for (const role of roles) {
                const member = `serviceAccount:${email(role)}`;
                assert.equal(under("gcpt", T.projectIam).filter((r) => r.inputs.member === member).length, 0, role);
            }
        });

        it("binds each account through Workload Identity to exactly its ServiceAccount, once the pool exists", () => {
            const cluster = find(T.cluster, "gcpt-cluster").urn;
            for (const role of roles) {
                const bindings = under(`gcpt-${role}-wi`, T.saIam);
                assert.deepEqual(
                    bindings.map((b) => b.inputs.member).sort(),
                    identitySubjects[role]
                        .map((s) => `serviceAccount:okd-ci-test.svc.id.goog[${s.namespace}/${s.serviceAccount}]`)
                        .sort(),
                );
                for (const b of bindings) {
                    assert.equal(b.inputs.role, "roles/iam.workloadIdentityUser");
                    assert.equal(b.inputs.serviceAccountId, `projects/okd-ci-test/serviceAccounts/${email(role)}`);
                    assert.ok(b.dependencies.includes(cluster), `${b.name} waits for the cluster`);
                }
            }
        });

        it("lets the build account mint fresh tokens of itself only, for the registry token minter", async () => {
            const self = under("gcpt-build-self-token", T.saIam);
            assert.equal(self.length, 1);
            assert.equal(self[0].inputs.role, "roles/iam.serviceAccountTokenCreator");
            assert.equal(self[0].inputs.member, `serviceAccount:${email("build")}`);
            assert.equal(self[0].inputs.serviceAccountId, `projects/okd-ci-test/serviceAccounts/${email("build")}`);
            assert.deepEqual(await valueOf(site.identities.build.env?.GCP_IMPERSONATE_SERVICE_ACCOUNT), email("build"));
        });

        it("keeps Chains' key in Cloud KMS: Chains may sign, promotion may read the public key", async () => {
            const key = inputs("gcp:kms/cryptoKey:CryptoKey", "gcpt-chains-key");
            assert.equal(key.purpose, "ASYMMETRIC_SIGN");
            assert.deepEqual(key.versionTemplate, { algorithm: "EC_SIGN_P256_SHA256", protectionLevel: "SOFTWARE" });
            assert.equal(find("gcp:kms/cryptoKey:CryptoKey", "gcpt-chains-key").protect, true);
            const kms = recorder()
                .ofType("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
                .filter((r) => r.name.startsWith("gcpt-"))
                .map((r) => `${String(r.inputs.member).split(":")[1].split("@")[0]} ${r.inputs.role}`)
                .sort();
            assert.deepEqual(kms, [
                "okt-chains roles/cloudkms.signerVerifier",
                "okt-chains roles/cloudkms.viewer",
                "okt-promote roles/cloudkms.publicKeyViewer",
                "okt-promote roles/cloudkms.viewer",
            ]);
            assert.equal(
                await valueOf(site.signing.kmsRef),
                "gcpkms://projects/okd-ci-test/locations/europe-west4/keyRings/okt-chains/cryptoKeys/chains-signing/cryptoKeyVersions/1",
            );
        });

        it("annotates each identity's ServiceAccounts with its Google service account", async () => {
            for (const role of roles) {
                assert.deepEqual(await valueOf(site.identities[role].serviceAccountAnnotations), {
                    "iam.gke.io/gcp-service-account": email(role),
                });
                assert.deepEqual(site.identities[role].podLabels, {});
            }
        });
    });

    describe("placement and webhook", () => {
        it("places builds with the shared selector and taint toleration only", () => {
            assert.deepEqual(site.buildPool, buildPlacement());
        });

        it("exposes the webhook through a GKE LoadBalancer Service", () => {
            assert.equal(site.webhook.serviceType, "LoadBalancer");
            assert.equal(site.webhook.serviceAnnotations["cloud.google.com/l4-rbs"], "enabled");
        });
    });

    describe("GCP e2e gate", () => {
        const gsa = "okt-e2e-installer@okd-ci-test.iam.gserviceaccount.com";

        it("grants the installer's documented roles, less Security Admin and key admin, on the gate project", () => {
            const grants = under("gcpt-e2e-gcp", T.projectIam);
            for (const g of grants) {
                assert.equal(g.inputs.project, "okd-ci-test");
                assert.equal(g.inputs.member, `serviceAccount:${gsa}`);
            }
            assert.deepEqual(grants.map((g) => g.inputs.role).sort(), [
                "roles/compute.admin",
                "roles/dns.admin",
                "roles/iam.serviceAccountAdmin",
                "roles/iam.serviceAccountUser",
                "roles/resourcemanager.projectIamAdmin",
                "roles/storage.admin",
            ]);
        });

        it("lets the installer grant only the roles it gives its node service accounts", () => {
            const grants = under("gcpt-e2e-gcp", T.projectIam);
            const iamAdmin = grants.filter((g) =>
                /projectIamAdmin|securityAdmin|owner|editor/.test(String((g.inputs as Record<string, unknown>).role)),
            );
            assert.equal(iamAdmin.length, 1);
            const { condition } = iamAdmin[0].inputs as { condition?: { expression: string } };
            assert.ok(condition, "the role that sets the project's IAM policy is conditional");
            assert.match(
                condition.expression,
                /^api\.getAttribute\('iam\.googleapis\.com\/modifiedGrantsByRole', \[\]\)\.hasOnly\(\[/,
            );
            const roles = [...condition.expression.matchAll(/'(roles\/[^']+)'/g)].map((m) => m[1]);
            assert.ok(roles.includes("roles/compute.instanceAdmin") && roles.includes("roles/compute.viewer"));
            for (const forbidden of [
                "roles/owner",
                "roles/editor",
                "roles/iam.securityAdmin",
                "roles/resourcemanager.projectIamAdmin",
                "roles/iam.serviceAccountKeyAdmin",
                "roles/iam.serviceAccountTokenCreator",
            ]) {
                assert.ok(!roles.includes(forbidden), forbidden);
            }
        });

        it("creates the public zone of the base domain", () => {
            const z = inputs(T.zone, "gcpt-e2e-gcp-zone");
            assert.equal(z.dnsName, "gcp.test.example.org.");
            assert.equal(z.visibility, "public");
            assert.equal(z.project, "okd-ci-test");
            assert.equal(z.forceDestroy, false);
        });

        it("binds no Kubernetes ServiceAccount to the installer account: the installer runs with its key", () => {
            assert.equal(under("gcpt-e2e-gcp", T.saIam).length, 0);
            const installer = recorder()
                .ofType(T.saIam)
                .filter((r) => String((r.inputs as Record<string, string>).serviceAccountId).includes("e2e-installer"));
            assert.deepEqual(installer, []);
        });

        it("mints the e2e pull secret from an account that can only read the registry", () => {
            const [binding] = under("gcpt-e2e-pull-wi", T.saIam);
            assert.equal(binding.inputs.member, "serviceAccount:okd-ci-test.svc.id.goog[okd-builds/okd-e2e]");
            assert.equal(
                binding.inputs.serviceAccountId,
                "projects/okd-ci-test/serviceAccounts/okt-e2e-pull@okd-ci-test.iam.gserviceaccount.com",
            );
            const member = "serviceAccount:okt-e2e-pull@okd-ci-test.iam.gserviceaccount.com";
            const grants = recorder().resources.filter(
                (r) => JSON.stringify(r.inputs).includes(member) && /IAMMember|IamMember/.test(r.type),
            );
            const roles = grants
                .filter((g) => g.type !== T.saIam)
                .map((g) => (g.inputs as Record<string, string>).role);
            assert.ok(roles.length > 0);
            assert.ok(
                roles.every((r) => r === "roles/artifactregistry.reader"),
                roles.join(", "),
            );
        });

        it("hands the gate the key from secret config in Passthrough mode, or says how to create it", async () => {
            const access = site.gates.find((g) => g.platform === "gcp");
            assert.ok(access);
            assert.equal(access.blocking, true);
            assert.equal(access.credentialsMode, "Passthrough");
            assert.equal(access.credentials.value, undefined);
            assert.match(access.credentials.howToCreate, /gcloud iam service-accounts keys create gce\.json/);
            assert.equal(access.project, "okd-ci-test");
            assert.equal(await valueOf(access.zone), "okt-e2e-gcp-test-example-org");
        });

        it("takes a gate on another cloud from secret config, creating nothing there", async () => {
            const access = site.gates.find((g) => g.platform === "aws");
            assert.ok(access);
            assert.equal(access.credentials.envVar, "AWS_SHARED_CREDENTIALS_FILE");
            assert.equal(await valueOf(access.credentials.value), "aws-credentials-sentinel");
            assert.equal(await valueOf(access.zone), "Z0EXAMPLE");
            assert.equal(under("gcpt").filter((r) => r.type.startsWith("aws:")).length, 0);
        });
    });
});

describe("gcp site with an operator key, a separate gate project and protect off", () => {
    useMocks();

    let keyed: GcpSite;
    before(async () => {
        const { GcpSite } = await import("../../../components/gcp");
        keyed = new GcpSite("gcpk", {
            ...base,
            namePrefix: "okk",
            protect: false,
            buildPool: { ...base.buildPool, instanceTypes: ["n2-standard-8", "n2d-standard-8"] },
            project: "okd-ci-test",
            gates: {
                gcp: {
                    blocking: false,
                    baseDomain: "gcp.test.example.org",
                    region: "europe-west4",
                    project: "okd-e2e-test",
                    existingZone: "okd-e2e-zone",
                },
            },
            gateSecrets: { gcp: pulumi.secret('{"type":"service_account"}') },
        });
        await settled();
    });

    it("leaves the release repository and bucket unprotected", () => {
        assert.equal(find(T.repo, "gcpk-releases").protect, false);
        assert.equal(find(T.bucket, "gcpk-artifacts").protect, false);
    });

    it("adds a build pool per extra machine type with the same taint", () => {
        const extra = inputs(T.pool, "gcpk-builds-n2d-standard-8");
        assert.equal(extra.nodeConfig.machineType, "n2d-standard-8");
        assert.deepEqual(extra.nodeConfig.taints, inputs(T.pool, "gcpk-builds").nodeConfig.taints);
        assert.equal(extra.nodeConfig.spot, true);
    });

    it("references the existing zone and creates none", () => {
        assert.equal(under("gcpk", T.zone).length, 0);
    });

    it("grants the installer roles in the gate project only", () => {
        const grants = under("gcpk-e2e-gcp", T.projectIam);
        assert.ok(grants.every((g) => g.inputs.project === "okd-e2e-test"));
        assert.equal(grants.length, 6);
        assert.ok(
            !recorder()
                .ofType(T.projectIam)
                .some(
                    (g) =>
                        (g.inputs as Record<string, string>).member.includes("okk-e2e-installer") &&
                        (g.inputs as Record<string, string>).project === "okd-ci-test",
                ),
        );
    });

    it("enables the installer's APIs in the gate project", () => {
        const apis = under("gcpk-e2e-gcp", T.service).map((s) => `${s.inputs.project}/${s.inputs.service}`);
        assert.ok(apis.includes("okd-e2e-test/compute.googleapis.com"));
        assert.ok(apis.includes("okd-e2e-test/dns.googleapis.com"));
    });

    it("sends the operator key as the installer's gce.json and runs it in Passthrough mode", async () => {
        const [access] = keyed.gates;
        assert.equal(access.platform, "gcp");
        assert.equal(access.credentials.fileName, "gce.json");
        assert.equal(access.credentials.envVar, "GOOGLE_CLOUD_KEYFILE_JSON");
        assert.equal(await valueOf(access.credentials.value), '{"type":"service_account"}');
        assert.equal(await pulumi.isSecret(access.credentials.value as pulumi.Output<string>), true);
        assert.equal(await valueOf(access.zone), "okd-e2e-zone");
        assert.equal(access.credentialsMode, "Passthrough");
        assert.equal(inputs(T.account, "gcpk-e2e-gcp-installer").project, "okd-e2e-test");
    });
});
