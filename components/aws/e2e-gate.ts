import { Policy, User, UserPolicyAttachment } from "@pulumi/aws/iam";
import * as route53 from "@pulumi/aws/route53";
import * as pulumi from "@pulumi/pulumi";

import type { Gate } from "../shared/model";
import { gateClusterPrefix, gateCredentials, gateCredentialsKey, gateCredentialsModes } from "../shared/gates";
import type { GateAccess } from "../shared/site";
import { installerPolicies } from "./installer-permissions";
import { type SiteGuard, siteGuardPolicy } from "./site-guard";
import type { PolicyDocument } from "./policy";

export interface E2eGateArgs {
    /** The gate's configuration (`gates.aws`). */
    gate: Gate;
    /** Prefix of the site's names; e2e clusters are named `<namePrefix>-e2e-<run>`. */
    namePrefix: string;
    /** The account the site deploys into (the caller's), and its partition. */
    account: pulumi.Output<{ accountId: string; partition: string }>;
    /** IAM user name of the installer, when the gate shares the site's account (account-wide, so prefix and region). */
    userName: string;
    /** `gateCredentialsAws`: the AWS credentials file with the static access key of the installer's user. */
    credentials?: pulumi.Output<string>;
    /**
     * The site's resources the installer's user must never change when the gate shares the account
     * (`siteGuardPolicy`); the partition comes from `account`.
     */
    siteGuard: Omit<SiteGuard, "partition" | "bucketName" | "kmsKeyArns" | "roleArns"> & {
        bucketName: pulumi.Input<string>;
        kmsKeyArns: pulumi.Input<string>[];
        roleArns: pulumi.Input<string>[];
    };
}

/**
 * E2E gate access on AWS. openshift-install runs with the static access key of a dedicated IAM user (session
 * credentials are refused outside Manual mode: openshift/installer pkg/asset/manifests/openshift.go, since
 * openshift/installer#4596) and installs in `Mint` mode, as OKD users do by default.
 *
 * - Separate account (`gates.aws.account`, the default): the stack creates nothing there. It outputs the two
 *   installer policies; the operator creates the user, attaches them, and sets its key (docs/platforms/aws.md).
 * - The site's own account (`sharedWithSite: true`): the stack creates the user, its policies and the zone; the
 *   operator creates the user's access key (never in Pulumi state) and sets it.
 */
export class E2eGate extends pulumi.ComponentResource {
    public readonly access: GateAccess;
    /** The installer's managed policies as JSON, for the operator of a separate account. */
    public readonly policies: pulumi.Output<{ regional: string; global: string }>;
    /** Installer user, when the gate shares the site's account. */
    public readonly user?: User;
    /** Route 53 zone id of the base domain. */
    public readonly zoneId: pulumi.Output<string>;
    /** Name servers to delegate to from the parent domain (created zone only). */
    public readonly nameServers?: pulumi.Output<string[]>;

    constructor(name: string, args: E2eGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:aws:E2eGate", name, {}, opts);
        const { gate } = args;
        const clusterPrefix = gateClusterPrefix(args.namePrefix);
        const separate = gate.account;

        const documents = args.account.apply(({ accountId, partition }) => {
            if (separate !== undefined && accountId === separate) {
                throw new pulumi.RunError(
                    `gates.aws.account = "${separate}" is the account the site deploys into; expected a separate account, or gates.aws.sharedWithSite: true instead of gates.aws.account`,
                );
            }
            return installerPolicies({ region: gate.region, partition, clusterPrefix });
        });
        this.policies = documents.apply((d) => ({
            regional: JSON.stringify(d.regional),
            global: JSON.stringify(d.global),
        }));

        let howToCreate: string;
        if (separate !== undefined) {
            // Referenced by id, with no lookup: the zone is in the gate's account, which the stack cannot read.
            this.zoneId = pulumi.output(gate.existingZone ?? "");
            howToCreate = `in AWS account ${separate}, create an IAM user with the two policies of \`pulumi stack output gates\` (aws.installerPolicies), create its access key, write it as an AWS credentials file and run \`pulumi config set --secret ${gateCredentialsKey("aws")} < .awscred\` (docs/platforms/aws.md)`;
        } else {
            const zone = this.zone(name, gate);
            this.zoneId = zone.id;
            this.nameServers = zone.nameServers;
            const guard = pulumi
                .all([
                    args.account,
                    args.siteGuard.bucketName,
                    pulumi.all(args.siteGuard.kmsKeyArns),
                    pulumi.all(args.siteGuard.roleArns),
                ])
                .apply(([{ partition }, bucketName, kmsKeyArns, roleArns]) =>
                    siteGuardPolicy({ ...args.siteGuard, partition, bucketName, kmsKeyArns, roleArns }),
                );
            this.user = this.installerUser(name, args.userName, documents, guard);
            howToCreate = `create an access key of IAM user ${args.userName} (\`aws iam create-access-key --user-name ${args.userName}\`), write it as an AWS credentials file and run \`pulumi config set --secret ${gateCredentialsKey("aws")} < .awscred\` (docs/platforms/aws.md)`;
        }

        this.access = {
            ...gate,
            platform: "aws",
            zone: this.zoneId,
            credentials: gateCredentials("aws", args.credentials, howToCreate),
            credentialsMode: gateCredentialsModes.aws,
            clusterPrefix,
            env: {},
            setup: {
                installerPolicies: this.policies,
                ...(this.nameServers ? { nameServers: this.nameServers } : {}),
            },
        };

        this.registerOutputs({ zoneId: this.zoneId, policies: this.policies, nameServers: this.nameServers });
    }

    /** The public zone of the base domain, created here unless `existingZone` names one. */
    private zone(name: string, gate: Gate): { id: pulumi.Output<string>; nameServers?: pulumi.Output<string[]> } {
        if (gate.existingZone !== undefined) {
            // Referenced by id, with no lookup: nothing is read from the account at preview time.
            return { id: pulumi.output(gate.existingZone) };
        }
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
        return { id: zone.id, nameServers: zone.nameServers };
    }

    /**
     * The installer's IAM user in the site's account, with the two policies and the site guard (explicit denies on the
     * site's own resources); its key is made by the operator.
     */
    private installerUser(
        name: string,
        userName: string,
        documents: pulumi.Output<{ regional: PolicyDocument; global: PolicyDocument }>,
        guard: pulumi.Output<PolicyDocument>,
    ): User {
        const user = new User(
            `${name}-installer`,
            { name: userName, forceDestroy: true, tags: { "okd-ci/role": "e2e-installer" } },
            { parent: this },
        );
        const parts = pulumi.all([documents, guard]).apply(([d, g]) => ({ ...d, "site-guard": g }));
        for (const part of ["regional", "global", "site-guard"] as const) {
            const policy = new Policy(
                `${name}-installer-${part}`,
                {
                    name: `${userName}-${part}`,
                    description:
                        part === "site-guard"
                            ? "okd-ci e2e gate: denies the installer every change to the site's own resources"
                            : `openshift-install for the okd-ci e2e gate (${part} part)`,
                    policy: parts.apply((d) => JSON.stringify(d[part])),
                },
                { parent: this },
            );
            new UserPolicyAttachment(
                `${name}-installer-${part}`,
                { user: user.name, policyArn: policy.arn },
                { parent: this },
            );
        }
        return user;
    }
}
