import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";

import { stateful } from "../shared";

export interface DeleteLockArgs {
    /** Resource id of what the lock guards. */
    scope: pulumi.Input<string>;
    /** What the resource holds, for the lock's notes. */
    holds: string;
    /**
     * Everything the stack creates at or under `scope` (child resources such as an ACR task or a blob container, and
     * extension resources such as role assignments). The lock inherits down to them, so ARM refuses to delete any of
     * them while it exists; depending on them makes Pulumi create the lock last and delete it first.
     */
    under: pulumi.Resource[];
    /** `okd-ci:protect`: the lock is then protected and retained like what it guards. */
    protect: boolean;
}

/** Name of every lock the site creates. */
export const deleteLockName = "okd-ci-holds-releases";

/**
 * A `CanNotDelete` management lock on a resource that holds promoted releases
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources). It is the Azure-side half of
 * `protect`: Pulumi's `protect` only stops `pulumi destroy`; the lock also stops the portal, `az`, any other tool and,
 * above all, the deletion of the resource group, which ARM refuses whole while one resource in it is locked ("You never
 * have a partial deletion") — without it, a resource group deleted around a retained registry would take the registry
 * with it. Locks guard the control plane only: deleting blobs or registry manifests (data plane) is governed by
 * versioning, soft delete and the purge task, not by the lock.
 *
 * The lock exists whatever `protect` says, and follows it: protected and retained when `protect` is true (so
 * `pulumi destroy` stops before it and removing it from the program leaves it in Azure), plain when false (so
 * `pulumi destroy` deletes it first, then what it guards). Turning `protect` off is therefore one `pulumi up` that
 * changes flags only, and keeps the lock in the program so it is never deleted as a protected leftover.
 *
 * `ManagementLockByScope` rather than `ManagementLockAtResourceLevel`: both create `Microsoft.Authorization/locks` at
 * the resource's scope, but the first takes the resource's id as it is, the second wants it taken apart (provider
 * namespace, parent path, type, name) plus an `apiVersion` input.
 */
export function createDeleteLock(
    name: string,
    args: DeleteLockArgs,
    opts: pulumi.CustomResourceOptions,
): authorization.ManagementLockByScope {
    return new authorization.ManagementLockByScope(
        name,
        {
            scope: args.scope,
            lockName: deleteLockName,
            level: authorization.LockLevel.CanNotDelete,
            notes: `Holds ${args.holds}. Managed by okd-ci (Pulumi): set okd-ci:protect to false and run pulumi up before deleting anything here.`,
        },
        { ...opts, ...stateful(args.protect), dependsOn: args.under },
    );
}
