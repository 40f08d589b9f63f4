import * as assert from "node:assert/strict";

import * as pulumi from "@pulumi/pulumi";

import type { AwsSite } from "../../../components/aws";
import { clusterAutoscalerImages } from "../../../components/aws/autoscaler";
import { find, recorder, settled, under, useMocks, valueOf } from "../../helpers";
import { type Json, captureIgnoreChanges, inputs, policyOf, siteArgs } from "./fixtures";

const gcpGate = {
    blocking: true,
    baseDomain: "gcp.okd.example.org",
    region: "us-central1",
    existingZone: "okd-gcp-zone",
    project: "okd-e2e-gcp",
};

describe("aws site scaling, network and foreign gates", () => {
    useMocks();

    let site: AwsSite;
    let ignored: (name: string) => string[] | undefined;
    before(async () => {
        const { AwsSite } = await import("../../../components/aws");
        ignored = captureIgnoreChanges();
        site = new AwsSite(
            "awsg",
            siteArgs({
                namePrefix: "okdg",
                kubernetesVersion: "1.34",
                adminPrincipals: ["arn:aws:iam::111122223333:role/okd-admins"],
                gates: {
                    aws: {
                        blocking: false,
                        baseDomain: "ci.okd.example.org",
                        region: "us-west-2",
                        existingZone: "Z0123456789ABCDEFGHIJ",
                        account: "210987654321",
                    },
                    gcp: gcpGate,
                },
                gateSecrets: {
                    gcp: pulumi.secret('{"type":"service_account"}'),
                    aws: pulumi.secret("[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"),
                },
            }),
        );
        await settled();
    });

    describe("build pool autoscaling", () => {
        it("leaves the build group's desired size to the autoscaler", () => {
            assert.deepEqual(ignored("awsg-build"), ["scalingConfig.desiredSize"]);
            assert.deepEqual(ignored("awsg-system"), []);
        });

        it("runs the cluster-autoscaler image of the cluster's Kubernetes minor on the system nodes", () => {
            const dep = inputs("kubernetes:apps/v1:Deployment", "awsg-autoscaler");
            const container = dep.spec.template.spec.containers[0];
            assert.equal(container.image, "registry.k8s.io/autoscaling/cluster-autoscaler:v1.34.5");
            assert.deepEqual(dep.spec.template.spec.nodeSelector, { "okd-ci/pool": "system" });
            assert.ok(
                container.command.includes(
                    "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/okdg-builds",
                ),
            );
        });

        it("pins an image by version for every Kubernetes minor the aws site accepts", async () => {
            const { supportedMinors } = await import("../../../components/shared/kubernetes");
            for (const v of supportedMinors("aws")) {
                assert.match(
                    clusterAutoscalerImages[v] ?? "",
                    new RegExp(`cluster-autoscaler:v${v.replace(".", "\\.")}\\.\\d+(@sha256:[a-f0-9]{64})?$`),
                    v,
                );
            }
        });

        it("gets its AWS access through Pod Identity, not node credentials", () => {
            const a = inputs("aws:eks/podIdentityAssociation:PodIdentityAssociation", "awsg-autoscaler");
            assert.deepEqual([a.namespace, a.serviceAccount], ["kube-system", "cluster-autoscaler"]);
            assert.equal(inputs("aws:iam/role:Role", "awsg-autoscaler").name, "okdg-us-east-1-autoscaler");
            const sa = inputs("kubernetes:core/v1:ServiceAccount", "awsg-autoscaler");
            assert.deepEqual([sa.metadata.namespace, sa.metadata.name], ["kube-system", "cluster-autoscaler"]);
        });

        it("may describe node groups for scale-from-zero and only resize this cluster's groups", () => {
            const [discover, scale] = policyOf("aws:iam/rolePolicy:RolePolicy", "awsg-autoscaler").Statement;
            assert.ok(discover.Action.includes("eks:DescribeNodegroup"));
            assert.equal(
                discover.Action.some((a: string) => /SetDesiredCapacity|Terminate/.test(a)),
                false,
            );
            assert.deepEqual(scale.Action, [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ]);
            assert.deepEqual(scale.Condition, {
                StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/okdg-builds": "owned" },
            });
        });

        it("tags the build group's ASG with its node template: label, taint and disk", () => {
            const tags = recorder()
                .ofType("aws:autoscaling/tag:Tag")
                .filter((r) => r.name.startsWith("awsg-build-template-"))
                .map((r) => (r.inputs as Json).tag)
                .map((t: Json) => [t.key, t.value])
                .sort();
            assert.deepEqual(tags, [
                ["k8s.io/cluster-autoscaler/node-template/label/okd-ci/pool", "builds"],
                ["k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage", "200Gi"],
                ["k8s.io/cluster-autoscaler/node-template/taint/okd-ci/pool", "builds:NoSchedule"],
            ]);
        });
    });

    describe("cluster access", () => {
        it("grants configured principals cluster-admin through access entries", () => {
            const entries = recorder()
                .ofType("aws:eks/accessEntry:AccessEntry")
                .filter((r) => r.name.startsWith("awsg-"));
            assert.equal(entries.length, 1);
            const entry = entries[0].inputs as Json;
            assert.deepEqual(
                [entry.principalArn, entry.type],
                ["arn:aws:iam::111122223333:role/okd-admins", "STANDARD"],
            );
            const assoc = inputs("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", entries[0].name);
            assert.equal(assoc.principalArn, entry.principalArn);
            assert.equal(assoc.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
            assert.deepEqual(assoc.accessScope, { type: "cluster" });
            // Named after the principal, not its position: reordering the list replaces nothing.
            assert.match(entries[0].name, /^awsg-admin-[0-9a-f]{10}$/);
        });

        it("makes the Kubernetes provider wait for every admin's access policy (the creator has no entry)", () => {
            const provider = find("pulumi:providers:kubernetes", "awsg-k8s");
            const assocs = recorder()
                .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
                .filter((r) => r.name.startsWith("awsg-"));
            assert.equal(assocs.length, 1);
            for (const a of assocs) assert.ok(provider.dependencies.includes(a.urn), a.name);
        });

        it("ignores the creator-admin flag EKS only sets at creation", () => {
            assert.deepEqual(ignored("awsg-cluster"), [
                "accessConfig.bootstrapClusterCreatorAdminPermissions",
                "bootstrapSelfManagedAddons",
            ]);
        });
    });

    describe("network", () => {
        it("routes both private subnets through one NAT gateway", () => {
            assert.equal(under("awsg", "aws:ec2/natGateway:NatGateway").length, 1);
            const privateTable = inputs("aws:ec2/routeTable:RouteTable", "awsg-private");
            assert.equal(privateTable.routes.length, 1);
            assert.equal(privateTable.routes[0].cidrBlock, "0.0.0.0/0");
            const associations = recorder()
                .ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")
                .filter((r) => r.name.startsWith("awsg-private-"));
            assert.equal(associations.length, 2);
        });

        it("sends S3 traffic (ECR layers, artifacts) through a free gateway endpoint instead of the NAT", () => {
            const ep = inputs("aws:ec2/vpcEndpoint:VpcEndpoint", "awsg-s3");
            assert.equal(ep.serviceName, "com.amazonaws.us-east-1.s3");
            assert.equal(ep.vpcEndpointType, "Gateway");
            assert.equal(ep.routeTableIds.length, 2);
        });

        it("puts nodes in private subnets in two zones and tags subnets for load balancers", () => {
            const subnets = ["awsg-private-0", "awsg-private-1"].map((n) => inputs("aws:ec2/subnet:Subnet", n));
            assert.equal(subnets[0].tags["kubernetes.io/role/internal-elb"], "1");
            assert.equal(inputs("aws:ec2/subnet:Subnet", "awsg-public-0").tags["kubernetes.io/role/elb"], "1");
            assert.equal(inputs("aws:eks/nodeGroup:NodeGroup", "awsg-build").subnetIds.length, 2);
        });

        it("asks EC2 only for plain zones without opt-in, minus the zone IDs EKS refuses in the region", () => {
            const query = recorder().calls.filter(
                (c) => c.token === "aws:index/getAvailabilityZones:getAvailabilityZones",
            )[0].inputs as Json;
            assert.equal(query.region, "us-east-1");
            assert.equal(query.state, "available");
            assert.deepEqual(query.excludeZoneIds, ["use1-az3"]);
            assert.deepEqual(query.filters, [
                { name: "zone-type", values: ["availability-zone"] },
                { name: "opt-in-status", values: ["opt-in-not-required"] },
            ]);
        });

        it("skips a Local Zone that sorts first and the zone EKS refuses (use1-az3 is us-east-1a in the offline table)", () => {
            for (const kind of ["private", "public"]) {
                const zones = [0, 1].map((i) => inputs("aws:ec2/subnet:Subnet", `awsg-${kind}-${i}`).availabilityZone);
                assert.deepEqual(zones, ["us-east-1b", "us-east-1c"], kind);
            }
        });
    });

    describe("gates", () => {
        it("lets a burstable system node burst at once (unlimited credits), having no launch credits", async () => {
            // The small profile's system node with gates (src/config/system-pool.ts): a t3a, whose install pods
            // would otherwise run at the 40% baseline on a node just replaced, with no credits earned yet.
            const { AwsSite } = await import("../../../components/aws");
            new AwsSite(
                "awsc",
                siteArgs({
                    namePrefix: "okdc",
                    profile: "small",
                    systemPool: { instanceType: "t3a.xlarge", nodes: 1 },
                    gates: { gcp: gcpGate },
                    gateSecrets: { gcp: pulumi.secret('{"type":"service_account"}') },
                }),
            );
            await settled();
            const lt = inputs("aws:ec2/launchTemplate:LaunchTemplate", "awsc-system");
            assert.deepEqual(lt.creditSpecification, { cpuCredits: "unlimited" });
            // The build pool is not burstable; without gates the small profile keeps `standard` (options.test.ts).
            assert.equal(inputs("aws:ec2/launchTemplate:LaunchTemplate", "awsc-build").creditSpecification, undefined);
        });

        it("references an existing Route 53 zone by id, creating none and reading none", async () => {
            assert.equal(under("awsg", "aws:route53/zone:Zone").length, 0);
            const aws = site.gates.find((g) => g.platform === "aws");
            assert.ok(aws);
            assert.equal(await valueOf(aws.zone), "Z0123456789ABCDEFGHIJ");
            assert.equal(aws.blocking, false);
            assert.ok(!recorder().calls.some((c) => c.token.startsWith("aws:route53")));
        });

        it("creates nothing for a gate in a separate account, and outputs the policies to create there", async () => {
            const aws = site.gates.find((g) => g.platform === "aws");
            assert.ok(aws);
            for (const t of [
                "aws:iam/user:User",
                "aws:iam/policy:Policy",
                "aws:iam/role:Role",
                "aws:route53/zone:Zone",
            ]) {
                assert.equal(under("awsg-e2e-aws", t).length, 0, t);
            }
            assert.ok(aws.setup?.installerPolicies);
            const policies = (await valueOf(aws.setup.installerPolicies)) as { regional: string; global: string };
            const regional = JSON.parse(policies.regional);
            assert.deepEqual(regional.Statement[0].Condition, { StringEquals: { "aws:RequestedRegion": "us-west-2" } });
            assert.match(policies.global, /arn:aws:iam::\*:user\/okdg-e2e-\*/);
            assert.equal(await pulumi.isSecret(aws.credentials.value as pulumi.Output<string>), true);
            assert.match(aws.credentials.howToCreate, /in AWS account 210987654321, create an IAM user/);
        });

        it("refuses a separate gate account that is the site's own", async () => {
            const { E2eGate } = await import("../../../components/aws/e2e-gate");
            const gate = new E2eGate("awsself-e2e-aws", {
                gate: {
                    blocking: true,
                    baseDomain: "ci.example.org",
                    region: "us-east-1",
                    existingZone: "Z1",
                    account: "123456789012",
                },
                namePrefix: "okd",
                account: pulumi.output({ accountId: "123456789012", partition: "aws" }),
                userName: "okd-us-east-1-e2e-installer",
                siteGuard: {
                    siteTags: {},
                    clusterName: "okd-builds",
                    iamPrefix: "okd-us-east-1-",
                    bucketName: "b",
                    kmsKeyArns: [],
                    roleArns: [],
                },
            });
            // Output.promise() is how the SDK itself awaits an Output; a failed apply rejects it.
            const settledPolicies = (gate.policies as unknown as { promise(): Promise<unknown> }).promise();
            await assert.rejects(
                settledPolicies,
                /gates\.aws\.account = "123456789012" is the account the site deploys into; expected a separate account, or gates\.aws\.sharedWithSite: true/,
            );
        });

        it("hands a gate on another cloud its secret credentials and creates nothing on that cloud", async () => {
            const gcp = site.gates.find((g) => g.platform === "gcp");
            assert.ok(gcp);
            assert.equal(gcp.credentials.fileName, "gce.json");
            assert.equal(gcp.credentials.envVar, "GOOGLE_CLOUD_KEYFILE_JSON");
            assert.equal(gcp.credentialsMode, "Passthrough");
            assert.equal(await pulumi.isSecret(gcp.credentials.value as pulumi.Output<string>), true);
            assert.equal(await valueOf(gcp.zone), "okd-gcp-zone");
            assert.equal(under("awsg").filter((r) => r.type.startsWith("gcp:")).length, 0);
            assert.deepEqual(site.gates.map((g) => g.platform).sort(), ["aws", "gcp"]);
        });

        it("refuses a foreign gate without its credentials", async () => {
            const { AwsSite } = await import("../../../components/aws");
            assert.throws(
                () =>
                    new AwsSite(
                        "awsbad",
                        siteArgs({
                            namePrefix: "okdbad",
                            gates: {
                                azure: {
                                    blocking: true,
                                    baseDomain: "az.example.org",
                                    region: "eastus",
                                    existingZone: "/z",
                                },
                            },
                        }),
                    ),
                /gates\.azure on a aws site needs okd-ci:gateCredentialsAzure/,
            );
        });
    });

    it("registers its E2E gate component under the site", () => {
        assert.equal(find("okd-ci:aws:E2eGate", "awsg-e2e-aws").parent, find("okd-ci:aws:Site", "awsg").urn);
    });
});
