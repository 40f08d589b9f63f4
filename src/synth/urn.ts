/**
 * Resource URNs as the Pulumi engine makes them, so that a URN read from `plan.json` or a manifest header can be
 * pasted into `pulumi up --target`/`--replace`/`pulumi state` as is.
 *
 * The engine's rule (pulumi/pulumi pkg/resource/deploy/deployment.go `generateURN` and
 * sdk/go/common/resource/urn/urn.go `New`, v3.248.0): `urn:pulumi:<stack>::<project>::<type>::<name>`, where `<type>`
 * is the resource's type prefixed by its parent's *whole* qualified type and `$` (so every ancestor's type, outermost
 * first), except that the root `pulumi:pulumi:Stack` is never part of it. Pulumi's mock runtime keeps only the
 * immediate parent's last type segment and does prefix `pulumi:pulumi:Stack$` for top-level components; the synth's
 * Recorder replaces that rule with this one.
 */
export const rootStackType = "pulumi:pulumi:Stack";

/** The `<type>` part of a URN: `a$b$type` for a resource under components of types a and b. */
export function qualifiedType(urn: string): string {
    const parts = urn.split("::");
    if (!urn.startsWith("urn:pulumi:") || parts.length < 4) throw new Error(`not a Pulumi URN: ${urn}`);
    return parts[2];
}

/** The URN the engine gives a resource of `type` named `name` under `parent` (a URN, or "" for none). */
export function engineUrn(stack: string, project: string, parent: string, type: string, name: string): string {
    const parentType = parent === "" ? "" : qualifiedType(parent);
    const typ = parentType === "" || parentType === rootStackType ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${typ}::${name}`;
}

/**
 * The name the engine gives the default provider of a package at a version (pulumi/pulumi
 * pkg/resource/deploy/providers/provider.go `DefaultName`): `default_<major>_<minor>_<patch>`, then each prerelease
 * and build identifier after `_`.
 */
export function defaultProviderName(version: string): string {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/.exec(version);
    if (m === null) throw new Error(`not a semantic version: ${version}`);
    const extra = [...(m[4]?.split(".") ?? []), ...(m[5]?.split(".") ?? [])];
    return ["default", m[1], m[2], m[3], ...extra].join("_");
}

/** The URN of a package's default provider: top level, type `pulumi:providers:<package>`. */
export function defaultProviderUrn(stack: string, project: string, pkg: string, version: string): string {
    return engineUrn(stack, project, "", `pulumi:providers:${pkg}`, defaultProviderName(version));
}
