/** Every okd-ci policy, in the order the pack and the plan runner apply them. */
import type { Rule } from "../model";
import { buildNamespacePodSecurity } from "./namespace";
import { e2eServiceAccountPullOnly } from "./e2e-pull";
import { iamLeastPrivilege } from "./iam";
import { buildPoolLabelled, buildPoolSpotScalesToZero } from "./pools";
import { releaseStorageProtected } from "./protect";
import { rbacLeastPrivilege } from "./rbac";
import {
    gcpContainerScanningEnabled,
    noPublicStorage,
    registryScansImages,
    storageEncryptedAndVersioned,
} from "./storage";

export const rules: readonly Rule[] = [
    noPublicStorage,
    storageEncryptedAndVersioned,
    registryScansImages,
    gcpContainerScanningEnabled,
    iamLeastPrivilege,
    e2eServiceAccountPullOnly,
    rbacLeastPrivilege,
    buildPoolSpotScalesToZero,
    buildPoolLabelled,
    releaseStorageProtected,
    buildNamespacePodSecurity,
];

export {
    e2eServiceAccountPullOnly,
    buildNamespacePodSecurity,
    buildPoolLabelled,
    buildPoolSpotScalesToZero,
    gcpContainerScanningEnabled,
    iamLeastPrivilege,
    noPublicStorage,
    rbacLeastPrivilege,
    registryScansImages,
    releaseStorageProtected,
    storageEncryptedAndVersioned,
};
