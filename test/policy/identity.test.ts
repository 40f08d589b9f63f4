import * as assert from "node:assert/strict";

import {
    buildPodsHoldNoIdentity,
    buildPodsNoInstanceMetadata,
    buildPushScoped,
    chainsSignsWithKms,
    listenerLeastPrivilege,
    listenerRunsAdmitted,
    mirrorCredentialsPromoteOnly,
    promotedWriters,
} from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

/** Each rule against the design it replaces: one pipeline identity for every pod, the quay.io Secret linked to it. */
describe("identity policies", () => {
    describe("build-pods-hold-no-identity", () => {
        const role = res(t.aws.iamRole, "pipeline", {});
        const association = (namespace: string, serviceAccount: string) =>
            res(
                t.aws.eksPodIdentity,
                `pia-${serviceAccount}`,
                { namespace, serviceAccount, roleArn: UNKNOWN },
                { dependsOn: [role] },
            );

        it("fails an identity bound to the ServiceAccount build pods run as, or to one outside the table", () => {
            assert.deepEqual(violations(buildPodsHoldNoIdentity, [role, association("okd-builds", "okd-build")]), [
                "pipeline is bound to okd-builds/okd-build, which holds no identity (build pods run as it)",
            ]);
            assert.equal(
                violations(buildPodsHoldNoIdentity, [role, association("okd-builds", "okd-pipeline")]).length,
                1,
            );
        });

        it("passes each identity bound to its own ServiceAccount, and identities outside the pipeline namespaces", () => {
            assert.deepEqual(
                violations(buildPodsHoldNoIdentity, [role, association("okd-release", "okd-promote")]),
                [],
            );
            assert.deepEqual(
                violations(buildPodsHoldNoIdentity, [role, association("kube-system", "cluster-autoscaler")]),
                [],
            );
        });

        it("fails a Workload Identity binding of a whole pipeline namespace", () => {
            const gsa = res(t.gcp.serviceAccount, "gsa", { accountId: "okd-records" });
            const wi = res(
                t.gcp.serviceAccountIamMember,
                "wi",
                {
                    role: "roles/iam.workloadIdentityUser",
                    member: "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p.svc.id.goog/namespace/okd-builds",
                    serviceAccountId: UNKNOWN,
                },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(buildPodsHoldNoIdentity, [gsa, wi]), [
                "gsa is bound to every ServiceAccount of okd-builds",
            ]);
        });

        it("fails a build ServiceAccount that carries an identity, a token or linked Secrets", () => {
            const sa = res(t.k8s.serviceAccount, "build-sa", {
                metadata: {
                    name: "okd-build",
                    namespace: "okd-builds",
                    annotations: { "iam.gke.io/gcp-service-account": "x" },
                },
                secrets: [{ name: "okd-mirror-credentials" }],
            });
            assert.deepEqual(violations(buildPodsHoldNoIdentity, [sa]), [
                "build-sa carries iam.gke.io/gcp-service-account",
                "build-sa mounts an API token into build pods (automountServiceAccountToken is not false)",
                "build-sa links Secrets into every build step",
            ]);
        });

        it("passes the build ServiceAccount as the site makes it, and reads only that one", () => {
            const sa = (namespace: string, name: string, extra: Record<string, unknown>) =>
                res(t.k8s.serviceAccount, `${namespace}-${name}`, { metadata: { name, namespace, ...extra } });
            const clean = {
                ...(sa("okd-builds", "okd-build", { annotations: { "okd-ci/role": "build" } }).inputs as object),
                automountServiceAccountToken: false,
            };
            const site = res(t.k8s.serviceAccount, "build", clean);
            // Other ServiceAccounts may carry identities and tokens: their rules are elsewhere.
            const records = sa("okd-builds", "okd-records", {
                annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/records" },
            });
            const elsewhere = sa("okd-release", "okd-build", {
                annotations: { "azure.workload.identity/client-id": "x" },
            });
            assert.deepEqual(violations(buildPodsHoldNoIdentity, [site, records, elsewhere]), []);
            const pulls = res(t.k8s.serviceAccount, "pulls", {
                ...clean,
                metadata: {
                    name: "okd-build",
                    namespace: "okd-builds",
                    annotations: { "eks.amazonaws.com/role-arn": "r", "azure.workload.identity/client-id": "c" },
                },
                imagePullSecrets: [{ name: "x" }],
            });
            assert.deepEqual(violations(buildPodsHoldNoIdentity, [pulls]), [
                "pulls carries eks.amazonaws.com/role-arn, azure.workload.identity/client-id",
                "pulls links Secrets into every build step",
            ]);
        });

        it("names a subject outside the table and counts only Workload Identity bindings", () => {
            const gsa = res(t.gcp.serviceAccount, "gsa", {});
            const member = (name: string, role: string, sa: string) =>
                res(
                    t.gcp.serviceAccountIamMember,
                    name,
                    { role, member: `serviceAccount:p.svc.id.goog[${sa}]`, serviceAccountId: UNKNOWN },
                    { dependsOn: [gsa] },
                );
            assert.deepEqual(
                violations(buildPodsHoldNoIdentity, [
                    gsa,
                    member("wi", "roles/iam.workloadIdentityUser", "okd-builds/okd-pipeline"),
                    member("viewer", "roles/iam.serviceAccountViewer", "okd-builds/okd-build"),
                ]),
                ["gsa is bound to okd-builds/okd-pipeline, which holds no identity (not in identitySubjects)"],
            );
        });
    });

    describe("promoted-writers", () => {
        const repo = (path: string) => res(t.aws.ecrRepository, `repo-${path}`, { name: `okd/${path}` });
        const bucket = res(t.aws.bucket, "artifacts", { bucket: "okd-artifacts-1-us-east-1" });
        const roleFor = (name: string, namespace: string, sa: string, statements: unknown[]) => {
            const role = res(t.aws.iamRole, name, {});
            return [
                role,
                res(t.aws.eksPodIdentity, `${name}-pia`, { namespace, serviceAccount: sa }, { dependsOn: [role] }),
                res(
                    t.aws.iamRolePolicy,
                    `${name}-policy`,
                    { policy: JSON.stringify({ Statement: statements }) },
                    { dependsOn: [role] },
                ),
            ];
        };
        const push = (path: string) => ({
            Effect: "Allow",
            Action: ["ecr:PutImage", "ecr:UploadLayerPart"],
            Resource: `arn:aws:ecr:us-east-1:1:repository/okd/${path}`,
        });
        const putObject = (resource: string) => ({ Effect: "Allow", Action: ["s3:PutObject"], Resource: resource });

        it("fails the one pipeline role that builds, signs and promotes: it can push promoted releases and write records", () => {
            const old = roleFor("pipeline", "okd-builds", "okd-pipeline", [
                push("promoted"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/*"),
            ]);
            assert.deepEqual(violations(promotedWriters, [repo("promoted"), bucket, ...old]), [
                "pipeline-policy lets okd-builds/okd-pipeline push a promoted repository; only okd-release/okd-promote may",
                "pipeline-policy lets okd-builds/okd-pipeline write release records (releases/); only okd-builds/okd-records may",
                "pipeline-policy lets okd-builds/okd-pipeline write promoted state (promoted/); only okd-release/okd-promote may",
            ]);
        });

        it("fails a wildcard repository a build identity could push promoted releases through", () => {
            const build = roleFor("build", "okd-release", "okd-registry-token", [push("*")]);
            assert.equal(violations(promotedWriters, [repo("promoted-content"), ...build]).length, 1);
        });

        it("judges each S3 write an identity of a watched namespace (tekton-chains among them) holds", () => {
            for (const action of ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"]) {
                const chains = roleFor("chains", "tekton-chains", "tekton-chains-controller", [
                    { Effect: "Allow", Action: [action], Resource: "arn:aws:s3:::okd-artifacts-1-us-east-1/*" },
                ]);
                assert.deepEqual(
                    violations(promotedWriters, [bucket, ...chains]),
                    [
                        "chains-policy lets tekton-chains/tekton-chains-controller write release records (releases/); only okd-builds/okd-records may",
                        "chains-policy lets tekton-chains/tekton-chains-controller write promoted state (promoted/); only okd-release/okd-promote may",
                    ],
                    action,
                );
            }
            const other = roleFor("other", "monitoring", "prometheus", [
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/*"),
            ]);
            assert.deepEqual(violations(promotedWriters, [bucket, ...other]), []);
        });

        it("passes promotion pushing promoted releases and writing promoted/, records writing records and logs", () => {
            const promote = roleFor("promote", "okd-release", "okd-promote", [
                push("promoted"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/promoted/*"),
            ]);
            const records = roleFor("records", "okd-builds", "okd-records", [
                push("release"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/releases/*"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/logs/*"),
            ]);
            assert.deepEqual(
                violations(promotedWriters, [repo("promoted"), repo("release"), bucket, ...promote, ...records]),
                [],
            );
        });

        it("fails records writing the promoted state, and promotion writing the records (issue 10)", () => {
            const records = roleFor("records", "okd-builds", "okd-records", [
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/promoted/*"),
            ]);
            const promote = roleFor("promote", "okd-release", "okd-promote", [
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/releases/*"),
            ]);
            assert.deepEqual(violations(promotedWriters, [bucket, ...records, ...promote]), [
                "records-policy lets okd-builds/okd-records write promoted state (promoted/); only okd-release/okd-promote may",
                "promote-policy lets okd-release/okd-promote write release records (releases/); only okd-builds/okd-records may",
            ]);
        });

        it('reads push and object writes as IAM matches them: wildcards anywhere, any case, Resource "*"', () => {
            const build = roleFor("build", "okd-release", "okd-registry-token", [
                { Effect: "Allow", Action: "ECR:put*", Resource: "arn:aws:ecr:us-east-1:1:repository/okd/promoted" },
                { Effect: "Allow", Action: "s3:*Object", Resource: "*" },
            ]);
            assert.deepEqual(violations(promotedWriters, [repo("promoted"), bucket, ...build]), [
                "build-policy lets okd-release/okd-registry-token push a promoted repository; only okd-release/okd-promote may",
                "build-policy lets okd-release/okd-registry-token write release records (releases/); only okd-builds/okd-records may",
                "build-policy lets okd-release/okd-registry-token write promoted state (promoted/); only okd-release/okd-promote may",
            ]);
            const admin = roleFor("admin", "okd-builds", "okd-e2e", [{ Effect: "Allow", Action: "*", Resource: "*" }]);
            assert.equal(violations(promotedWriters, [repo("promoted-content"), bucket, ...admin]).length, 3);
        });

        it("passes reads, Deny statements, other repositories and buckets, and roles outside the pipeline namespaces", () => {
            const build = roleFor("build", "okd-release", "okd-registry-token", [
                { Effect: "Deny", Action: "ecr:PutImage", Resource: "*" },
                { Effect: "Deny", Action: "s3:PutObject", Resource: "*" },
                { Effect: "Allow", Action: ["ecr:BatchGetImage", "s3:GetObject"], Resource: "*" },
                push("release"),
                putObject("arn:aws:s3:::okd-logs-1/*"),
                { Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:s3:::okd/promoted" },
            ]);
            const autoscaler = roleFor("autoscaler", "kube-system", "cluster-autoscaler", [
                push("promoted"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/*"),
            ]);
            const others = [
                res(t.aws.ecrRepository, "mirror", { name: "okd/promoted-mirror" }),
                res(t.aws.ecrRepository, "unnamed", { name: UNKNOWN }),
                res(t.aws.bucketV2, "logs", { bucket: "okd-logs-1" }),
                res(t.aws.bucketV2, "later", { bucket: UNKNOWN }),
            ];
            const result = run(promotedWriters, [repo("promoted"), bucket, ...build, ...autoscaler, ...others]);
            assert.deepEqual(result.violations, []);
            assert.deepEqual(result.notEvaluated, []);
        });

        it("names every subject of a role, and lists a pipeline role's policy known only after apply", () => {
            const role = res(t.aws.iamRole, "shared", {});
            const pia = (sa: string) =>
                res(
                    t.aws.eksPodIdentity,
                    `pia-${sa}`,
                    { namespace: "okd-release", serviceAccount: sa },
                    { dependsOn: [role] },
                );
            const policy = res(
                t.aws.iamRolePolicy,
                "shared-policy",
                { policy: JSON.stringify({ Statement: [push("promoted")] }) },
                { dependsOn: [role] },
            );
            assert.deepEqual(
                violations(promotedWriters, [repo("promoted"), role, pia("okd-promote"), pia("okd-x"), policy]),
                [
                    "shared-policy lets okd-release/okd-promote, okd-release/okd-x push a promoted repository; only okd-release/okd-promote may",
                ],
            );
            const later = res(t.aws.iamRolePolicy, "later", { policy: UNKNOWN }, { dependsOn: [role] });
            const result = run(promotedWriters, [role, pia("okd-promote"), later]);
            assert.deepEqual(
                result.notEvaluated.map((v) => [v.urn, v.message]),
                [[later.urn, "later: a pipeline role's policy is only known after apply"]],
            );
        });

        it("fails a GCP account other than promotion's writing the releases repository, or any unconditional object write", () => {
            const gsa = res(t.gcp.serviceAccount, "pipeline-gsa", {});
            const wi = res(
                t.gcp.serviceAccountIamMember,
                "pipeline-wi",
                {
                    role: "roles/iam.workloadIdentityUser",
                    member: "serviceAccount:p.svc.id.goog[okd-builds/okd-pipeline]",
                },
                { dependsOn: [gsa] },
            );
            const writer = res(
                t.gcp.arIamMember,
                "pipeline-push-releases",
                { role: "roles/artifactregistry.writer", repository: "okd-releases", member: UNKNOWN },
                { dependsOn: [gsa] },
            );
            const objects = res(
                t.gcp.bucketIamMember,
                "pipeline-artifacts",
                { role: "roles/storage.objectUser", bucket: "b", member: UNKNOWN },
                { dependsOn: [gsa] },
            );
            assert.deepEqual(violations(promotedWriters, [gsa, wi, writer, objects]), [
                "pipeline-push-releases lets okd-builds/okd-pipeline write the promoted releases' repository; only okd-release/okd-promote may",
                "pipeline-artifacts lets okd-builds/okd-pipeline write every object of the bucket; scope it with a condition on the object name",
            ]);
        });

        it("fails an Azure blob writer without a path condition", () => {
            const identity = res(t.azure.identity, "pipeline-id", {});
            const fic = res(
                t.azure.federatedCredential,
                "pipeline-fic",
                { subject: "system:serviceaccount:okd-builds:okd-pipeline" },
                { dependsOn: [identity] },
            );
            const writer = res(
                t.azure.roleAssignment,
                "pipeline-artifacts-writer",
                {
                    roleDefinitionId:
                        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe",
                },
                { dependsOn: [identity] },
            );
            assert.deepEqual(violations(promotedWriters, [identity, fic, writer]), [
                "pipeline-artifacts-writer lets okd-builds/okd-pipeline write every blob; add an ABAC condition on the blob path",
            ]);
        });

        describe("GCP grants by role, repository and condition", () => {
            const account = (sa: string) => {
                const gsa = res(t.gcp.serviceAccount, `${sa}-gsa`, {});
                const wi = res(
                    t.gcp.serviceAccountIamMember,
                    `${sa}-wi`,
                    { role: "roles/iam.workloadIdentityUser", member: `serviceAccount:p.svc.id.goog[${sa}]` },
                    { dependsOn: [gsa] },
                );
                return [gsa, wi];
            };
            const ar = (name: string, gsa: ReturnType<typeof res>, role: string, repository: string) =>
                res(t.gcp.arIamMember, name, { role, repository, member: UNKNOWN }, { dependsOn: [gsa] });
            const gcs = (name: string, gsa: ReturnType<typeof res>, role: string, condition?: unknown) =>
                res(
                    t.gcp.bucketIamMember,
                    name,
                    { role, bucket: "b", member: UNKNOWN, ...(condition === undefined ? {} : { condition }) },
                    { dependsOn: [gsa] },
                );

            it("fails each bucket write role granted on every object, and passes a reader", () => {
                const [gsa, wi] = account("okd-builds/okd-pipeline");
                for (const role of [
                    "roles/storage.objectUser",
                    "roles/storage.objectCreator",
                    "roles/storage.objectAdmin",
                    "roles/storage.admin",
                    "roles/storage.legacyBucketWriter",
                    "roles/storage.legacyBucketOwner",
                ]) {
                    assert.deepEqual(
                        violations(promotedWriters, [gsa, wi, gcs("logs", gsa, role)]),
                        [
                            "logs lets okd-builds/okd-pipeline write every object of the bucket; scope it with a condition on the object name",
                        ],
                        role,
                    );
                }
                assert.deepEqual(
                    violations(promotedWriters, [gsa, wi, gcs("logs", gsa, "roles/storage.objectViewer")]),
                    [],
                );
            });

            it("lets promotion write the releases repository and promoted/, records write records, and scoped logs pass", () => {
                const [promote, promoteWi] = account("okd-release/okd-promote");
                const [records, recordsWi] = account("okd-builds/okd-records");
                const releasesPrefix = {
                    expression: 'resource.name.startsWith("projects/_/buckets/b/objects/releases/")',
                };
                const promotedPrefix = {
                    expression:
                        'resource.name.startsWith("projects/_/buckets/b/objects/promoted/") || resource.name.startsWith("projects/_/buckets/b/objects/notes/")',
                };
                const result = run(promotedWriters, [
                    promote,
                    promoteWi,
                    records,
                    recordsWi,
                    ar("promote-push", promote, "roles/artifactregistry.writer", "okd-releases"),
                    ar("records-push", records, "roles/artifactregistry.writer", "okd-nightlies"),
                    ar("records-read", records, "roles/artifactregistry.reader", "okd-releases"),
                    gcs("promote-promoted", promote, "roles/storage.objectUser", promotedPrefix),
                    gcs("records-records", records, "roles/storage.objectCreator", releasesPrefix),
                    gcs("records-read", records, "roles/storage.objectViewer"),
                ]);
                assert.deepEqual(result.violations, []);
                assert.deepEqual(result.notEvaluated, []);
            });

            it("fails another identity writing records, and lists grants known only after apply", () => {
                const [build, buildWi] = account("okd-release/okd-registry-token");
                const [outside, outsideWi] = account("kube-system/cluster-autoscaler");
                const releases = { expression: 'resource.name.startsWith("projects/_/buckets/b/objects/releases/")' };
                const logs = { expression: 'resource.name.startsWith("projects/_/buckets/b/objects/logs/")' };
                const result = run(promotedWriters, [
                    build,
                    buildWi,
                    outside,
                    outsideWi,
                    gcs("build-records", build, "roles/storage.objectAdmin", releases),
                    gcs("build-logs", build, "roles/storage.objectAdmin", logs),
                    gcs("build-later", build, "roles/storage.objectAdmin", { expression: UNKNOWN }),
                    gcs("build-role-later", build, UNKNOWN),
                    ar("build-ar-later", build, UNKNOWN, "okd-releases"),
                    ar("build-repo-later", build, "roles/artifactregistry.writer", UNKNOWN),
                    ar("outside-push", outside, "roles/artifactregistry.admin", "okd-releases"),
                    gcs("outside-objects", outside, "roles/storage.admin"),
                ]);
                assert.deepEqual(
                    result.violations.map((v) => v.message),
                    [
                        "build-records lets okd-release/okd-registry-token write release records (releases/); only okd-builds/okd-records may",
                    ],
                );
                assert.deepEqual(
                    result.notEvaluated.map((v) => v.message),
                    [
                        "build-ar-later: its role or repository is only known after apply",
                        "build-repo-later: its role or repository is only known after apply",
                        "build-later: its condition is only known after apply",
                    ],
                );
            });
        });

        it("fails a GCP records grant that reaches promoted/, and a promotion grant on releases/", () => {
            const gsa = (sa: string) => res(t.gcp.serviceAccount, `${sa}-gsa`, {});
            const wi = (sa: string, g: ReturnType<typeof res>) =>
                res(
                    t.gcp.serviceAccountIamMember,
                    `${sa}-wi`,
                    { role: "roles/iam.workloadIdentityUser", member: `serviceAccount:p.svc.id.goog[${sa}]` },
                    { dependsOn: [g] },
                );
            const records = gsa("okd-builds/okd-records");
            const promote = gsa("okd-release/okd-promote");
            const grant = (name: string, g: ReturnType<typeof res>, prefix: string) =>
                res(
                    t.gcp.bucketIamMember,
                    name,
                    {
                        role: "roles/storage.objectUser",
                        bucket: "b",
                        member: UNKNOWN,
                        condition: { expression: `resource.name.startsWith("projects/_/buckets/b/objects/${prefix}")` },
                    },
                    { dependsOn: [g] },
                );
            assert.deepEqual(
                violations(promotedWriters, [
                    records,
                    wi("okd-builds/okd-records", records),
                    promote,
                    wi("okd-release/okd-promote", promote),
                    // "p" covers promoted/ as startsWith does.
                    grant("records-p", records, "p"),
                    grant("promote-releases", promote, "releases/"),
                ]),
                [
                    "records-p lets okd-builds/okd-records write promoted state (promoted/); only okd-release/okd-promote may",
                    "promote-releases lets okd-release/okd-promote write release records (releases/); only okd-builds/okd-records may",
                ],
            );
        });

        describe("Azure role assignments", () => {
            const identityFor = (sa: string) => {
                const identity = res(t.azure.identity, `${sa}-id`, {});
                const fic = res(
                    t.azure.federatedCredential,
                    `${sa}-fic`,
                    { subject: `system:serviceaccount:${sa.replace("/", ":")}` },
                    { dependsOn: [identity] },
                );
                return [identity, fic];
            };
            const assign = (name: string, identity: ReturnType<typeof res>, role: string, condition?: string) =>
                res(
                    t.azure.roleAssignment,
                    name,
                    {
                        roleDefinitionId:
                            role === UNKNOWN
                                ? UNKNOWN
                                : `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${role}`,
                        ...(condition === undefined ? {} : { condition }),
                    },
                    { dependsOn: [identity] },
                );
            const contributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
            const owner = "B7E6DC6D-F1E8-4753-8033-0F276BB0955B";
            const releases =
                "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'releases/'";
            const logs =
                "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'logs/'";

            it("fails another identity writing release records and lists a role known only after apply", () => {
                const [build, buildFic] = identityFor("okd-release/okd-registry-token");
                const [records, recordsFic] = identityFor("okd-builds/okd-records");
                const [outside, outsideFic] = identityFor("kube-system/cluster-autoscaler");
                const result = run(promotedWriters, [
                    build,
                    buildFic,
                    records,
                    recordsFic,
                    outside,
                    outsideFic,
                    assign("build-records", build, owner, releases),
                    assign("build-logs", build, contributor, logs),
                    assign("build-reader", build, "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"),
                    assign("build-later", build, UNKNOWN),
                    assign("records-records", records, contributor, releases),
                    assign("outside-blobs", outside, contributor),
                ]);
                assert.deepEqual(
                    result.violations.map((v) => v.message),
                    [
                        "build-records lets okd-release/okd-registry-token write release records (releases/); only okd-builds/okd-records may",
                    ],
                );
                assert.deepEqual(
                    result.notEvaluated.map((v) => v.message),
                    ["build-later: its role is only known after apply"],
                );
            });

            it("fails records writing promoted/ and promotion writing releases/", () => {
                const [records, recordsFic] = identityFor("okd-builds/okd-records");
                const [promote, promoteFic] = identityFor("okd-release/okd-promote");
                const promoted =
                    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith 'promoted/'";
                assert.deepEqual(
                    violations(promotedWriters, [
                        records,
                        recordsFic,
                        promote,
                        promoteFic,
                        assign("records-promoted", records, contributor, `(${releases}) OR (${promoted})`),
                        assign("promote-promoted", promote, contributor, promoted),
                        assign("promote-releases", promote, contributor, releases),
                    ]),
                    [
                        "records-promoted lets okd-builds/okd-records write promoted state (promoted/); only okd-release/okd-promote may",
                        "promote-releases lets okd-release/okd-promote write release records (releases/); only okd-builds/okd-records may",
                    ],
                );
            });
        });
    });

    describe("build-push-scoped", () => {
        const awsBuild = (resources: string[]) => {
            const role = res(t.aws.iamRole, "build", {});
            return [
                role,
                res(
                    t.aws.eksPodIdentity,
                    "build-pia",
                    { namespace: "okd-release", serviceAccount: "okd-registry-token" },
                    { dependsOn: [role] },
                ),
                res(
                    t.aws.iamRolePolicy,
                    "build-policy",
                    {
                        policy: JSON.stringify({
                            Statement: [
                                { Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                                { Effect: "Allow", Action: ["ecr:PutImage"], Resource: resources },
                            ],
                        }),
                    },
                    { dependsOn: [role] },
                ),
            ];
        };
        const arn = (repo: string) => `arn:aws:ecr:us-east-1:1:repository/${repo}`;

        it("fails an AWS build role that can push the release repository (the tools image) or any repository", () => {
            assert.deepEqual(violations(buildPushScoped, awsBuild([arn("okd/components"), arn("okd/release")])), [
                `build-policy lets the build identity (okd-release/okd-registry-token) push ${arn("okd/release")}; only the build repositories (components, machine-os) may be pushed with the builds' token`,
            ]);
            assert.equal(violations(buildPushScoped, awsBuild([arn("okd/*")])).length, 1);
        });

        it("passes an AWS build role that pushes the components and machine-os repositories only", () => {
            assert.deepEqual(violations(buildPushScoped, awsBuild([arn("okd/components"), arn("okd/machine-os")])), []);
        });

        const gcp = (repository: string, role = "roles/artifactregistry.writer") => {
            const gsa = res(t.gcp.serviceAccount, "build-gsa", {});
            return [
                gsa,
                res(
                    t.gcp.serviceAccountIamMember,
                    "build-wi",
                    {
                        role: "roles/iam.workloadIdentityUser",
                        member: "serviceAccount:p.svc.id.goog[okd-release/okd-registry-token]",
                    },
                    { dependsOn: [gsa] },
                ),
                res(
                    t.gcp.arIamMember,
                    `build-${repository}`,
                    { role, repository, member: UNKNOWN },
                    { dependsOn: [gsa] },
                ),
            ];
        };

        it("fails the GCP build account writing the shared nightly repository (today's layout), passes builds only", () => {
            assert.deepEqual(violations(buildPushScoped, gcp("okd-nightly")), [
                "build-okd-nightly lets the build identity (okd-release/okd-registry-token) write okd-nightly; it may write only the builds repository (<prefix>-builds), or its token moves the tools image's and payloads' tags",
            ]);
            assert.deepEqual(violations(buildPushScoped, gcp("okd-builds")), []);
            assert.deepEqual(violations(buildPushScoped, gcp("okd-nightly", "roles/artifactregistry.reader")), []);
        });

        const azure = (guid: string) => {
            const identity = res(t.azure.identity, "build-id", {});
            return [
                identity,
                res(
                    t.azure.federatedCredential,
                    "build-fic",
                    { subject: "system:serviceaccount:okd-release:okd-registry-token" },
                    { dependsOn: [identity] },
                ),
                res(
                    t.azure.roleAssignment,
                    "build-acr",
                    { roleDefinitionId: `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${guid}` },
                    { dependsOn: [identity] },
                ),
            ];
        };

        it("fails AcrPush on the Azure build identity (registry-wide), passes the token minter role", () => {
            assert.deepEqual(violations(buildPushScoped, azure("8311e382-0749-4cb8-b61a-304f252e45ec")), [
                "build-acr gives the build identity (okd-release/okd-registry-token) a registry-wide push role; it may only generate passwords of the scope-mapped build token",
            ]);
            assert.deepEqual(violations(buildPushScoped, azure("token-minter-guid")), []);
        });

        it("judges a custom role by its actions when its id is known only after apply", () => {
            const withRole = (actions: string[]) => {
                const [identity, fic] = azure("x");
                const definition = res(t.azure.roleDefinition, "build-role", { permissions: [{ actions }] });
                const assignment = res(
                    t.azure.roleAssignment,
                    "build-token-minter",
                    { roleDefinitionId: UNKNOWN },
                    { dependsOn: [identity, definition] },
                );
                return [identity, fic, definition, assignment];
            };
            assert.deepEqual(
                violations(
                    buildPushScoped,
                    withRole([
                        "Microsoft.ContainerRegistry/registries/read",
                        "Microsoft.ContainerRegistry/registries/tokens/read",
                        "Microsoft.ContainerRegistry/registries/generateCredentials/action",
                    ]),
                ),
                [],
            );
            for (const action of [
                "Microsoft.ContainerRegistry/registries/push/write",
                "Microsoft.ContainerRegistry/registries/tokens/write",
                "Microsoft.ContainerRegistry/registries/scopeMaps/write",
                "Microsoft.ContainerRegistry/*",
            ]) {
                assert.equal(violations(buildPushScoped, withRole([action])).length, 1, action);
            }
        });

        it("ignores the other identities' registry-wide push", () => {
            const identity = res(t.azure.identity, "records-id", {});
            const fic = res(
                t.azure.federatedCredential,
                "records-fic",
                { subject: "system:serviceaccount:okd-builds:okd-records" },
                { dependsOn: [identity] },
            );
            const push = res(
                t.azure.roleAssignment,
                "records-acr",
                {
                    roleDefinitionId:
                        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8311e382-0749-4cb8-b61a-304f252e45ec",
                },
                { dependsOn: [identity] },
            );
            assert.deepEqual(violations(buildPushScoped, [identity, fic, push]), []);
        });
    });

    describe("mirror-credentials-promote-only", () => {
        const secret = (namespace: string) =>
            res(t.k8s.secret, "mirror", {
                metadata: { name: "okd-mirror-credentials", namespace },
                stringData: UNKNOWN,
            });
        const task = (name: string, namespace: string, spec: unknown) =>
            res(t.tekton.task, `task-${name}`, { metadata: { name, namespace }, spec });
        const mounts = { volumes: [{ name: "m", secret: { secretName: "okd-mirror-credentials" } }] };

        it("fails the Secret linked to the pipeline ServiceAccount, in the build namespace", () => {
            const sa = res(t.k8s.serviceAccount, "pipeline-sa", {
                metadata: { name: "okd-pipeline", namespace: "okd-builds" },
                secrets: [{ name: "okd-mirror-credentials" }],
            });
            assert.deepEqual(violations(mirrorCredentialsPromoteOnly, [secret("okd-builds"), sa]), [
                "the mirror Secret is in okd-builds, beside pushed code",
                "ServiceAccount pipeline-sa links the mirror Secret: creds-init writes it into every step",
            ]);
        });

        it("fails any Task but the release namespace's promote and publish-signatures Tasks that reaches the Secret", () => {
            const only = "only okd-promote-release and okd-publish-signatures may";
            assert.deepEqual(
                violations(mirrorCredentialsPromoteOnly, [
                    secret("okd-release"),
                    task("okd-promote-release", "okd-release", mounts),
                    task("okd-publish-signatures", "okd-release", mounts),
                    task("okd-build-component", "okd-builds", {
                        steps: [{ envFrom: [{ secretRef: { name: "okd-mirror-credentials" } }] }],
                    }),
                    task("okd-promote-release", "okd-builds", mounts),
                    task("okd-publish-signatures", "okd-builds", mounts),
                ]),
                [
                    `Task okd-builds/okd-build-component reaches the mirror Secret; ${only}`,
                    `Task okd-builds/okd-promote-release reaches the mirror Secret; ${only}`,
                    `Task okd-builds/okd-publish-signatures reaches the mirror Secret; ${only}`,
                ],
            );
        });

        it("fails Pipelines and TriggerTemplates that name the Secret, reading around values known only after apply", () => {
            const only = "only okd-promote-release and okd-publish-signatures may";
            const pipeline = res(t.tekton.pipeline, "pipeline", {
                metadata: { name: "okd-release", namespace: "okd-release" },
                spec: {
                    params: [{ name: "host", default: UNKNOWN }],
                    workspaces: [{ name: "okd-mirror-credentials-x" }],
                    tasks: [{ secret: "okd-mirror-credentials" }],
                },
            });
            const template = res(t.tekton.triggerTemplate, "tt", {
                metadata: { name: "okd-release", namespace: "okd-release" },
                spec: { resourcetemplates: [{ spec: { podTemplate: { volumes: [mounts.volumes[0]] } } }] },
            });
            const clean = task("okd-build", "okd-builds", {
                steps: [
                    {
                        env: [
                            { name: "HOST", value: UNKNOWN },
                            { name: "N", value: null },
                            { name: "M", value: 3 },
                        ],
                    },
                ],
            });
            const otherSa = res(t.k8s.serviceAccount, "records-sa", {
                metadata: { name: "okd-records", namespace: "okd-builds" },
                secrets: [{ name: "okd-records-token" }],
            });
            const pulls = res(t.k8s.serviceAccount, "promote-sa", {
                metadata: { name: "okd-promote", namespace: "okd-release" },
                imagePullSecrets: [{ name: "okd-mirror-credentials" }],
            });
            const otherSecret = res(t.k8s.secret, "other", {
                metadata: { name: "okd-webhook", namespace: "okd-builds" },
            });
            assert.deepEqual(
                violations(mirrorCredentialsPromoteOnly, [
                    secret("okd-release"),
                    otherSecret,
                    pipeline,
                    template,
                    clean,
                    otherSa,
                    pulls,
                ]),
                [
                    "ServiceAccount promote-sa links the mirror Secret: creds-init writes it into every step",
                    `Pipeline okd-release/okd-release reaches the mirror Secret; ${only}`,
                    `TriggerTemplate okd-release/okd-release reaches the mirror Secret; ${only}`,
                ],
            );
        });
    });

    describe("chains-signs-with-kms", () => {
        const cluster = res(t.aws.eksCluster, "cluster", {});
        const config = (data: Record<string, string>) =>
            res(t.k8s.configMapPatch, "chains-config", {
                metadata: { name: "chains-config", namespace: "tekton-chains" },
                data,
            });

        it("fails a cloud stack whose Chains signs with a key in a Secret", () => {
            const secret = res(t.k8s.secretPatch, "signing", {
                metadata: { name: "signing-secrets" },
                stringData: UNKNOWN,
            });
            const found = violations(chainsSignsWithKms, [
                cluster,
                config({
                    "artifacts.taskrun.signer": "x509",
                    "artifacts.pipelinerun.signer": "x509",
                    "artifacts.oci.signer": "x509",
                }),
                secret,
            ]);
            assert.deepEqual(found, [
                "chains-config signs taskrun artifacts with x509, not kms",
                "chains-config signs pipelinerun artifacts with x509, not kms",
                "chains-config signs oci artifacts with x509, not kms",
                "chains-config names no signers.kms.kmsref",
                "signing puts a Chains key in a Secret, which the Triggers interceptors can read",
            ]);
        });

        it("fails a cloud stack without a chains-config patch, and names the default signer of a key left unset", () => {
            const other = res(t.k8s.configMapPatch, "feature-flags", {
                metadata: { name: "feature-flags", namespace: "tekton-pipelines" },
                data: { "artifacts.taskrun.signer": "kms" },
            });
            const otherSecret = res(t.k8s.secret, "webhook", {
                metadata: { name: "okd-webhook" },
                stringData: UNKNOWN,
            });
            assert.deepEqual(violations(chainsSignsWithKms, [cluster, other, otherSecret]), [
                "no chains-config patch: Chains would sign with the x509 key of a Secret",
            ]);
            const gke = res(t.gcp.gkeCluster, "gke", {});
            assert.deepEqual(
                violations(chainsSignsWithKms, [
                    gke,
                    config({
                        "artifacts.taskrun.signer": "kms",
                        "artifacts.oci.signer": "kms",
                        "signers.kms.kmsref": "gcpkms://k",
                    }),
                ]),
                ["chains-config signs pipelinerun artifacts with x509 (the default), not kms"],
            );
            assert.equal(violations(chainsSignsWithKms, [res(t.azure.aksCluster, "aks", {})]).length, 1);
        });

        it("passes KMS signing on a cloud, and a Secret key on a stack without a cloud cluster", () => {
            const kms = config({
                "artifacts.taskrun.signer": "kms",
                "artifacts.pipelinerun.signer": "kms",
                "artifacts.oci.signer": "kms",
                "signers.kms.kmsref": "awskms:///alias/x",
            });
            assert.deepEqual(violations(chainsSignsWithKms, [cluster, kms]), []);
            assert.deepEqual(violations(chainsSignsWithKms, [config({ "artifacts.taskrun.signer": "x509" })]), []);
        });
    });

    describe("listener-least-privilege and listener-runs-admitted", () => {
        const listener = res(t.tekton.eventListener, "el", {
            metadata: { name: "okd-github", namespace: "okd-builds" },
            spec: { serviceAccountName: "okd-triggers" },
        });
        const subjects = [{ kind: "ServiceAccount", name: "okd-triggers", namespace: "okd-builds" }];

        it("fails Triggers' own eventlistener roles and a Role reading every Secret", () => {
            const upstream = res(t.k8s.roleBinding, "listener-binding", {
                metadata: { namespace: "okd-builds" },
                roleRef: { kind: "ClusterRole", name: "tekton-triggers-eventlistener-roles" },
                subjects,
            });
            const role = res(t.k8s.role, "secrets-role", {
                metadata: { name: "okd-triggers-secrets", namespace: "okd-builds" },
                rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }],
            });
            const binding = res(t.k8s.roleBinding, "secrets-binding", {
                metadata: { namespace: "okd-builds" },
                roleRef: { kind: "Role", name: "okd-triggers-secrets" },
                subjects,
            });
            assert.deepEqual(violations(listenerLeastPrivilege, [listener, upstream, role, binding]), [
                "listener-binding binds the listener to tekton-triggers-eventlistener-roles, which reads Secrets or creates TaskRuns and impersonates",
                "secrets-binding gives the listener Secrets through Role okd-triggers-secrets",
            ]);
        });

        it("reads each rule of the role the binding names, by kind, and only bindings of the listener", () => {
            const clusterRole = res(t.k8s.clusterRole, "cluster-wide", {
                metadata: { name: "okd-triggers" },
                rules: [
                    { apiGroups: ["tekton.dev"], resources: ["taskruns", "pipelineruns"], verbs: ["create"] },
                    { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] },
                    { apiGroups: ["*"], resources: ["configmaps"], verbs: ["*"] },
                    { apiGroups: [""], resources: ["*"], verbs: ["get"] },
                ],
            });
            // A Role of the same name: what a RoleBinding to kind Role would mean.
            const role = res(t.k8s.role, "namespaced", {
                metadata: { name: "okd-triggers", namespace: "okd-builds" },
                rules: [{ apiGroups: ["triggers.tekton.dev"], resources: ["triggers"], verbs: ["get", "list"] }],
            });
            const binding = (name: string, roleRef: object, bindingSubjects: object[], namespace = "okd-builds") =>
                res(t.k8s.roleBinding, name, { metadata: { namespace }, roleRef, subjects: bindingSubjects });
            const toCluster = { kind: "ClusterRole", name: "okd-triggers" };
            const toRole = { kind: "Role", name: "okd-triggers" };
            const other = { kind: "ServiceAccount", name: "okd-records", namespace: "okd-builds" };
            assert.deepEqual(
                violations(listenerLeastPrivilege, [
                    listener,
                    clusterRole,
                    role,
                    binding("cluster", toCluster, [other, ...subjects]),
                    binding("namespaced", toRole, subjects),
                    // The namespace of a subject defaults to the binding's.
                    binding("implicit-ns", toCluster, [{ kind: "ServiceAccount", name: "okd-triggers" }]),
                    binding("other-ns", toCluster, [{ kind: "ServiceAccount", name: "okd-triggers" }], "default"),
                    binding("other-sa", toCluster, [other]),
                    binding("user", toCluster, [{ kind: "User", name: "okd-triggers", namespace: "okd-builds" }]),
                ]),
                [
                    "cluster gives the listener TaskRuns through ClusterRole okd-triggers",
                    "cluster gives the listener impersonation through ClusterRole okd-triggers",
                    "cluster gives the listener a wildcard through ClusterRole okd-triggers",
                    "cluster gives the listener a wildcard through ClusterRole okd-triggers",
                    "implicit-ns gives the listener TaskRuns through ClusterRole okd-triggers",
                    "implicit-ns gives the listener impersonation through ClusterRole okd-triggers",
                    "implicit-ns gives the listener a wildcard through ClusterRole okd-triggers",
                    "implicit-ns gives the listener a wildcard through ClusterRole okd-triggers",
                ],
            );
            // An EventListener without a ServiceAccount binds nothing to check.
            const anonymous = res(t.tekton.eventListener, "anon", { metadata: { namespace: "okd-builds" }, spec: {} });
            assert.deepEqual(
                violations(listenerLeastPrivilege, [anonymous, clusterRole, binding("cluster", toCluster, subjects)]),
                [],
            );
            assert.deepEqual(
                violations(listenerLeastPrivilege, [
                    listener,
                    res(t.k8s.clusterRoleBinding, "upstream", {
                        roleRef: { kind: "ClusterRole", name: "tekton-triggers-eventlistener-clusterroles" },
                        subjects,
                    }),
                ]),
                [
                    "upstream binds the listener to tekton-triggers-eventlistener-clusterroles, which reads Secrets or creates TaskRuns and impersonates",
                ],
            );
        });

        it("fails a listener no admission policy holds, and a run namespace without a PipelineRun quota", () => {
            const template = res(t.tekton.triggerTemplate, "tt", {
                metadata: { namespace: "okd-builds" },
                spec: { resourcetemplates: [{ kind: "PipelineRun", metadata: {} }] },
            });
            assert.deepEqual(violations(listenerRunsAdmitted, [listener, template]), [
                "no ValidatingAdmissionPolicy matches the PipelineRuns system:serviceaccount:okd-builds:okd-triggers creates",
                "namespace okd-builds bounds no PipelineRun count (count/pipelineruns.tekton.dev)",
            ]);
        });

        it("holds every other ServiceAccount a Role lets create PipelineRuns (the reaper's starter) to a policy and a quota", () => {
            const role = res(t.k8s.role, "starter-role", {
                metadata: { name: "okd-cluster-reaper", namespace: "okd-builds" },
                rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list", "create"] }],
            });
            const binding = res(t.k8s.roleBinding, "starter-binding", {
                metadata: { name: "okd-cluster-reaper", namespace: "okd-builds" },
                roleRef: { kind: "Role", name: "okd-cluster-reaper" },
                subjects: [{ kind: "ServiceAccount", name: "okd-cluster-reaper", namespace: "okd-release" }],
            });
            assert.deepEqual(violations(listenerRunsAdmitted, [role, binding]), [
                "no ValidatingAdmissionPolicy matches the PipelineRuns system:serviceaccount:okd-release:okd-cluster-reaper creates",
                "namespace okd-builds bounds no PipelineRun count (count/pipelineruns.tekton.dev)",
            ]);
            const policy = res(t.k8s.validatingAdmissionPolicy, "vap", {
                metadata: { name: "r" },
                spec: {
                    matchConditions: [
                        {
                            expression:
                                "request.userInfo.username == 'system:serviceaccount:okd-release:okd-cluster-reaper'",
                        },
                    ],
                },
            });
            const deny = res(t.k8s.validatingAdmissionPolicyBinding, "vapb", {
                spec: { policyName: "r", validationActions: ["Deny"] },
            });
            const quota = res(t.k8s.resourceQuota, "q", {
                metadata: { namespace: "okd-builds" },
                spec: { hard: { "count/pipelineruns.tekton.dev": "59" } },
            });
            assert.deepEqual(violations(listenerRunsAdmitted, [role, binding, policy, deny, quota]), []);
            // A Role that only reads PipelineRuns (the dispatcher's) needs none.
            const reader = res(t.k8s.role, "starter-role", {
                metadata: { name: "okd-cluster-reaper", namespace: "okd-builds" },
                rules: [{ apiGroups: ["tekton.dev"], resources: ["pipelineruns"], verbs: ["get", "list"] }],
            });
            assert.deepEqual(violations(listenerRunsAdmitted, [reader, binding]), []);
        });

        it("fails a policy that is only audited", () => {
            const policy = res(t.k8s.validatingAdmissionPolicy, "vap", {
                metadata: { name: "p" },
                spec: {
                    matchConditions: [
                        { expression: "request.userInfo.username == 'system:serviceaccount:okd-builds:okd-triggers'" },
                    ],
                },
            });
            const binding = res(t.k8s.validatingAdmissionPolicyBinding, "vapb", {
                spec: { policyName: "p", validationActions: ["Audit"] },
            });
            assert.deepEqual(violations(listenerRunsAdmitted, [listener, policy, binding]), [
                "ValidatingAdmissionPolicy p has no binding that denies",
            ]);
        });
    });

    describe("build-pods-no-instance-metadata, credential agents", () => {
        const netpol = (name: string, podSelector: unknown, to: unknown[], ports = [{ port: 80 }]) =>
            res(t.k8s.networkPolicy, name, {
                metadata: { name, namespace: "okd-builds" },
                spec: { podSelector, policyTypes: ["Egress"], egress: [{ to, ports }] },
            });

        it("fails the Pod Identity agent open to every pod of the namespace, and passes it for identity pods", () => {
            const agent = [{ ipBlock: { cidr: "169.254.170.23/32" } }];
            assert.equal(violations(buildPodsNoInstanceMetadata, [netpol("all", {}, agent)]).length, 1);
            const identity = { matchExpressions: [{ key: "okd-ci/identity", operator: "Exists" }] };
            assert.deepEqual(violations(buildPodsNoInstanceMetadata, [netpol("identity", identity, agent)]), []);
        });

        it("fails general egress that leaves the Pod Identity agent inside its range", () => {
            const web = [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.169.254/32", "168.63.129.16/32"] } }];
            assert.equal(violations(buildPodsNoInstanceMetadata, [netpol("web", {}, web, [{ port: 443 }])]).length, 1);
            const linkLocal = [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16", "168.63.129.16/32"] } }];
            assert.deepEqual(
                violations(buildPodsNoInstanceMetadata, [netpol("web", {}, linkLocal, [{ port: 443 }])]),
                [],
            );
        });
    });
});
