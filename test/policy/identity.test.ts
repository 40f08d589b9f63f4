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
import { UNKNOWN, res, violations } from "./fixtures";

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
                "pipeline-policy lets okd-builds/okd-pipeline write release records; only okd-builds/okd-records, okd-release/okd-promote may",
            ]);
        });

        it("fails a wildcard repository a build identity could push promoted releases through", () => {
            const build = roleFor("build", "okd-release", "okd-registry-token", [push("*")]);
            assert.equal(violations(promotedWriters, [repo("promoted-content"), ...build]).length, 1);
        });

        it("passes promotion pushing promoted releases and records and logs under their prefixes", () => {
            const promote = roleFor("promote", "okd-release", "okd-promote", [
                push("promoted"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/releases/*"),
            ]);
            const records = roleFor("records", "okd-builds", "okd-records", [
                push("release"),
                putObject("arn:aws:s3:::okd-artifacts-1-us-east-1/logs/*"),
            ]);
            assert.deepEqual(
                violations(promotedWriters, [repo("promoted"), repo("release"), bucket, ...promote, ...records]),
                [],
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
            assert.equal(found.length, 5, found.join("\n"));
            assert.ok(
                found.includes("signing puts a Chains key in a Secret, which the Triggers interceptors can read"),
            );
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
