import { ManagedZone } from "@pulumi/gcp/dns";
import { IAMMember as ProjectIAMMember } from "@pulumi/gcp/projects";
import * as pulumi from "@pulumi/pulumi";

import type { Gate } from "../shared/model";
import { gateClusterPrefix, gateCredentials, gateCredentialsKey, gateCredentialsModes } from "../shared/gates";
import type { GateAccess } from "../shared/site";
import { createServiceAccount } from "./identity";
import { enableServices, gateServices } from "./services";

/**
 * Project roles `openshift-install` documents for its service account on GCP
 * (https://github.com/openshift/installer/blob/master/docs/user/gcp/iam.md), less two:
 * - Service Account Key Admin: only Mint mode creates keys; the gate installs in Passthrough mode.
 * - Security Admin (`roles/iam.securityAdmin`), which may grant any role in the project (owner included): replaced by
 *   `grantRolesRole` under a condition that lets it grant only `nodeRoles`.
 */
export const installerRoles = [
    "roles/compute.admin",
    "roles/dns.admin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/storage.admin",
] as const;

/** The role that lets the installer bind its node service accounts to project roles (setIamPolicy on the project). */
export const grantRolesRole = "roles/resourcemanager.projectIamAdmin";

/**
 * Every role the installer grants the service accounts it creates for control-plane and compute nodes:
 * openshift/installer `data/data/gcp/cluster/{master,worker}` (Terraform, up to 4.15: compute.instanceAdmin[.v1],
 * networkAdmin, securityAdmin, storage.admin, iam.serviceAccountUser; compute.viewer, storage.admin) and
 * `pkg/infrastructure/gcp/clusterapi/iam.go` GetMasterRoles/GetWorkerRoles (cluster-api, 4.16+, which adds
 * artifactregistry.reader for workers). Nothing else can be granted: not owner, editor, or any IAM admin role.
 */
export const nodeRoles = [
    "roles/artifactregistry.reader",
    "roles/compute.instanceAdmin",
    "roles/compute.instanceAdmin.v1",
    "roles/compute.networkAdmin",
    "roles/compute.securityAdmin",
    "roles/compute.viewer",
    "roles/iam.serviceAccountUser",
    "roles/storage.admin",
] as const;

/**
 * IAM condition bounding `grantRolesRole` to `nodeRoles`, with the `modifiedGrantsByRole` API attribute
 * (https://cloud.google.com/iam/docs/setting-limits-on-granting-roles): a setIamPolicy that adds or removes a
 * binding of any other role is denied.
 */
export function grantCondition(): { title: string; description: string; expression: string } {
    const list = nodeRoles.map((r) => `'${r}'`).join(", ");
    return {
        title: "okd-ci-installer-node-roles-only",
        description: "openshift-install may grant only the roles it gives its node service accounts",
        expression: `api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly([${list}])`,
    };
}

export interface GcpE2eGateArgs {
    /** The gate as configured (`gates.gcp`). */
    gate: Gate;
    /** Project e2e clusters are installed in (`gates.gcp.project`; the site project only with `sharedWithSite`). */
    project: string;
    /** Prefix of physical names. */
    namePrefix: string;
    /** APIs the site already enables in `project` (when the gate shares the site's project), by name. */
    enabledServices?: Record<string, pulumi.Resource>;
    /**
     * A key of the gate service account (Pulumi secret `gateCredentialsGcp`), created by an operator with
     * `gcloud iam service-accounts keys create`. Until it is set the gate Task fails and says how to create it.
     */
    keyFile?: pulumi.Output<string>;
    /** Protect the base domain's zone: a new zone gets new name servers, and the parent's delegation breaks. */
    protect?: boolean;
}

/** Cloud DNS zone names: lower-case letters, digits and dashes, 63 characters, starting with a letter. */
function zoneName(prefix: string, baseDomain: string): string {
    return `${prefix}-e2e-${baseDomain.replace(/\./g, "-")}`.slice(0, 63).replace(/-+$/, "");
}

/**
 * What the GCP e2e gate's `openshift-install` needs: a service account with the installer's roles on the gate
 * project, the APIs it calls, and the public zone of the base domain. The installer runs with a key of that account:
 * outside Manual mode it writes its credentials' JSON into the cluster (`kube-system/gcp-credentials`,
 * openshift/installer pkg/asset/manifests/openshift.go), and metadata-server (Workload Identity) credentials have
 * none. It installs in Passthrough mode: components share the key, so no key is ever minted.
 */
export class GcpE2eGate extends pulumi.ComponentResource {
    public readonly access: GateAccess;
    public readonly serviceAccountEmail: pulumi.Output<string>;
    /** Name servers to delegate `baseDomain` to (only when the zone is created here). */
    public readonly nameServers?: pulumi.Output<string[]>;

    constructor(name: string, args: GcpE2eGateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("okd-ci:gcp:E2eGate", name, {}, opts);
        const o = { parent: this };
        const { gate, project } = args;

        const enabled = args.enabledServices ?? {};
        const services = enableServices(
            `${name}-api`,
            project,
            gateServices.filter((s) => enabled[s] === undefined),
            o,
        );
        const afterServices = {
            ...o,
            dependsOn: gateServices.map((s) => enabled[s] ?? services[s]),
        };

        const gsa = createServiceAccount(
            `${name}-installer`,
            {
                project,
                namePrefix: args.namePrefix,
                role: "e2e-installer",
                description:
                    "okd-ci: openshift-install for e2e gates; owns nothing outside the e2e clusters it creates",
            },
            afterServices,
        );
        this.serviceAccountEmail = gsa.email;

        for (const role of installerRoles) {
            new ProjectIAMMember(
                `${name}-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
                { project, role, member: gsa.member },
                afterServices,
            );
        }
        new ProjectIAMMember(
            `${name}-grant-node-roles`,
            { project, role: grantRolesRole, member: gsa.member, condition: grantCondition() },
            afterServices,
        );

        let zone: pulumi.Output<string>;
        if (gate.existingZone !== undefined) {
            zone = pulumi.output(gate.existingZone);
        } else {
            const managed = new ManagedZone(
                `${name}-zone`,
                {
                    project,
                    name: zoneName(args.namePrefix, gate.baseDomain),
                    dnsName: `${gate.baseDomain}.`,
                    visibility: "public",
                    description: `okd-ci: e2e clusters under ${gate.baseDomain}`,
                    // Deleting a zone that still holds records of a leaked e2e cluster fails instead of hiding them.
                    forceDestroy: false,
                },
                { ...afterServices, protect: args.protect ?? true },
            );
            zone = managed.name;
            this.nameServers = managed.nameServers;
        }

        const key = gateCredentialsKey("gcp");
        this.access = {
            ...gate,
            project,
            platform: "gcp",
            zone,
            credentials: gateCredentials(
                "gcp",
                args.keyFile === undefined ? undefined : pulumi.secret(args.keyFile),
                `create a key of ${args.namePrefix}-e2e-installer in project ${project} (\`gcloud iam service-accounts keys create gce.json --iam-account <its email>\`) and run \`pulumi config set --secret ${key} < gce.json\` (docs/platforms/gcp.md)`,
            ),
            credentialsMode: gateCredentialsModes.gcp,
            clusterPrefix: gateClusterPrefix(args.namePrefix),
            env: {},
            setup: {
                serviceAccount: gsa.email,
                ...(this.nameServers ? { nameServers: this.nameServers } : {}),
            },
        };

        this.registerOutputs({
            serviceAccountEmail: this.serviceAccountEmail,
            zone,
            nameServers: this.nameServers,
        });
    }
}
