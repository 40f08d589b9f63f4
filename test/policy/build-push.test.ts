/**
 * build-push-scoped, case by case: whose grants it judges, which statements, members and role assignments push,
 * and what it cannot judge before apply. (identity.test.ts has the stack-shaped cases.)
 */
import * as assert from "node:assert/strict";

import { buildPushScoped } from "../../policy/rules";
import { t } from "../../policy/types";
import { UNKNOWN, res, run, violations } from "./fixtures";

const build = "okd-release/okd-registry-token";
const records = "okd-builds/okd-records";
const only = "only the build repositories (components, machine-os) may be pushed with the builds' token";
const arn = (repo: string) => `arn:aws:ecr:us-east-1:1:repository/${repo}`;
const notEvaluated = (resources: ReturnType<typeof res>[]) =>
    run(buildPushScoped, resources).notEvaluated.map((v) => v.message);

describe("policy build-push-scoped, case by case", () => {
    describe("aws", () => {
        /** An IAM role with a Pod Identity association per subject and one inline policy. */
        const aws = (policy: unknown, subjects = [build]) => {
            const role = res(t.aws.iamRole, "role", {});
            const associations = subjects.map((s, i) => {
                const [namespace, serviceAccount] = s.split("/");
                return res(t.aws.eksPodIdentity, `pia-${i}`, { namespace, serviceAccount }, { dependsOn: [role] });
            });
            const document = typeof policy === "string" ? policy : JSON.stringify({ Statement: policy });
            return [role, ...associations, res(t.aws.iamRolePolicy, "p", { policy: document }, { dependsOn: [role] })];
        };
        const push = (Resource: unknown, extra: object = {}) => [
            { Effect: "Allow", Action: "ecr:PutImage", Resource, ...extra },
        ];

        it("judges the policies of a role the build identity may assume, whoever else may", () => {
            assert.deepEqual(violations(buildPushScoped, aws(push(arn("okd/release")), [records])), []);
            assert.deepEqual(violations(buildPushScoped, aws(push(arn("okd/release")), [records, build])), [
                `p lets the build identity (${records}, ${build}) push ${arn("okd/release")}; ${only}`,
            ]);
        });

        it("reads Allow statements that write ECR only", () => {
            assert.deepEqual(violations(buildPushScoped, aws(push(arn("okd/release"), { Effect: "Deny" }))), []);
            const read = [{ Effect: "Allow", Action: "ecr:BatchGetImage", Resource: arn("okd/release") }];
            assert.deepEqual(violations(buildPushScoped, aws(read)), []);
        });

        it("fails every resource that is not a build repository's ARN: any, another service's, a pattern", () => {
            const other = "arn:aws:codeartifact:us-east-1:1:repository/okd/components";
            assert.deepEqual(violations(buildPushScoped, aws(push(["*", other, arn("okd/compo*")]))), [
                `p lets the build identity (${build}) push *; ${only}`,
                `p lets the build identity (${build}) push ${other}; ${only}`,
                `p lets the build identity (${build}) push ${arn("okd/compo*")}; ${only}`,
            ]);
        });

        it("fails a NotAction that leaves an ECR write out, and a NotResource", () => {
            const notAction = (NotAction: string[]) => [{ Effect: "Allow", NotAction, Resource: arn("okd/release") }];
            const message = `p lets the build identity (${build}) push ${arn("okd/release")}; ${only}`;
            assert.deepEqual(violations(buildPushScoped, aws(notAction(["s3:*"]))), [message]);
            assert.deepEqual(violations(buildPushScoped, aws(notAction(["ecr:PutImage"]))), [message]);
            assert.deepEqual(violations(buildPushScoped, aws(notAction(["ecr:*"]))), []);
            assert.deepEqual(violations(buildPushScoped, aws(notAction(["s3:*", "ecr:*"]))), []);
            const everyButBuilds = [
                {
                    Effect: "Allow",
                    Action: "ecr:PutImage",
                    NotResource: [arn("okd/components"), arn("okd/machine-os")],
                },
            ];
            assert.deepEqual(violations(buildPushScoped, aws(everyButBuilds)), [
                `p lets the build identity (${build}) push every resource but ${arn("okd/components")}, ${arn("okd/machine-os")}; ${only}`,
            ]);
            assert.deepEqual(violations(buildPushScoped, aws(push(arn("okd/components")))), []);
        });

        it("leaves a policy only known after apply to the run after it, and says so", () => {
            const resources = aws(push("*")).map((r) => (r.name === "p" ? { ...r, inputs: { policy: UNKNOWN } } : r));
            assert.deepEqual(violations(buildPushScoped, resources), []);
            assert.deepEqual(notEvaluated(resources), ["p: the build role's policy is only known after apply"]);
        });
    });

    describe("gcp", () => {
        /** A Google service account, its workload identity members, and one Artifact Registry grant. */
        const gcp = (grant: object, subjects = [build]) => {
            const gsa = res(t.gcp.serviceAccount, "gsa", {});
            const members = subjects.map((s) => `serviceAccount:p.svc.id.goog[${s}]`);
            const wi = res(
                t.gcp.serviceAccountIamMember,
                "wi",
                { role: "roles/iam.workloadIdentityUser", members },
                { dependsOn: [gsa] },
            );
            const writer = { role: "roles/artifactregistry.writer", repository: "okd-nightly", member: UNKNOWN };
            return [gsa, wi, res(t.gcp.arIamMember, "ar", { ...writer, ...grant }, { dependsOn: [gsa] })];
        };
        const write = (who: string) =>
            `ar lets the build identity (${who}) write okd-nightly; it may write only the builds repository (<prefix>-builds), or its token moves the tools image's and payloads' tags`;

        it("judges the grants of an account the build identity may act as, whoever else may", () => {
            assert.deepEqual(violations(buildPushScoped, gcp({}, [records])), []);
            assert.deepEqual(violations(buildPushScoped, gcp({}, [records, build])), [write(`${records}, ${build}`)]);
        });

        it("admits a write role on the builds repository only, and each write role elsewhere fails", () => {
            assert.deepEqual(violations(buildPushScoped, gcp({ repository: "okd-builds" })), []);
            const builds = (repository: string) =>
                `ar lets the build identity (${build}) write ${repository}; it may write only the builds repository (<prefix>-builds), or its token moves the tools image's and payloads' tags`;
            assert.deepEqual(violations(buildPushScoped, gcp({ repository: "okd-builds-mirror" })), [
                builds("okd-builds-mirror"),
            ]);
            for (const role of [
                "roles/artifactregistry.writer",
                "roles/artifactregistry.repoAdmin",
                "roles/artifactregistry.admin",
                "roles/artifactregistry.createOnPushWriter",
                "roles/artifactregistry.createOnPushRepoAdmin",
            ]) {
                assert.deepEqual(violations(buildPushScoped, gcp({ role })), [write(build)], role);
            }
            assert.deepEqual(violations(buildPushScoped, gcp({ role: "roles/artifactregistry.reader" })), []);
        });

        it("leaves a role or repository only known after apply to the run after it, and says so", () => {
            for (const grant of [{ role: UNKNOWN }, { repository: UNKNOWN }]) {
                assert.deepEqual(violations(buildPushScoped, gcp(grant)), [], JSON.stringify(grant));
                assert.deepEqual(notEvaluated(gcp(grant)), ["ar: its role or repository is only known after apply"]);
            }
            assert.deepEqual(notEvaluated(gcp({})), []);
        });
    });

    describe("azure", () => {
        /** A managed identity, a federated credential per subject, and one role assignment. */
        const azure = (
            assignment: Record<string, unknown>,
            subjects = [build],
            extra: ReturnType<typeof res>[] = [],
        ) => {
            const identity = res(t.azure.identity, "id", {});
            const credentials = subjects.map((s, i) =>
                res(
                    t.azure.federatedCredential,
                    `fic-${i}`,
                    { subject: `system:serviceaccount:${s.replace("/", ":")}` },
                    { dependsOn: [identity] },
                ),
            );
            const assign = res(t.azure.roleAssignment, "acr", assignment, { dependsOn: [identity, ...extra] });
            return [identity, ...credentials, ...extra, assign];
        };
        const roleId = (guid: string) => `/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
        const wide = (who: string) =>
            `acr gives the build identity (${who}) a registry-wide push role; it may only generate passwords of the scope-mapped build token`;

        it("judges the assignments of an identity the build identity federates with, whoever else does", () => {
            const acrPush = { roleDefinitionId: roleId("8311e382-0749-4cb8-b61a-304f252e45ec") };
            assert.deepEqual(violations(buildPushScoped, azure(acrPush, [records, build])), [
                wide(`${records}, ${build}`),
            ]);
        });

        it("compares the role's GUID whatever its case, and passes an assignment without a role", () => {
            const contributor = { roleDefinitionId: roleId("B24988AC-6180-42A0-AB88-20F7382DD24C") };
            assert.deepEqual(violations(buildPushScoped, azure(contributor)), [wide(build)]);
            assert.deepEqual(violations(buildPushScoped, azure({})), []);
        });

        it("fails each built-in push role: AcrPush, Contributor, Owner; not AcrPull", () => {
            // The built-in role ids, the same in every tenant
            // (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general and .../containers).
            for (const guid of [
                "8311e382-0749-4cb8-b61a-304f252e45ec",
                "b24988ac-6180-42a0-ab88-20f7382dd24c",
                "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            ]) {
                assert.deepEqual(violations(buildPushScoped, azure({ roleDefinitionId: roleId(guid) })), [wide(build)]);
            }
            const acrPull = { roleDefinitionId: roleId("7f951dda-4ed3-4680-a7ca-43fe172d538d") };
            assert.deepEqual(violations(buildPushScoped, azure(acrPull)), []);
        });

        it("matches a custom role's actions from their start: each push action fails, the same text inside another passes", () => {
            const custom = (actions: string[]) =>
                azure(
                    { roleDefinitionId: UNKNOWN },
                    [build],
                    [res(t.azure.roleDefinition, "role", { permissions: [{ actions }] })],
                );
            const pushing = [
                "*",
                "microsoft.containerregistry/*",
                "Microsoft.ContainerRegistry/registries/*",
                "Microsoft.ContainerRegistry/registries/push/write",
                "Microsoft.ContainerRegistry/registries/tokens/write",
                "Microsoft.ContainerRegistry/registries/scopeMaps/*",
            ];
            for (const action of pushing) {
                assert.equal(violations(buildPushScoped, custom([action])).length, 1, action);
            }
            const elsewhere = [
                "Microsoft.Storage/*",
                "*/read",
                "Contoso.Provider/Microsoft.ContainerRegistry/*",
                "Contoso.Provider/Microsoft.ContainerRegistry/registries/*",
                "Contoso.Provider/Microsoft.ContainerRegistry/registries/push/write",
                "Contoso.Provider/Microsoft.ContainerRegistry/registries/tokens/write",
                "Microsoft.ContainerRegistry/registries/tokens/read",
            ];
            for (const action of elsewhere) {
                assert.deepEqual(violations(buildPushScoped, custom([action])), [], action);
            }
        });

        it("judges a custom role by any of its actions, and says what it cannot judge before apply", () => {
            const definition = (permissions: unknown) => res(t.azure.roleDefinition, "role", { permissions });
            const custom = (permissions: unknown) =>
                azure({ roleDefinitionId: UNKNOWN }, [build], [definition(permissions)]);
            const actions = [
                "Microsoft.ContainerRegistry/registries/read",
                "Microsoft.ContainerRegistry/registries/push/write",
            ];
            // An entry that is not an object grants nothing; the others are read.
            assert.deepEqual(violations(buildPushScoped, custom(["x", { actions }])), [
                `acr gives the build identity (${build}) role, which can push or manage tokens (${actions.join(", ")}); it may only generate passwords of the scope-mapped build token`,
            ]);
            assert.deepEqual(notEvaluated(custom(UNKNOWN)), ["role: its actions are only known after apply"]);
            assert.deepEqual(violations(buildPushScoped, custom(UNKNOWN)), []);
            const unknownRole = azure({ roleDefinitionId: UNKNOWN });
            assert.deepEqual(notEvaluated(unknownRole), ["acr: its role is only known after apply"]);
            assert.deepEqual(violations(buildPushScoped, unknownRole), []);
            assert.deepEqual(notEvaluated(custom([{ actions }])), []);
        });
    });
});
