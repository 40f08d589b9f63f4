/**
 * What the build identity may push (docs/security.md, issue 15 paths 2 and 5): its token, which every build pod holds,
 * reaches only the build repositories (components, machine-os), never the tools image the release run resolves, a
 * payload, a promoted release or an attestation.
 */
import { identityGrants, repositoryPaths } from "../../components/shared/site";
import {
    type PolicyResourceLike,
    type Report,
    type Skip,
    type StackRule,
    arr,
    dependenciesOf,
    known,
    obj,
    ofType,
    readKnown,
    str,
} from "../model";
import { t } from "../types";
import { type Statement, actionMatches, statements } from "./aws-documents";
import { azureRoles } from "./iam";
import {
    arWriteRoles,
    awsRoleSubjects,
    azureIdentitySubjects,
    ecrWrites,
    fmt,
    gcpAccountSubjects,
    grants,
    subjectOf,
} from "./identity";

// ---------------------------------------------------------------------------------------------------------------
// build-push-scoped

/** ECR repository names (`<prefix>/<path>`) and Artifact Registry repository ids the build identity may write. */
const buildRepositoryPaths = identityGrants.build.push.map((role) => repositoryPaths[role]);
/** The GCP site's repository of the builds (components/gcp/registry.ts `registryRepositories`). */
const gcpBuildsRepository = /-builds$/;
/**
 * ACR roles that push: AcrPush, Contributor, Owner (the policy's own copy of the built-in GUIDs, iam.ts `azureRoles`,
 * from Azure's built-in roles page; not the program's components/azure/roles.ts, which the policy judges).
 */
const acrPushRoles: string[] = [azureRoles.acrPush, azureRoles.contributor, azureRoles.owner];

/**
 * Whether an Allow statement grants an ECR write: by its Action, or by a NotAction that leaves one out (an Allow of
 * NotAction grants every action it does not name,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html).
 */
const pushes = (s: Statement) =>
    grants(s.actions, ecrWrites) ||
    (s.notActions.length > 0 && ecrWrites.some((w) => !s.notActions.some((n) => actionMatches(n, w))));

function awsBuildPush(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const subjects = awsRoleSubjects(all);
    for (const p of ofType(all, t.aws.iamRolePolicy)) {
        const who = dependenciesOf(p, all, t.aws.iamRole).flatMap((r) => subjects.get(r) ?? []);
        if (!who.some((w) => subjectOf("build").includes(w))) continue;
        const doc = readKnown(() => p.props.policy);
        if (!doc.known) {
            skip(`${p.name}: the build role's policy is only known after apply`, p.urn);
            continue;
        }
        const why = (what: string) =>
            `${p.name} lets the build identity (${fmt(who)}) push ${what}; only the build repositories (${buildRepositoryPaths.join(", ")}) may be pushed with the builds' token`;
        for (const s of (statements(doc.value) ?? []).filter((x) => x.effect === "Allow")) {
            if (!pushes(s)) continue;
            // NotResource grants every resource but those it names.
            if (s.notResources.length > 0) report(why(`every resource but ${s.notResources.join(", ")}`), p.urn);
            for (const r of s.resources) {
                const repo = r.includes(":ecr:") ? r.split(":repository/")[1] : undefined;
                if (
                    repo === undefined ||
                    repo.includes("*") ||
                    !buildRepositoryPaths.some((b) => repo.endsWith(`/${b}`))
                ) {
                    report(why(r), p.urn);
                }
            }
        }
    }
}

function gcpBuildPush(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const accounts = gcpAccountSubjects(all);
    for (const g of ofType(all, t.gcp.arIamMember, t.gcp.arIamBinding)) {
        const who = dependenciesOf(g, all, t.gcp.serviceAccount).flatMap((a) => accounts.get(a) ?? []);
        if (!who.some((w) => subjectOf("build").includes(w))) continue;
        const role = known(() => str(g.props.role));
        const repository = known(() => str(g.props.repository));
        if (role === undefined || repository === undefined) {
            skip(`${g.name}: its role or repository is only known after apply`, g.urn);
            continue;
        }
        if (arWriteRoles.includes(role) && !gcpBuildsRepository.test(repository)) {
            report(
                `${g.name} lets the build identity (${fmt(who)}) write ${repository}; it may write only the builds repository (<prefix>-builds), or its token moves the tools image's and payloads' tags`,
                g.urn,
            );
        }
    }
}

/**
 * Control-plane and data-plane actions of a custom role that would let its holder push or widen the build token:
 * registry push (`registries/push/write`), anything under the registry or everywhere, writing tokens or scope maps.
 */
const acrPushActions = [
    /^\*$/,
    /^Microsoft\.ContainerRegistry\/\*/i,
    /^Microsoft\.ContainerRegistry\/registries\/\*/i,
    /^Microsoft\.ContainerRegistry\/registries\/push\//i,
    /^Microsoft\.ContainerRegistry\/registries\/(tokens|scopeMaps)\/(write|\*)/i,
];

function azureBuildPush(all: PolicyResourceLike[], report: Report, skip: Skip): void {
    const identities = azureIdentitySubjects(all);
    for (const a of ofType(all, t.azure.roleAssignment)) {
        const who = dependenciesOf(a, all, t.azure.identity).flatMap((i) => identities.get(i) ?? []);
        if (!who.some((w) => subjectOf("build").includes(w))) continue;
        const role = readKnown(() => str(a.props.roleDefinitionId));
        if (!role.known) {
            // A custom role's id is known only once it exists: judge the role definition it comes from instead.
            const custom = dependenciesOf(a, all, t.azure.roleDefinition);
            if (custom.length === 0) {
                skip(`${a.name}: its role is only known after apply`, a.urn);
                continue;
            }
            for (const d of custom) {
                const actions = readKnown(() =>
                    arr(d.props.permissions).flatMap((p) => arr(obj(p)?.actions).map(String)),
                );
                if (!actions.known) {
                    skip(`${d.name}: its actions are only known after apply`, d.urn);
                } else if (actions.value.some((x) => acrPushActions.some((pattern) => pattern.test(x)))) {
                    report(
                        `${a.name} gives the build identity (${fmt(who)}) ${d.name}, which can push or manage tokens (${actions.value.join(", ")}); it may only generate passwords of the scope-mapped build token`,
                        a.urn,
                    );
                }
            }
            continue;
        }
        const guid = role.value?.toLowerCase().split("/").pop();
        if (acrPushRoles.some((g) => g === guid)) {
            report(
                `${a.name} gives the build identity (${fmt(who)}) a registry-wide push role; it may only generate passwords of the scope-mapped build token`,
                a.urn,
            );
        }
    }
}

export const buildPushScoped: StackRule = {
    kind: "stack",
    name: "build-push-scoped",
    description:
        "The build identity, whose minted token every build pod holds, may push only the build repositories (components, machine-os): not the tools image the release run resolves, a payload, a promoted release or an attestation (ECR repository ARNs on aws, the <prefix>-builds repository on gcp, no registry-wide push role on azure).",
    enforcementLevel: "mandatory",
    remediation:
        "Grant the build identity push on the components and machine-os repositories only (aws: their ARNs; gcp: writer on <prefix>-builds; azure: the scope-mapped okd-build-push token, never AcrPush), as identityGrants.build says (components/shared/site.ts).",
    check(all, report, skip) {
        awsBuildPush(all, report, skip);
        gcpBuildPush(all, report, skip);
        azureBuildPush(all, report, skip);
    },
};
