/** Every okd-ci policy, in the order the pack and the plan runner apply them. */
import type { Rule } from "../model";
import { buildNamespacePodSecurity } from "./namespace";
import { e2eServiceAccountPullOnly } from "./e2e-pull";
import { gateInstallerGuarded } from "./gate-guard";
import { iamLeastPrivilege } from "./iam";
import { buildPushScoped } from "./build-push";
import { buildPodsHoldNoIdentity, promotedWriters } from "./identity";
import {
    buildPodsNoInstanceMetadata,
    eksNodeMetadataRestricted,
    gkeNodeIdentity,
    gkePrivateNodes,
    networkPolicyEnforced,
} from "./isolation";
import { nodeLabelsAllowed } from "./labels";
import { coreInterceptorsCallers, listenerLeastPrivilege, listenerRunsAdmitted } from "./listeners";
import { buildPoolLabelled, buildPoolSpotScalesToZero } from "./pools";
import { azureReleaseStorageLocked, releaseStorageProtected } from "./protect";
import { rbacLeastPrivilege } from "./rbac";
import { chainsSignsWithKms, mirrorCredentialsPromoteOnly } from "./release-secrets";
import {
    gcpContainerScanningEnabled,
    noPublicStorage,
    registryScansImages,
    storageEncryptedAndVersioned,
} from "./storage";
import { privilegedBuildsIsolated, stepImagesPinned, stepImagesTagOnly } from "./supply";
import { podIdentityTrustScoped } from "./trust";

export const rules: readonly Rule[] = [
    noPublicStorage,
    storageEncryptedAndVersioned,
    registryScansImages,
    gcpContainerScanningEnabled,
    iamLeastPrivilege,
    gateInstallerGuarded,
    e2eServiceAccountPullOnly,
    rbacLeastPrivilege,
    buildPoolSpotScalesToZero,
    buildPoolLabelled,
    nodeLabelsAllowed,
    releaseStorageProtected,
    azureReleaseStorageLocked,
    buildNamespacePodSecurity,
    networkPolicyEnforced,
    buildPodsNoInstanceMetadata,
    eksNodeMetadataRestricted,
    gkeNodeIdentity,
    gkePrivateNodes,
    podIdentityTrustScoped,
    buildPodsHoldNoIdentity,
    promotedWriters,
    buildPushScoped,
    mirrorCredentialsPromoteOnly,
    chainsSignsWithKms,
    listenerLeastPrivilege,
    listenerRunsAdmitted,
    coreInterceptorsCallers,
    privilegedBuildsIsolated,
    stepImagesPinned,
    stepImagesTagOnly,
];

export {
    buildPodsHoldNoIdentity,
    chainsSignsWithKms,
    coreInterceptorsCallers,
    listenerLeastPrivilege,
    listenerRunsAdmitted,
    mirrorCredentialsPromoteOnly,
    promotedWriters,
    buildPushScoped,
    privilegedBuildsIsolated,
    stepImagesPinned,
    stepImagesTagOnly,
    e2eServiceAccountPullOnly,
    azureReleaseStorageLocked,
    buildNamespacePodSecurity,
    buildPodsNoInstanceMetadata,
    eksNodeMetadataRestricted,
    gkeNodeIdentity,
    gkePrivateNodes,
    networkPolicyEnforced,
    podIdentityTrustScoped,
    buildPoolLabelled,
    buildPoolSpotScalesToZero,
    gcpContainerScanningEnabled,
    iamLeastPrivilege,
    noPublicStorage,
    nodeLabelsAllowed,
    rbacLeastPrivilege,
    registryScansImages,
    releaseStorageProtected,
    storageEncryptedAndVersioned,
};
