import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { AwsSite } from "../../../components/aws";
import { installerActions, installerPermissionGroups } from "../../../components/aws/installer-permissions";
import { durableRoles, expiringRoles, identitySubjects, repositoryPaths } from "../../../components/shared";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { type Json, account, inputs, policyOf, siteArgs } from "./fixtures";

const T = {
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    repo: "aws:ecr/repository:Repository",
    repoLifecycle: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    podIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    user: "aws:iam/user:User",
    policy: "aws:iam/policy:Policy",
    userAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    cluster: "aws:eks/cluster:Cluster",
    nodeGroup: "aws:eks/nodeGroup:NodeGroup",
    addon: "aws:eks/addon:Addon",
    zone: "aws:route53/zone:Zone",
    awsProvider: "pulumi:providers:aws",
    k8sProvider: "pulumi:providers:kubernetes",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    trafficSource: "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    certificate: "aws:acm/certificate:Certificate",
};

const bucketName = `okdt-artifacts-${account}-us-east-1`;
const bucketArn = `arn:aws:s3:::${bucketName}`;
const repoArn = (path: string) => `arn:aws:ecr:us-east-1:${account}:repository/okdt/${path}`;

describe("aws site", () => {
    useMocks();

    let site: AwsSite;
    before(async () => {
        const { AwsSite } = await import("../../../components/aws");
        site = new AwsSite(
            "awst",
            siteArgs({
                gates: {
                    aws: {
                        blocking: true,
                        baseDomain: "ci.okd.example.org",
                        region: "us-east-2",
                        sharedWithSite: true,
                    },
                },
            }),
        );
        await settled();
    });

    describe("provider", () => {
        it("stamps the standard tags and the stack's tags as the provider's default tags in the site's region", () => {
            const p = inputs(T.awsProvider, "awst-aws");
            assert.equal(p.region, "us-east-1");
            const tags = JSON.parse(p.defaultTags).tags;
            assert.equal(tags["managed-by"], "pulumi");
            assert.equal(tags["okd-ci-stack"], "test");
            assert.equal(tags.team, "okd-release");
        });

        it("creates every AWS resource through the site's explicit provider", () => {
            const providerRef = find(T.awsProvider, "awst-aws").urn;
            const awsResources = under("awst").filter((r) => r.type.startsWith("aws:"));
            assert.ok(awsResources.length > 40, `control: ${awsResources.length} AWS resources`);
            for (const r of awsResources) {
                assert.ok(
                    r.provider.startsWith(`${providerRef}::`),
                    `${r.type} ${r.name} uses ${r.provider || "default"}`,
                );
            }
        });
    });

    describe("artifact bucket", () => {
        it("names the bucket after the prefix, account and region", () => {
            assert.equal(inputs(T.bucket, "awst-artifacts").bucket, bucketName);
        });

        it("turns versioning on", () => {
            assert.equal(inputs(T.versioning, "awst-artifacts").versioningConfiguration.status, "Enabled");
        });

        it("encrypts objects at rest by default", () => {
            const rules = inputs(T.sse, "awst-artifacts").rules;
            assert.equal(rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        });

        it("blocks public access to the artifact bucket", () => {
            const pab = inputs(T.pab, "awst-artifacts");
            for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                assert.equal(pab[flag], true, flag);
            }
        });

        it("enforces bucket-owner ownership, which disables ACLs", () => {
            assert.equal(inputs(T.ownership, "awst-artifacts").rule.objectOwnership, "BucketOwnerEnforced");
        });

        it("denies every request that is not over TLS", () => {
            const doc = policyOf(T.bucketPolicy, "awst-artifacts");
            assert.deepEqual(doc.Statement, [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [bucketArn, `${bucketArn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ]);
        });

        it("expires only logs, keeps record versions for a year and aborts stale uploads", () => {
            const rules: Json[] = inputs(T.lifecycle, "awst-artifacts").rules;
            const expiring = rules.filter((r) => r.expiration !== undefined);
            assert.deepEqual(
                expiring.map((r) => [r.filter.prefix, r.expiration.days]),
                [["logs/", 90]],
            );
            const records = rules.find((r) => r.filter.prefix === "releases/");
            assert.equal(records.expiration, undefined);
            assert.equal(records.noncurrentVersionExpiration.noncurrentDays, 365);
            // No rule reaches the promoted state: neither it nor any old version of it ever expires.
            const reaching = rules.filter((r) => "promoted/4.15/x.json".startsWith(r.filter.prefix ?? ""));
            assert.deepEqual(
                reaching.map((r) => [r.id, r.expiration, r.noncurrentVersionExpiration]),
                [["abort-incomplete-uploads", undefined, undefined]],
            );
            assert.ok(rules.every((r) => r.status === "Enabled"));
            assert.equal(
                rules.find((r) => r.id === "abort-incomplete-uploads").abortIncompleteMultipartUpload
                    .daysAfterInitiation,
                7,
            );
        });

        it("gives every lifecycle rule a filter with exactly one predicate, which the provider requires", () => {
            // An empty `filter: {}` draws "No attribute specified when one (and only one) of [...prefix, tag, and,
            // object size...] is required", to become an error (hashicorp/terraform-provider-aws#42714).
            const rules: Json[] = inputs(T.lifecycle, "awst-artifacts").rules;
            for (const r of rules) {
                const predicates = ["prefix", "tag", "and", "objectSizeGreaterThan", "objectSizeLessThan"].filter(
                    (k) => r.filter?.[k] !== undefined,
                );
                assert.equal(predicates.length, 1, `${r.id}: ${JSON.stringify(r.filter)}`);
            }
            assert.deepEqual(rules.find((r) => r.id === "abort-incomplete-uploads").filter, { prefix: "" });
        });

        it("protects and retains the bucket and its versioning", () => {
            for (const type of [T.bucket, T.versioning, T.lifecycle]) {
                const r = find(type, "awst-artifacts");
                assert.equal(r.protect, true, type);
                assert.equal(r.retainOnDelete, true, type);
            }
            assert.equal(inputs(T.bucket, "awst-artifacts").forceDestroy, false);
        });

        it("describes the bucket to the in-cluster layer as s3 with no static keys", async () => {
            assert.equal(site.artifacts.kind, "s3");
            assert.equal(await valueOf(site.artifacts.url), `s3://${bucketName}/`);
            assert.equal(site.artifacts.staticCredentials, undefined);
        });
    });

    describe("registry", () => {
        it("creates one ECR repository per role, named prefix/path, scanned on push and encrypted", () => {
            for (const [role, path] of Object.entries(repositoryPaths)) {
                const repo = inputs(T.repo, `awst-${path}`);
                assert.equal(repo.name, `okdt/${path}`, role);
                assert.equal(repo.imageScanningConfiguration.scanOnPush, true, role);
                assert.deepEqual(repo.encryptionConfigurations, [{ encryptionType: "AES256" }], role);
            }
        });

        const lifecycleRules = (role: (typeof expiringRoles)[number]) =>
            JSON.parse(inputs(T.repoLifecycle, `awst-${repositoryPaths[role]}`).policy).rules as Json[];

        it("expires untagged images after untaggedDays and tagged ones after nightlyDays in the build repositories", () => {
            for (const role of ["machineOs", "components"] as const) {
                const rules = lifecycleRules(role).map((r) => [
                    r.selection.tagStatus,
                    r.selection.countType,
                    r.selection.countNumber,
                    r.action.type,
                ]);
                assert.deepEqual(
                    rules,
                    [
                        ["untagged", "sinceImagePushed", 1, "expire"],
                        ["tagged", "sinceImagePushed", 14, "expire"],
                    ],
                    role,
                );
                assert.deepEqual(lifecycleRules(role)[1].selection.tagPatternList, ["*"]);
            }
        });

        it("gives content no lifecycle policy: an unchanged image keeps its first push time, and tonight's payload uses it", () => {
            const withPolicy = recorder()
                .ofType(T.repoLifecycle)
                .map((r) => r.name);
            assert.ok(!withPolicy.includes("awst-content"), withPolicy.join(", "));
        });

        it("keeps the newest keepPayloads nightly payloads whatever their age, before any age rule can expire them", () => {
            const rules = lifecycleRules("release");
            const count = rules.find((r) => r.selection.countType === "imageCountMoreThan");
            assert.ok(count, JSON.stringify(rules));
            assert.equal(count.selection.tagStatus, "tagged");
            assert.deepEqual(count.selection.tagPatternList, ["*.0-0.okd-*"]);
            // The fixture's site has no keepPayloads: the default is nightlyDays.
            assert.equal(count.selection.countNumber, 14);
            // ECR: an image matching a higher-priority rule's tag selection cannot be expired by a lower-priority rule.
            const aged = rules.filter((r) => r.selection.tagStatus !== "untagged" && r !== count);
            assert.deepEqual(
                aged.map((r) => [r.selection.countType, r.selection.countNumber]),
                [["sinceImagePushed", 14]],
            );
            assert.ok(count.rulePriority < aged[0].rulePriority);
            // The pattern selects payload names (assemble-release.sh) and not the tools image's tag.
            const matches = (tag: string) =>
                new RegExp(`^${count.selection.tagPatternList[0].replace(/\./g, "\\.").replace(/\*/g, ".*")}$`).test(
                    tag,
                );
            assert.ok(matches("4.21.0-0.okd-scos-2026-11-30-041500"));
            assert.ok(matches("4.21.0-0.okd-2026-11-30-041500"));
            assert.ok(!matches("pipeline-tools-0123456789abcdef"));
        });

        it("gives durable repositories no lifecycle policy at all", () => {
            const withPolicy = recorder()
                .ofType(T.repoLifecycle)
                .map((r) => r.name);
            for (const role of durableRoles) {
                assert.ok(!withPolicy.includes(`awst-${repositoryPaths[role]}`), role);
            }
            assert.equal(withPolicy.filter((n) => n.startsWith("awst-")).length, expiringRoles.length - 1);
        });

        it("keeps promoted-content tags mutable, so a half-failed promotion can be rerun (oc re-puts every tag)", () => {
            const r = find(T.repo, "awst-promoted-content");
            assert.equal(r.inputs.imageTagMutability, "MUTABLE");
            assert.equal(r.inputs.imageTagMutabilityExclusionFilters, undefined);
        });

        it("protects, retains and never force-deletes durable repositories; promoted payload tags are immutable", () => {
            for (const role of durableRoles) {
                const r = find(T.repo, `awst-${repositoryPaths[role]}`);
                assert.equal(r.protect, true, role);
                assert.equal(r.retainOnDelete, true, role);
                assert.equal(r.inputs.forceDelete, false, role);
            }
            for (const role of ["promoted", "attestations"] as const) {
                const r = find(T.repo, `awst-${repositoryPaths[role]}`);
                assert.equal(r.inputs.imageTagMutability, "IMMUTABLE_WITH_EXCLUSION", role);
                assert.deepEqual(r.inputs.imageTagMutabilityExclusionFilters, [
                    { filter: "sha256-*", filterType: "WILDCARD" },
                ]);
            }
            for (const role of expiringRoles) {
                assert.equal(find(T.repo, `awst-${repositoryPaths[role]}`).protect, false, role);
            }
        });

        it("describes the registry host and each repository reference", async () => {
            assert.equal(await valueOf(site.registry.host), `${account}.dkr.ecr.us-east-1.amazonaws.com`);
            assert.equal(
                await valueOf(site.registry.repositories.promotedContent),
                `${account}.dkr.ecr.us-east-1.amazonaws.com/okdt/promoted-content`,
            );
            assert.equal(site.registry.insecure, false);
        });
    });

    describe("identities", () => {
        const clusterArn = `arn:aws:eks:us-east-1:${account}:cluster/okdt-builds`;
        const roles = ["build", "records", "promote", "chains"] as const;
        /** Every statement of every role policy of the site, with the role it belongs to. */
        const allStatements = () =>
            recorder()
                .ofType(T.rolePolicy)
                .filter((r) => r.name.startsWith("awst-") && !r.name.endsWith("-signing"))
                .flatMap((r) =>
                    JSON.parse(r.inputs.policy as string).Statement.map((st: Json) => ({ role: r.name, st })),
                );
        const pushers = (arn: string) =>
            allStatements()
                .filter(({ st }) => [st.Action].flat().includes("ecr:PutImage") && [st.Resource].flat().includes(arn))
                .map(({ role }) => role)
                .sort();
        const s3Writers = (key: string) =>
            allStatements()
                .filter(
                    ({ st }) =>
                        [st.Action].flat().includes("s3:PutObject") &&
                        [st.Resource].flat().some((r: string) => covers(r, `${bucketArn}/${key}`)),
                )
                .map(({ role }) => role)
                .sort();
        const covers = (pattern: string, arn: string) =>
            new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(arn);

        it("trusts EKS Pod Identity for each identity only from its own ServiceAccount of this cluster", () => {
            for (const role of roles) {
                const trust = policyOf(T.role, `awst-${role}`, "assumeRolePolicy");
                assert.deepEqual(
                    trust.Statement,
                    identitySubjects[role].map((s, i) => ({
                        Sid: `EksPodIdentity${i}`,
                        Effect: "Allow",
                        Principal: { Service: "pods.eks.amazonaws.com" },
                        Action: ["sts:AssumeRole", "sts:TagSession"],
                        Condition: {
                            StringEquals: {
                                "aws:SourceAccount": account,
                                "aws:RequestTag/eks-cluster-arn": clusterArn,
                                "aws:RequestTag/kubernetes-namespace": s.namespace,
                                "aws:RequestTag/kubernetes-service-account": s.serviceAccount,
                            },
                        },
                    })),
                    role,
                );
            }
        });

        it("scopes the autoscaler's and the e2e pull roles the same way", () => {
            for (const [role, ns, sa] of [
                ["awst-autoscaler", "kube-system", "cluster-autoscaler"],
                ["awst-e2e-pull", "okd-builds", "okd-e2e"],
            ]) {
                const [statement, ...rest] = policyOf(T.role, role, "assumeRolePolicy").Statement;
                assert.deepEqual(rest, [], role);
                assert.deepEqual(statement.Condition.StringEquals, {
                    "aws:SourceAccount": account,
                    "aws:RequestTag/eks-cluster-arn": clusterArn,
                    "aws:RequestTag/kubernetes-namespace": ns,
                    "aws:RequestTag/kubernetes-service-account": sa,
                });
            }
        });

        it("binds no identity to a ServiceAccount build pods run as", () => {
            const bound = recorder()
                .ofType(T.podIdentity)
                .filter((r) => r.name.startsWith("awst-"))
                .map((r) => `${r.inputs.namespace}/${r.inputs.serviceAccount}`)
                .sort();
            assert.deepEqual(bound, [
                "kube-system/cluster-autoscaler",
                "okd-builds/okd-e2e",
                "okd-builds/okd-records",
                "okd-release/okd-promote",
                "okd-release/okd-registry-token",
                "tekton-chains/tekton-chains-controller",
            ]);
            assert.ok(!bound.includes("okd-builds/okd-build"));
        });

        it("lets the build identity push the build repositories and nothing else, and touch no storage", () => {
            assert.deepEqual(policyOf(T.rolePolicy, "awst-build"), {
                Version: "2012-10-17",
                Statement: [
                    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                    {
                        Sid: "EcrPull",
                        Effect: "Allow",
                        Action: [
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:BatchGetImage",
                            "ecr:DescribeImages",
                            "ecr:GetDownloadUrlForLayer",
                            "ecr:ListImages",
                        ],
                        Resource: [repoArn("components"), repoArn("machine-os")],
                    },
                    {
                        Sid: "EcrPush",
                        Effect: "Allow",
                        Action: [
                            "ecr:BatchCheckLayerAvailability",
                            "ecr:CompleteLayerUpload",
                            "ecr:InitiateLayerUpload",
                            "ecr:PutImage",
                            "ecr:UploadLayerPart",
                        ],
                        Resource: [repoArn("components"), repoArn("machine-os")],
                    },
                ],
            });
        });

        it("lets only the promotion identity push the promoted repositories", () => {
            for (const path of ["promoted", "promoted-content"]) {
                assert.deepEqual(pushers(repoArn(path)), ["awst-promote"], path);
            }
            assert.deepEqual(pushers(repoArn("attestations")), ["awst-chains"]);
            assert.deepEqual(pushers(repoArn("release")), ["awst-records"]);
            assert.deepEqual(pushers(repoArn("components")), ["awst-build"]);
        });

        it("lets only records write release records, logs and cluster registrations, and only promotion the promoted state", () => {
            assert.deepEqual(s3Writers("releases/4.15/index.json"), ["awst-records"]);
            assert.deepEqual(s3Writers("releases/4.15/4.15.0-0.okd-2026-11-30-000000.json"), ["awst-records"]);
            // promoted/: the promotions and published-name claims (release-record.sh), the promotion identity's only.
            assert.deepEqual(s3Writers("promoted/4.15/4.15.0-0.okd-2026-11-30-000000.json"), ["awst-promote"]);
            assert.deepEqual(s3Writers("promoted/4.16/claims/4.16.0-0.okd-scos-2026-11-30-000000.json"), [
                "awst-promote",
            ]);
            assert.deepEqual(s3Writers("logs/4.15/x/junit.xml"), ["awst-records"]);
            assert.deepEqual(s3Writers("notes/4.15/4.15.0-0.okd-2026-11-30-000000.json"), ["awst-promote"]);
            assert.deepEqual(s3Writers("status/index.html"), ["awst-promote", "awst-records"]);
            // register-<cloud> and the reaper's record run as the records identity.
            assert.deepEqual(s3Writers("clusters/aws/okd-nightly-4-15-abcde/metadata.json"), ["awst-records"]);
            assert.deepEqual(s3Writers("anything-else.json"), []);
            const statements = policyOf(T.rolePolicy, "awst-records").Statement;
            const records = statements.find((st: Json) => st.Sid === "ArtifactsWrite");
            assert.deepEqual(records.Resource, [
                `${bucketArn}/releases/*`,
                `${bucketArn}/logs/*`,
                `${bucketArn}/status/*`,
                `${bucketArn}/clusters/*`,
            ]);
            assert.deepEqual(records.Action, [
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
                "s3:PutObject",
            ]);
            // Deletes only where publish-status.sh's `rclone sync` replaces the status site and, for records, where the
            // reaper's record removes the registrations of destroyed clusters; never a record or a log.
            const expected: Record<string, string[]> = {
                records: [`${bucketArn}/status/*`, `${bucketArn}/clusters/*`],
                promote: [`${bucketArn}/status/*`],
            };
            for (const role of ["records", "promote"]) {
                const prune = policyOf(T.rolePolicy, `awst-${role}`).Statement.filter((st: Json) =>
                    [st.Action].flat().some((a: string) => a.startsWith("s3:Delete")),
                );
                assert.deepEqual(
                    prune.map((st: Json) => [st.Action, st.Resource]),
                    [[["s3:DeleteObject"], expected[role]]],
                    role,
                );
            }
        });

        it("gives Chains and promotion their own use of the KMS signing key: sign, or read the public key", () => {
            const chains = policyOf(T.rolePolicy, "awst-chains-signing").Statement;
            const promote = policyOf(T.rolePolicy, "awst-promote-signing").Statement;
            assert.deepEqual(chains[0].Action, ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"]);
            assert.deepEqual(promote[0].Action, ["kms:DescribeKey", "kms:GetPublicKey"]);
            for (const r of ["build", "records"]) assert.equal(under(`awst-${r}-signing`).length, 0, r);
        });

        it("keeps Chains' key in KMS, asymmetric P-256, protected, under an alias Chains and cosign name", async () => {
            const key = find("aws:kms/key:Key", "awst-chains-key");
            assert.equal(key.inputs.customerMasterKeySpec, "ECC_NIST_P256");
            assert.equal(key.inputs.keyUsage, "SIGN_VERIFY");
            assert.equal(key.inputs.deletionWindowInDays, 30);
            assert.equal(inputs("aws:kms/alias:Alias", "awst-chains-key").name, "alias/okdt-us-east-1-chains-signing");
            assert.equal(
                await valueOf(site.signing.kmsRef),
                `awskms:///arn:aws:kms:us-east-1:${account}:alias/okdt-us-east-1-chains-signing`,
            );
        });

        it("lets only Chains' role sign with the key: the key policy denies kms:Sign to every other principal", () => {
            const policy = JSON.parse(find("aws:kms/key:Key", "awst-chains-key").inputs.policy as string);
            const [admin, deny] = policy.Statement;
            // KMS's default statement: the account administers the key through IAM (and so can never be locked out).
            assert.deepEqual(admin.Principal, { AWS: `arn:aws:iam::${account}:root` });
            assert.equal(admin.Action, "kms:*");
            assert.equal(deny.Effect, "Deny");
            assert.deepEqual(deny.Principal, { AWS: "*" });
            assert.equal(deny.Action, "kms:Sign");
            // The exception is exactly the role Chains' Pod Identity association hands out.
            assert.deepEqual(deny.Condition, {
                ArnNotEquals: {
                    "aws:PrincipalArn": `arn:aws:iam::${account}:role/${find(T.role, "awst-chains").inputs.name}`,
                },
            });
            assert.equal(policy.Statement.length, 2);
        });

        it("names every role after its identity, each policy on its own role", () => {
            for (const role of roles) {
                assert.equal(find(T.role, `awst-${role}`).inputs.name, `okdt-us-east-1-${role}`);
                assert.equal(find(T.rolePolicy, `awst-${role}`).inputs.role, `okdt-us-east-1-${role}`);
                const association = find(T.podIdentity, `awst-${role}`);
                assert.equal(association.inputs.clusterName, "okdt-builds");
                assert.ok(association.dependencies.includes(find(T.rolePolicy, `awst-${role}`).urn), role);
            }
        });

        it("needs no ServiceAccount annotation and gives steps the region", async () => {
            for (const role of roles) {
                assert.deepEqual(await valueOf(site.identities[role].serviceAccountAnnotations), {}, role);
            }
            assert.equal(await valueOf(site.identities.env.AWS_REGION), "us-east-1");
        });
    });

    describe("cluster", () => {
        it("runs a supported Kubernetes version in API authentication mode, on EKS standard support", () => {
            const c = inputs(T.cluster, "awst-cluster");
            assert.equal(c.name, "okdt-builds");
            assert.equal(c.version, "1.35");
            assert.equal(c.accessConfig.authenticationMode, "API");
            // No entry for the creator: every admin is an adminPrincipals entry the stack owns.
            assert.equal(c.accessConfig.bootstrapClusterCreatorAdminPermissions, false);
            assert.equal(c.bootstrapSelfManagedAddons, false);
            assert.deepEqual(c.upgradePolicy, { supportType: "STANDARD" });
        });

        it("keeps the public endpoint open to any address when controlPlaneCidrs is unset, and the private one on", () => {
            const vpc = inputs(T.cluster, "awst-cluster").vpcConfig;
            assert.deepEqual(vpc.publicAccessCidrs, ["0.0.0.0/0"]);
            assert.equal(vpc.endpointPrivateAccess, true);
        });

        it("creates the control-plane log group EKS writes to, with a retention, before the cluster", () => {
            const group = find(T.logGroup, "awst-control-plane");
            assert.equal(group.inputs.name, "/aws/eks/okdt-builds/cluster");
            assert.equal(group.inputs.retentionInDays, 30);
            assert.equal(group.protect, false);
            assert.equal(group.retainOnDelete, false);
            const cluster = find(T.cluster, "awst-cluster");
            assert.ok(cluster.dependencies.includes(group.urn), "the cluster waits for the log group");
            assert.deepEqual(cluster.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
        });

        it("installs the Pod Identity agent, the CNI, kube-proxy and CoreDNS as managed add-ons", () => {
            const addons = recorder()
                .ofType(T.addon)
                .filter((r) => r.name.startsWith("awst-"))
                .map((r) => r.inputs.addonName)
                .sort();
            assert.deepEqual(addons, ["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
        });

        it("pins every add-on to EKS's default version for the cluster's Kubernetes minor", () => {
            const asked = recorder()
                .calls.filter((c) => c.token === "aws:eks/getAddonVersion:getAddonVersion")
                .map((c) => c.inputs as Json);
            for (const addon of recorder()
                .ofType(T.addon)
                .filter((r) => r.name.startsWith("awst-"))) {
                const name = (addon.inputs as Json).addonName;
                const query = asked.find((q) => q.addonName === name);
                assert.ok(query, `${name}: no version lookup`);
                assert.equal(query.kubernetesVersion, "1.35", name);
                assert.equal(query.mostRecent, false, name);
                assert.equal(
                    (addon.inputs as Json).addonVersion,
                    `[unknown: ${name} default version for Kubernetes 1.35]`,
                    name,
                );
            }
        });

        it("turns on the VPC CNI's NetworkPolicy enforcement in strict mode, and prefix delegation", () => {
            const config = JSON.parse(inputs(T.addon, "awst-vpc-cni").configurationValues);
            assert.equal(config.enableNetworkPolicy, "true");
            // A new pod starts default-deny, not open until its policies apply (cni-network-policy-configure.html).
            assert.equal(config.env.NETWORK_POLICY_ENFORCING_MODE, "strict");
            assert.equal(config.env.ENABLE_PREFIX_DELEGATION, "true");
            assert.equal(site.strictNetworkPolicy, true);
        });

        it("gives kube-system allow-all policies before CoreDNS and the autoscaler start (strict mode denies the rest)", () => {
            const np = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
            const egress = find(np, "awst-kube-system-okd-ci-allow-egress");
            const ingress = find(np, "awst-kube-system-okd-ci-allow-ingress");
            assert.deepEqual(egress.inputs.metadata, { name: "okd-ci-allow-egress", namespace: "kube-system" });
            assert.deepEqual(egress.inputs.spec, { podSelector: {}, policyTypes: ["Egress"], egress: [{}] });
            assert.deepEqual(ingress.inputs.spec, { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] });
            for (const p of [egress, ingress]) {
                assert.ok(find(T.addon, "awst-coredns").dependencies.includes(p.urn), p.name);
                assert.ok(
                    find("kubernetes:apps/v1:Deployment", "awst-autoscaler").dependencies.includes(p.urn),
                    p.name,
                );
            }
        });

        it("runs both node groups on the cluster's Kubernetes version", () => {
            for (const g of ["awst-system", "awst-build"]) assert.equal(inputs(T.nodeGroup, g).version, "1.35", g);
        });

        it("launches every node with IMDSv2 only and a hop limit of 1, from a template with an encrypted gp3 root", () => {
            for (const [pool, size] of [
                ["system", 50],
                ["build", 200],
            ] as const) {
                const lt = find(T.launchTemplate, `awst-${pool}`);
                assert.deepEqual(lt.inputs.metadataOptions, {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                    httpProtocolIpv6: "disabled",
                });
                assert.equal(lt.inputs.imageId, undefined, "EKS picks the AMI for the group's version");
                assert.deepEqual(lt.inputs.blockDeviceMappings, [
                    {
                        deviceName: "/dev/xvda",
                        ebs: { volumeSize: size, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ]);
                const group = find(T.nodeGroup, `awst-${pool}`);
                assert.ok(group.dependencies.includes(lt.urn), pool);
                assert.equal(group.inputs.diskSize, undefined, `${pool}: the disk is the template's`);
            }
        });

        it("tags each node's instance, root volume and network interfaces with the site tags the gate guard matches", () => {
            // The provider's default tags reach the launch template itself, not what EC2 launches from it.
            const site = { "okd-ci-project": pulumi.getProject(), "okd-ci-stack": pulumi.getStack() };
            for (const pool of ["system", "build"]) {
                const specs = inputs(T.launchTemplate, `awst-${pool}`).tagSpecifications as {
                    resourceType: string;
                    tags: Record<string, string>;
                }[];
                assert.deepEqual(
                    specs.map((t) => [t.resourceType, t.tags]),
                    ["instance", "volume", "network-interface"].map((r) => [r, { ...site, Name: `awst-${pool}` }]),
                    pool,
                );
            }
        });

        it("runs a fixed-size on-demand system group", () => {
            const g = inputs(T.nodeGroup, "awst-system");
            assert.equal(g.capacityType, "ON_DEMAND");
            assert.deepEqual(g.instanceTypes, ["m6i.large"]);
            assert.deepEqual(g.scalingConfig, { minSize: 2, desiredSize: 2, maxSize: 2 });
            assert.equal(g.taints, undefined);
        });

        it("runs the build group on spot over several instance types, from zero to max, labelled and tainted", () => {
            const g = inputs(T.nodeGroup, "awst-build");
            assert.equal(g.capacityType, "SPOT");
            assert.deepEqual(g.instanceTypes, ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"]);
            assert.deepEqual(g.scalingConfig, { minSize: 0, desiredSize: 0, maxSize: 10 });
            assert.deepEqual(g.labels, { "okd-ci/pool": "builds" });
            assert.deepEqual(g.taints, [{ key: "okd-ci/pool", value: "builds", effect: "NO_SCHEDULE" }]);
        });

        it("gives no node group a label EKS refuses", () => {
            for (const g of recorder()
                .ofType(T.nodeGroup)
                .filter((r) => r.name.startsWith("awst-"))) {
                for (const key of Object.keys((g.inputs as Json).labels)) {
                    assert.doesNotMatch(key, /kubernetes\.io\/|k8s\.io\/|eks\.amazonaws\.com\//, `${g.name}: ${key}`);
                }
            }
        });

        it("places build pods on the build group through the shared label and toleration", () => {
            assert.deepEqual(site.buildPool.nodeSelector, { "okd-ci/pool": "builds" });
            assert.deepEqual(site.buildPool.tolerations, [
                { key: "okd-ci/pool", operator: "Equal", value: "builds", effect: "NoSchedule" },
            ]);
        });

        it("makes the in-cluster layer wait for both node groups and the add-ons", async () => {
            const urns = await Promise.all(site.ready.map((r) => valueOf(r.urn)));
            const names = urns.map((u) => u.slice(u.lastIndexOf("::") + 2)).sort();
            assert.deepEqual(names, [
                "awst-build",
                "awst-build",
                "awst-chains",
                "awst-coredns",
                "awst-e2e-pull",
                "awst-eks-pod-identity-agent",
                "awst-kube-proxy",
                "awst-promote",
                "awst-records",
                "awst-system",
                "awst-vpc-cni",
            ]);
        });
    });

    describe("kubeconfig", () => {
        it("authenticates with the aws eks get-token exec plugin and embeds no token", async () => {
            const kubeconfig = JSON.parse(await valueOf(site.kubeconfig));
            const user = kubeconfig.users[0].user;
            assert.equal(user.token, undefined);
            assert.equal(user.exec.apiVersion, "client.authentication.k8s.io/v1beta1");
            assert.equal(user.exec.command, "aws");
            assert.deepEqual(user.exec.args, [
                "--region",
                "us-east-1",
                "eks",
                "get-token",
                "--cluster-name",
                "okdt-builds",
                "--output",
                "json",
            ]);
        });

        it("is a secret output and reaches the Kubernetes provider as a secret", async () => {
            assert.equal(await pulumi.isSecret(site.kubeconfig), true);
            const p = find(T.k8sProvider, "awst-k8s");
            assert.ok(
                JSON.stringify(p.object).includes("1b47061264138c4ac30d75fd1eb44270"),
                "kubeconfig sent as a secret",
            );
        });

        it("gives the Kubernetes provider a stable cluster identifier", () => {
            assert.equal(inputs(T.k8sProvider, "awst-k8s").clusterIdentifier, "eks-us-east-1-okdt-builds");
        });
    });

    describe("webhook", () => {
        it("is served by a Pulumi-owned internet-facing NLB on the system nodes' fixed node port, no Ingress", () => {
            assert.equal(site.webhook.serviceType, "NodePort");
            assert.equal(site.webhook.nodePort, 30808);
            assert.equal(site.webhook.ingress, undefined);
            const nlb = inputs(T.loadBalancer, "awst-webhook");
            assert.equal(nlb.loadBalancerType, "network");
            assert.equal(nlb.internal, false);
            assert.equal(nlb.subnets.length, 2);
            const tg = inputs(T.targetGroup, "awst-webhook");
            assert.deepEqual([tg.protocol, tg.port, tg.targetType], ["TCP", 30808, "instance"]);
            const attachment = find(T.trafficSource, "awst-webhook");
            assert.ok(attachment.dependencies.includes(find(T.nodeGroup, "awst-system").urn), "system ASG only");
            assert.ok(!attachment.dependencies.includes(find(T.nodeGroup, "awst-build").urn), "never build nodes");
        });

        it("without a host name, listens in plain TCP on 80 and says GitHub posts to the NLB's own name", async () => {
            const listener = inputs(T.listener, "awst-webhook");
            assert.deepEqual([listener.protocol, listener.port], ["TCP", 80]);
            assert.equal(listener.certificateArn, undefined);
            assert.match(await valueOf(site.webhook.url as pulumi.Output<string>), /^http:\/\/.+\/$/);
            assert.match(site.webhook.description, /Network Load Balancer/);
            assert.equal(
                recorder()
                    .ofType(T.certificate)
                    .filter((r) => r.name.startsWith("awst-")).length,
                0,
            );
        });

        it("admits any address on the listener port when webhookSourceRanges is unset, and nodes only from the NLB", () => {
            const rules = recorder()
                .ofType(T.ingressRule)
                .filter((r) => r.name.startsWith("awst-webhook-from-"));
            assert.deepEqual(
                rules.map((r) => [(r.inputs as Json).cidrIpv4, (r.inputs as Json).fromPort]),
                [["0.0.0.0/0", 80]],
            );
            const toNodes = inputs(T.ingressRule, "awst-nodes-from-webhook");
            assert.deepEqual([toNodes.fromPort, toNodes.toPort, toNodes.ipProtocol], [30808, 30808, "tcp"]);
            assert.equal(toNodes.cidrIpv4, undefined, "from the NLB's security group, not an address range");
        });
    });

    describe("aws e2e gate", () => {
        it("creates the public zone of the gate's base domain", () => {
            const zone = inputs(T.zone, "awst-e2e-aws-zone");
            assert.equal(zone.name, "ci.okd.example.org");
            assert.equal(zone.vpcs, undefined, "a public zone has no VPC");
            assert.equal(zone.forceDestroy, false);
        });

        const policies = () => ["regional", "global"].map((p) => policyOf(T.policy, `awst-e2e-aws-installer-${p}`));
        const statements = (): Json[] => policies().flatMap((d) => d.Statement);
        /** IAM's wildcard match of an ARN pattern. */
        const covers = (pattern: string, arn: string) =>
            new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(arn);

        it("makes the installer an IAM user with two managed policies and the site guard, and no key: static credentials come from the operator", () => {
            const user = inputs(T.user, "awst-e2e-aws-installer");
            assert.equal(user.name, "okdt-us-east-1-e2e-installer");
            const attached = under("awst-e2e-aws", T.userAttachment);
            assert.equal(attached.length, 3);
            assert.equal(recorder().ofType("aws:iam/accessKey:AccessKey").length, 0);
            // openshift-install refuses Pod Identity's session credentials outside Manual mode: the only role the
            // e2e ServiceAccount gets is the pull-only one.
            const e2e = under("awst", T.podIdentity).filter((r) => (r.inputs as Json).serviceAccount === "okd-e2e");
            assert.deepEqual(
                e2e.map((r) => r.name),
                ["awst-e2e-pull"],
            );
        });

        it("grants exactly the installer's documented actions, EC2, ELB and Auto Scaling only in the gate's region", () => {
            const [regional, global] = policies();
            assert.equal(regional.Statement.length, 1);
            const r = regional.Statement[0];
            assert.deepEqual(r.Condition, { StringEquals: { "aws:RequestedRegion": "us-east-2" } });
            assert.ok(r.Action.every((a: string) => /^(ec2|elasticloadbalancing|autoscaling):/.test(a)));
            const globalActions = global.Statement.flatMap((s: Json) => s.Action);
            assert.ok(globalActions.every((a: string) => !/^(ec2|elasticloadbalancing|autoscaling):/.test(a)));
            assert.deepEqual([...r.Action, ...globalActions].sort(), installerActions());
        });

        it("includes what the installer's permission groups add for destroy and default zones", () => {
            // openshift/installer pkg/asset/installconfig/aws/permissions.go: delete-base and permission-default-zones.
            const actions = statements().flatMap((s) => s.Action);
            for (const a of [
                "autoscaling:DescribeAutoScalingGroups",
                "ec2:DescribeInstanceTypeOfferings",
                "iam:SimulatePrincipalPolicy",
            ]) {
                assert.ok(actions.includes(a), a);
            }
            assert.ok(installerPermissionGroups["delete-base"].includes("autoscaling:DescribeAutoScalingGroups"));
        });

        it("lets IAM writes reach only the roles, instance profiles and users of the gate's clusters", () => {
            const writes = statements().filter((s) =>
                [s.Action]
                    .flat()
                    .some((a: string) => a.startsWith("iam:") && !/^iam:(Get|List|SimulatePrincipalPolicy)/.test(a)),
            );
            assert.ok(writes.length >= 4, `control: ${writes.length} statements with IAM writes`);
            for (const s of writes) {
                for (const resource of [s.Resource].flat()) {
                    assert.match(resource, /^arn:aws:iam::\*:(role|instance-profile|user)\/okdt-e2e-\*$/, s.Sid);
                }
            }
            const siteRole = "arn:aws:iam::123456789012:role/okdt-us-east-1-promote";
            // Nor the installer's own user: it cannot rewrite its own policies.
            const self = "arn:aws:iam::123456789012:user/okdt-us-east-1-e2e-installer";
            assert.ok(writes.every((s) => [s.Resource].flat().every((r: string) => !covers(r, self))));
            assert.ok(writes.every((s) => [s.Resource].flat().every((r: string) => !covers(r, siteRole))));
        });

        describe("in the site's account, the site guard (issue 15 path 10)", () => {
            const guard = () => policyOf(T.policy, "awst-e2e-aws-installer-site-guard");
            /** IAM's evaluation for one request: an explicit Deny of any attached policy wins over every Allow. */
            const denied = (action: string, resource: string, tags: Record<string, string> = {}) =>
                guard().Statement.some((s: Json) => {
                    if (s.Effect !== "Deny") return false;
                    if (![s.Action].flat().some((a: string) => covers(a, action))) return false;
                    if (![s.Resource].flat().some((r: string | null) => r !== null && covers(r, resource))) {
                        return false;
                    }
                    const c = s.Condition ?? {};
                    const eq = Object.entries(c.StringEquals ?? {}).every(
                        ([k, v]) => tags[k.replace(/^aws:ResourceTag\//, "")] === v,
                    );
                    const present = Object.entries(c.Null ?? {}).every(
                        ([k, v]) => (tags[k.replace(/^aws:ResourceTag\//, "")] === undefined) === (v === "true"),
                    );
                    return eq && present;
                });
            const instance = "arn:aws:ec2:us-east-2:123456789012:instance/i-0123";
            /** The resources of one guard statement (the mocks resolve resource ARNs to null: known after apply). */
            const guardResources = (sid: string) =>
                [guard().Statement.find((s: Json) => s.Sid === sid)?.Resource].flat() as (string | null)[];

            it("denies KMS on the site's own key only, and IAM writes on the EKS cluster and node roles too", () => {
                // One key ARN (Chains'), never `*`: EC2 uses the installer's own rights on the default EBS key.
                assert.equal(guardResources("DenySiteKeys").length, 1);
                assert.ok(!guardResources("DenySiteKeys").includes("*"));
                // The prefixed names, plus the two roles Pulumi names (their ARNs, known after apply).
                const iamWrites = guardResources("DenySiteIamWrites");
                assert.equal(iamWrites.filter((r) => r?.startsWith("arn:aws:iam::*:")).length, 4);
                assert.equal(iamWrites.length, 6);
                assert.ok(
                    !guard().Statement.some((s: Json) => [s.Action].flat().includes("kms:*") && s.Resource === "*"),
                );
            });

            it("attaches the guard only to the installer's user, as an explicit Deny", () => {
                const attached = under("awst-e2e-aws", T.userAttachment).map((a) => (a.inputs as Json).policyArn);
                assert.equal(attached.length, 3);
                assert.ok(guard().Statement.every((s: Json) => s.Effect === "Deny"));
                assert.equal(
                    inputs(T.policy, "awst-e2e-aws-installer-site-guard").name,
                    "okdt-us-east-1-e2e-installer-site-guard",
                );
            });

            it("refuses what a hostile installer would try against the build farm", () => {
                const stack = { "okd-ci-project": pulumi.getProject(), "okd-ci-stack": pulumi.getStack() };
                const attacks: [string, string, Record<string, string>][] = [
                    // Terminate or re-network a build node (EKS managed node group instance).
                    ["ec2:TerminateInstances", instance, { "eks:cluster-name": "okdt-builds" }],
                    ["ec2:ModifyInstanceAttribute", instance, { "eks:cluster-name": "okdt-builds" }],
                    ["ec2:AttachNetworkInterface", instance, { "eks:cluster-name": "okdt-builds" }],
                    // Untag it first, to escape the tag condition: the untag itself is a write on a tagged resource.
                    ["ec2:DeleteTags", instance, { "eks:cluster-name": "okdt-builds" }],
                    // Open the cluster security group, or the site's own (provider default tags).
                    [
                        "ec2:AuthorizeSecurityGroupIngress",
                        "arn:aws:ec2:us-east-2:123456789012:security-group/sg-1",
                        { "kubernetes.io/cluster/okdt-builds": "owned" },
                    ],
                    ["ec2:RevokeSecurityGroupEgress", "arn:aws:ec2:us-east-2:123456789012:security-group/sg-2", stack],
                    // Launch into the site's subnet, or delete the webhook's load balancer.
                    ["ec2:RunInstances", "arn:aws:ec2:us-east-2:123456789012:subnet/subnet-1", stack],
                    [
                        "elasticloadbalancing:DeleteLoadBalancer",
                        "arn:aws:elasticloadbalancing:us-east-2:123456789012:loadbalancer/net/okdt-webhook/1",
                        stack,
                    ],
                    [
                        "autoscaling:UpdateAutoScalingGroup",
                        "arn:aws:autoscaling:us-east-2:1:autoScalingGroup:x",
                        { "eks:cluster-name": "okdt-builds" },
                    ],
                    // The site's images, cluster, signing key and artifacts.
                    ["ecr:PutImage", repoArn("promoted"), {}],
                    ["eks:CreateAccessEntry", "arn:aws:eks:us-east-1:123456789012:cluster/okdt-builds", {}],

                    ["s3:PutObject", `${bucketArn}/releases/4.19/index.json`, {}],
                    ["s3:DeleteBucketPolicy", bucketArn, {}],
                    // The site's identities, and its own user's policies.
                    ["iam:PutRolePolicy", "arn:aws:iam::123456789012:role/okdt-us-east-1-promote", {}],
                    ["iam:UpdateAssumeRolePolicy", "arn:aws:iam::123456789012:role/okdt-us-east-1-records", {}],
                    ["iam:PassRole", "arn:aws:iam::123456789012:role/okdt-us-east-1-chains", {}],
                    ["iam:AttachUserPolicy", "arn:aws:iam::123456789012:user/okdt-us-east-1-e2e-installer", {}],
                    [
                        "iam:CreatePolicyVersion",
                        "arn:aws:iam::123456789012:policy/okdt-us-east-1-e2e-installer-global",
                        {},
                    ],
                ];
                for (const [action, resource, tags] of attacks) {
                    assert.ok(denied(action, resource, tags), `${action} on ${resource} ${JSON.stringify(tags)}`);
                }
            });

            it("denies nothing the installer does to its own clusters", () => {
                // Every action of the installer's permission groups, on e2e resources (tagged by the installer with
                // its infrastructure id only) and its own IAM names and buckets.
                const own = {
                    "kubernetes.io/cluster/okdt-e2e-0123-abcde": "owned",
                    Name: "okdt-e2e-0123-abcde-master-0",
                };
                for (const action of installerActions()) {
                    for (const resource of [
                        instance,
                        "arn:aws:iam::123456789012:role/okdt-e2e-0123-abcde-master-role",
                        "arn:aws:iam::123456789012:user/okdt-e2e-0123-abcde-openshift-image-registry-x",
                        "arn:aws:iam::123456789012:instance-profile/okdt-e2e-0123-abcde-worker-profile",
                        "arn:aws:s3:::okdt-e2e-0123-abcde-bootstrap",
                        "arn:aws:s3:::openshift-bootstrap-data-okdt-e2e-0123-abcde/bootstrap.ign",
                        "*",
                    ]) {
                        assert.ok(!denied(action, resource, own), `${action} on ${resource}`);
                    }
                }
                // EC2 calls KMS with the installer's own rights for the default EBS key of the e2e nodes' encrypted
                // root volumes (forward access sessions): KMS is denied on the site's key only, never on `*`.
                for (const action of ["kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt"]) {
                    assert.ok(!denied(action, "arn:aws:kms:us-east-2:123456789012:key/ebs-default"), action);
                }
                // Its permission check reads and simulates its own user.
                for (const action of ["iam:GetUser", "iam:SimulatePrincipalPolicy", "iam:ListUserPolicies"]) {
                    assert.ok(!denied(action, "arn:aws:iam::123456789012:user/okdt-us-east-1-e2e-installer"), action);
                }
            });

            it("keeps the guard within IAM's 6,144 characters", () => {
                const text = inputs(T.policy, "awst-e2e-aws-installer-site-guard").policy as string;
                assert.ok(text.replace(/\s/g, "").length <= 6144, `${text.length} characters`);
            });
        });

        it("passes the gate clusters' roles only to EC2", () => {
            const pass = statements().filter((s) => [s.Action].flat().includes("iam:PassRole"));
            assert.equal(pass.length, 1);
            assert.deepEqual(pass[0].Condition, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
            assert.deepEqual(pass[0].Resource, "arn:aws:iam::*:role/okdt-e2e-*");
        });

        it("never reaches the site's artifact bucket", () => {
            const s3 = statements().filter((s) => [s.Action].flat().some((a: string) => a.startsWith("s3:")));
            assert.equal(s3.length, 1);
            const resources: string[] = [s3[0].Resource].flat();
            assert.ok(resources.every((r) => r !== "*"));
            for (const arn of [bucketArn, `${bucketArn}/releases/index.json`]) {
                assert.ok(
                    resources.every((r) => !covers(r, arn)),
                    arn,
                );
            }
            // ... but does reach the installer's own buckets (Terraform and cluster-api names).
            for (const arn of [
                "arn:aws:s3:::okdt-e2e-0123-abcde-bootstrap",
                "arn:aws:s3:::openshift-bootstrap-data-okdt-e2e-0123-abcde/x",
            ]) {
                assert.ok(
                    resources.some((r) => covers(r, arn)),
                    arn,
                );
            }
        });

        it("keeps each managed policy within IAM's 6,144 characters", () => {
            for (const p of ["regional", "global"]) {
                const text = inputs(T.policy, `awst-e2e-aws-installer-${p}`).policy as string;
                assert.ok(text.replace(/\s/g, "").length <= 6144, `${p}: ${text.length} characters`);
            }
        });

        it("never grants AdministratorAccess or a wildcard action", () => {
            const actions: string[] = statements().flatMap((s: Json) => s.Action);
            assert.ok(actions.every((a) => !a.includes("*")));
            const attachments = recorder()
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((r) => r.name.startsWith("awst-e2e"));
            assert.equal(attachments.length, 0);
        });

        it("mints the e2e pull secret from a role that can only pull from the site's repositories", () => {
            const a = inputs(T.podIdentity, "awst-e2e-pull");
            assert.deepEqual([a.namespace, a.serviceAccount], ["okd-builds", "okd-e2e"]);
            assert.equal(inputs(T.role, "awst-e2e-pull").name, "okdt-us-east-1-e2e-pull");
            const [login, pull, ...rest] = policyOf(T.rolePolicy, "awst-e2e-pull").Statement;
            assert.deepEqual(rest, []);
            assert.deepEqual([login.Action, login.Resource], ["ecr:GetAuthorizationToken", "*"]);
            assert.deepEqual(pull.Action, [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:DescribeImages",
                "ecr:GetDownloadUrlForLayer",
                "ecr:ListImages",
            ]);
            // The payload under test and its content, and the promoted release an upgrade gate installs; nothing else.
            assert.deepEqual(pull.Resource, [
                repoArn("release"),
                repoArn("content"),
                repoArn("promoted"),
                repoArn("promoted-content"),
            ]);
            assert.deepEqual(site.identities.e2ePull?.podLabels, {});
        });

        it("lists the gate with static credentials from secret config, in Mint mode, named under its prefix", async () => {
            assert.equal(site.gates.length, 1);
            const gate = site.gates[0];
            assert.equal(gate.platform, "aws");
            assert.equal(gate.blocking, true);
            assert.equal(gate.credentialsMode, "Mint");
            assert.equal(gate.clusterPrefix, "okdt-e2e");
            assert.equal(gate.credentials.envVar, "AWS_SHARED_CREDENTIALS_FILE");
            assert.equal(gate.credentials.value, undefined, "no gateCredentialsAws in this stack yet");
            assert.match(
                gate.credentials.howToCreate,
                /aws iam create-access-key --user-name okdt-us-east-1-e2e-installer/,
            );
            assert.deepEqual(Object.keys(gate.env), [], "the installer reads its region from install-config");
            assert.equal(await valueOf(gate.zone), "awst-e2e-aws-zone-id");
            assert.equal(find("okd-ci:aws:E2eGate", "awst-e2e-aws").parent, find("okd-ci:aws:Site", "awst").urn);
        });
    });
});
