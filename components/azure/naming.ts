import { createHash } from "node:crypto";

import * as pulumi from "@pulumi/pulumi";

/**
 * Storage accounts and container registries need names that are unique across all of Azure, 3-24 (storage) or 5-50
 * (registry) lower-case letters and digits. They get a suffix hashed from the subscription, the stack and the prefix:
 * two deployments of this repository (same prefix, same stack name) in different subscriptions never collide, and one
 * deployment always computes the same names, so nothing is replaced between runs.
 */
export function globalSuffix(subscriptionId: string, stack: string, namePrefix: string): string {
    return createHash("sha256").update(`${subscriptionId}/${stack}/${namePrefix}`).digest("hex").slice(0, 8);
}

/** `<prefix without dashes><infix><suffix>`, checked against the limit of the resource type. */
export function compactName(namePrefix: string, infix: string, suffix: string, max: number): string {
    const name = `${namePrefix.replace(/[^a-z0-9]/g, "")}${infix}${suffix}`;
    if (name.length > max) {
        throw new Error(`resource name ${name} is longer than ${max} characters; shorten okd-ci:namePrefix`);
    }
    return name;
}

/**
 * The physical name the stack gave `resource`, as an Output that depends on it. ARM returns `name` only after the
 * resource exists, so it is unknown in a preview and in the offline plan; this one is known (URNs always are), and
 * whatever uses it still waits for the resource.
 */
export function nameOf(resource: pulumi.Resource, name: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.all([resource.urn, name]).apply(([, n]) => n);
}
