import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as route53 from "@pulumi/aws/route53";
import * as pulumi from "@pulumi/pulumi";

import type { Gate } from "../../src/config/schema";
import { type GateAccess, e2eServiceAccount, pipelineNamespace } from "../shared/site";
import { installerActions, regionalServices } from "./installer-permissions";
import { type PolicyDocument, podIdentityTrustPolicy, policyDocument } from "./policy";

export interface E2eGateArgs {
    /** The gate's configuration (`gates.aws`). */
    gate: Gate;
    /** The site's EKS cluster, where the e2e ServiceAccount runs. */
    cluster: eks.Cluster;
    /** IAM role name of the installer (account-wide, so it carries the prefix and region). */
    roleName: string;
    /** Trust policy of the installer role (JSON); the site names its cluster and the e2e ServiceAccount in it. */
    trustPolicy?: pulumi.Input<string>;
}

/**
 * The installer's actions, split so the regional ones (EC2, ELB) only work in the gate's region: a leaked session
 * can't start instances anywhere else. IAM, Route 53, S3 and the tagging API stay unconditioned: IAM and Route 53 are
 * global, and `openshift-install destroy` searches global resources through the tagging API in us-east-1.
 */
export function installerPolicy(region: string): PolicyDocument {
    const actions = installerActions();
    const regional = actions.filter((a) => regionalServices.includes(a.split(":")[0]));
    const global = actions.filter((a) => !regionalServices.includes(a.split(":")[0]));
    return policyDocument([
        {
            Sid: "InstallerRegional",
            Effect: "Allow",
            Action: regional,
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": region } },
        },
        { Sid: "InstallerGlobal", Effect: "Allow", Action: global, Resource: "*" },
    ]);
}

/**
 * E2E gate access on AWS: the public zone of the gate's base domain and an IAM role the e2e ServiceAccount gets
 * through EKS Pod Identity, with the permissions `openshift-install` documents for an IPI install and its destroy.
 */
export class E2eGate extends pulumi.ComponentResource {
    public readonly access: GateAccess;
    public readonly role: iam.Role;
    /** Route 53 zone id of the base domain. */
    public readonly zoneId: pulumi.Output<string>;
    /** Name servers to delegate to from the parent domain (created zone only). */
    public readonly nameServers?: pulumi.Output<string[]>;

    constructor(name: string, args: E2eGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:aws:E2eGate", name, {}, opts);
        const { gate } = args;

        if (gate.existingZone !== undefined) {
            // Referenced by id, with no lookup: nothing is read from the account at preview time.
            this.zoneId = pulumi.output(gate.existingZone);
        } else {
            const zone = new route53.Zone(
                `${name}-zone`,
                {
                    name: gate.baseDomain,
                    comment: "okd-ci e2e clusters (openshift-install creates records and a private zone below it)",
                    // Left-over records of a failed destroy must not make `pulumi destroy` delete them blindly.
                    forceDestroy: false,
                },
                { parent: this },
            );
            // A Route 53 zone's resource id is its hosted zone id.
            this.zoneId = zone.id;
            this.nameServers = zone.nameServers;
        }

        this.role = new iam.Role(
            `${name}-installer`,
            {
                name: args.roleName,
                assumeRolePolicy: args.trustPolicy ?? JSON.stringify(podIdentityTrustPolicy),
                description: `openshift-install for the okd-ci e2e gate in ${gate.region}`,
            },
            { parent: this },
        );
        // Inline: the action list is longer than a managed policy may be (6,144 characters).
        const policy = new iam.RolePolicy(
            `${name}-installer`,
            { role: this.role.name, policy: JSON.stringify(installerPolicy(gate.region)) },
            { parent: this },
        );
        new eks.PodIdentityAssociation(
            `${name}-installer`,
            {
                clusterName: args.cluster.name,
                namespace: pipelineNamespace,
                serviceAccount: e2eServiceAccount,
                roleArn: this.role.arn,
            },
            { parent: this, dependsOn: [policy] },
        );

        this.access = {
            ...gate,
            platform: "aws",
            zone: this.zoneId,
            credentials: {
                kind: "workload-identity",
                // Pod Identity binds by ServiceAccount name: nothing to annotate or label.
                serviceAccountAnnotations: pulumi.output<Record<string, string>>({}),
                podLabels: {},
            },
            env: { AWS_REGION: pulumi.output(gate.region) },
        };

        this.registerOutputs({ zoneId: this.zoneId, roleArn: this.role.arn, nameServers: this.nameServers });
    }
}
