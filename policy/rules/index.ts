/** Every okd-ci policy, in the order the pack and the plan runner apply them. */
import type { Rule } from "../model";
import { buildNamespacePodSecurity } from "./namespace";
import { iamLeastPrivilege } from "./iam";
import {
    buildPodsNoInstanceMetadata,
    eksNodeMetadataRestricted,
    gkeNodeIdentity,
    gkePrivateNodes,
    networkPolicyEnforced,
} from "./isolation";
import { nodeLabelsAllowed } from "./labels";
import { buildPoolLabelled, buildPoolSpotScalesToZero } from "./pools";
import { releaseStorageProtected } from "./protect";
import { rbacLeastPrivilege } from "./rbac";
import {
    gcpContainerScanningEnabled,
    noPublicStorage,
    registryScansImages,
    storageEncryptedAndVersioned,
} from "./storage";
import { podIdentityTrustScoped } from "./trust";

export const rules: readonly Rule[] = [
    noPublicStorage,
    storageEncryptedAndVersioned,
    registryScansImages,
    gcpContainerScanningEnabled,
    iamLeastPrivilege,
    rbacLeastPrivilege,
    buildPoolSpotScalesToZero,
    buildPoolLabelled,
    nodeLabelsAllowed,
    releaseStorageProtected,
    buildNamespacePodSecurity,
    networkPolicyEnforced,
    buildPodsNoInstanceMetadata,
    eksNodeMetadataRestricted,
    gkeNodeIdentity,
    gkePrivateNodes,
    podIdentityTrustScoped,
];

export {
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
