import * as pulumi from "@pulumi/pulumi";

/**
 * Names, tags and protection shared by every site, so the clouds differ only where the clouds differ.
 */

/** `okd-ci` stamps these on every cloud resource, next to the stack's own `tags`. */
export function standardTags(extra: Record<string, string>): Record<string, string> {
    return {
        "okd-ci-project": pulumi.getProject(),
        "okd-ci-stack": pulumi.getStack(),
        "managed-by": "pulumi",
        ...extra,
    };
}

/**
 * GCP labels allow lower-case letters, digits, `_` and `-` in keys and values (63 characters, keys start with a
 * letter). Tags are folded into that alphabet.
 */
export function toGcpLabels(tags: Record<string, string>): Record<string, string> {
    const fold = (s: string) =>
        s
            .toLowerCase()
            .replace(/[^a-z0-9_-]/g, "_")
            .slice(0, 63);
    return Object.fromEntries(
        Object.entries(tags).map(([k, v]) => {
            const key = fold(k);
            return [/^[a-z]/.test(key) ? key : `k${key}`.slice(0, 63), fold(v)];
        }),
    );
}

/** `<prefix>-<parts>` cut to `max` characters, as many cloud names have limits. */
export function physicalName(prefix: string, parts: string[], max = 63): string {
    const name = [prefix, ...parts].filter((p) => p !== "").join("-");
    if (name.length <= max) return name;
    throw new Error(`resource name ${name} is longer than ${max} characters; shorten okd-ci:namePrefix`);
}

/**
 * Options for resources that hold promoted releases or their records. With `protect`, `pulumi destroy` refuses to
 * delete them and removing them from the program keeps them in the cloud (retainOnDelete).
 */
export function stateful(protect: boolean): pulumi.CustomResourceOptions {
    return { protect, retainOnDelete: protect };
}
