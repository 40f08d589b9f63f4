import { ManagedZone } from "@pulumi/gcp/dns";
import { IAMMember as ProjectIAMMember } from "@pulumi/gcp/projects";
import { IAMMember as ServiceAccountIAMMember } from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";

import type { Gate } from "../../src/config/schema";
import { installerCredentialFiles } from "../shared/gates";
import { type GateAccess, e2eServiceAccount, pipelineNamespace } from "../shared/site";
import { bindWorkloadIdentity, createServiceAccount, workloadIdentityAnnotations } from "./identity";
import { enableServices, gateServices } from "./services";

/**
 * Project roles `openshift-install` documents for its service account on GCP (openshift/installer
 * docs/user/gcp/iam.md). Service Account Key Admin is left out on purpose: the gate runs the installer in Manual or
 * Passthrough credentials mode, never Mint, so nothing ever creates keys for cluster components.
 */
export const installerRoles = [
    "roles/compute.admin",
    "roles/dns.admin",
    "roles/iam.securityAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountUser",
    "roles/storage.admin",
] as const;

/**
 * Keyless mode only: `ccoctl gcp create-all` makes a Workload Identity Federation pool and provider for the e2e
 * cluster's components (its service accounts, bucket and IAM bindings are covered by the roles above).
 */
export const keylessExtraRoles = ["roles/iam.workloadIdentityPoolAdmin"] as const;

export interface GcpE2eGateArgs {
    /** The gate as configured (`gates.gcp`). */
    gate: Gate;
    /** Project e2e clusters are installed in (`gates.gcp.project`, default the site project). */
    project: string;
    /** Workload Identity pool of the build cluster, `<site project>.svc.id.goog`. */
    workloadPool: string;
    /** Prefix of physical names. */
    namePrefix: string;
    /** APIs the site already enables in `project` (when the gate shares the site's project), by name. */
    enabledServices?: Record<string, pulumi.Resource>;
    /**
     * A key of the gate service account (Pulumi secret `gateCredentialsGcp`), created by an operator with
     * `gcloud iam service-accounts keys create`. When set, the gate uses it in Passthrough mode instead of Workload
     * Identity. Default: none, keyless.
     */
    keyFile?: pulumi.Output<string>;
    /** Resources the Workload Identity binding waits for: the cluster, whose creation brings the pool into being. */
    workloadPoolReady?: pulumi.Resource[];
    /** Protect the base domain's zone: a new zone gets new name servers, and the parent's delegation breaks. */
    protect?: boolean;
}

/** Cloud DNS zone names: lower-case letters, digits and dashes, 63 characters, starting with a letter. */
function zoneName(prefix: string, baseDomain: string): string {
    return `${prefix}-e2e-${baseDomain.replace(/\./g, "-")}`.slice(0, 63).replace(/-+$/, "");
}

/**
 * What the GCP e2e gate's `openshift-install` needs: a service account with the installer's roles on the gate
 * project, the APIs it calls, and the public zone of the base domain. The e2e Kubernetes ServiceAccount acts as that
 * service account through Workload Identity, so no key exists unless an operator chooses one (`keyFile`).
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

        const keyFile = args.keyFile;
        const keyless = keyFile === undefined;
        const roles = [...installerRoles, ...(keyless ? keylessExtraRoles : [])];
        for (const role of roles) {
            new ProjectIAMMember(
                `${name}-${role.replace(/^roles\//, "").replace(/\./g, "-")}`,
                { project, role, member: gsa.member },
                afterServices,
            );
        }

        let credentials: GateAccess["credentials"];
        if (keyFile === undefined) {
            bindWorkloadIdentity(
                `${name}-wi`,
                gsa,
                args.workloadPool,
                [{ namespace: pipelineNamespace, serviceAccount: e2eServiceAccount }],
                { ...o, dependsOn: args.workloadPoolReady ?? [] },
            );
            // With no key to sign with, the Go storage client signs the bootstrap ignition URL through the IAM
            // Credentials API (signBlob) as the account itself; granted on this one account only.
            new ServiceAccountIAMMember(
                `${name}-self-sign`,
                {
                    serviceAccountId: gsa.resourceName,
                    role: "roles/iam.serviceAccountTokenCreator",
                    member: gsa.member,
                },
                afterServices,
            );
            credentials = {
                kind: "workload-identity",
                serviceAccountAnnotations: workloadIdentityAnnotations(gsa.email),
                podLabels: {},
            };
        } else {
            credentials = { kind: "secret", value: pulumi.secret(keyFile), ...installerCredentialFiles.gcp };
        }

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

        this.access = {
            ...gate,
            platform: "gcp",
            zone,
            credentials,
            env: {
                GOOGLE_CLOUD_PROJECT: pulumi.output(project),
                GCP_REGION: pulumi.output(gate.region),
                // Manual: `ccoctl gcp create-all` gives each component short-lived credentials, as the installer
                // has no key to hand to the cluster. Passthrough: the components share the operator's key.
                OPENSHIFT_CREDENTIALS_MODE: pulumi.output(keyless ? "Manual" : "Passthrough"),
            },
        };

        this.registerOutputs({
            serviceAccountEmail: this.serviceAccountEmail,
            zone,
            nameServers: this.nameServers,
        });
    }
}
