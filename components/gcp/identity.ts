import { Account, IAMMember } from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";

import { physicalName } from "../shared/naming";

/** A Google service account with its email and resource name known at preview (both follow from the account id). */
export interface GoogleServiceAccount {
    account: Account;
    email: pulumi.Output<string>;
    /** `projects/<project>/serviceAccounts/<email>`, what IAM bindings on the account take. */
    resourceName: pulumi.Output<string>;
    /** `serviceAccount:<email>`, what IAM bindings to the account take. */
    member: pulumi.Output<string>;
}

export function createServiceAccount(
    name: string,
    args: { project: string; namePrefix: string; role: string; description: string },
    opts: pulumi.CustomResourceOptions,
): GoogleServiceAccount {
    const account = new Account(
        name,
        {
            project: args.project,
            // 6-30 characters; physicalName refuses longer rather than cutting.
            accountId: physicalName(args.namePrefix, [args.role], 30),
            displayName: `okd-ci ${args.role}`,
            description: args.description,
        },
        opts,
    );
    // User-managed accounts are always `<id>@<project>.iam.gserviceaccount.com`: deriving it (instead of reading
    // `account.email`) keeps annotations known during preview, while still depending on the account.
    const email = pulumi.interpolate`${account.accountId}@${args.project}.iam.gserviceaccount.com`;
    return {
        account,
        email,
        resourceName: pulumi.interpolate`projects/${args.project}/serviceAccounts/${email}`,
        member: pulumi.interpolate`serviceAccount:${email}`,
    };
}

/** The Workload Identity principal of a Kubernetes ServiceAccount in the cluster's pool. */
export function workloadIdentityMember(workloadPool: string, namespace: string, serviceAccount: string): string {
    return `serviceAccount:${workloadPool}[${namespace}/${serviceAccount}]`;
}

/**
 * Lets each Kubernetes ServiceAccount act as `gsa` (roles/iam.workloadIdentityUser on that one account).
 * The pool `<project>.svc.id.goog` exists only once a cluster with Workload Identity does, so callers pass the
 * cluster in `opts.dependsOn`.
 */
export function bindWorkloadIdentity(
    name: string,
    gsa: GoogleServiceAccount,
    workloadPool: string,
    subjects: readonly { namespace: string; serviceAccount: string }[],
    opts: pulumi.CustomResourceOptions,
): IAMMember[] {
    return subjects.map(
        (s) =>
            new IAMMember(
                `${name}-${s.namespace}-${s.serviceAccount}`,
                {
                    serviceAccountId: gsa.resourceName,
                    role: "roles/iam.workloadIdentityUser",
                    member: workloadIdentityMember(workloadPool, s.namespace, s.serviceAccount),
                },
                opts,
            ),
    );
}

/** The annotation that makes GKE hand a Kubernetes ServiceAccount's pods the tokens of `email`. */
export function workloadIdentityAnnotations(email: pulumi.Output<string>): pulumi.Output<Record<string, string>> {
    return email.apply((e): Record<string, string> => ({ "iam.gke.io/gcp-service-account": e }));
}
