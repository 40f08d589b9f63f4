/**
 * The provider type tokens the policies read, as the SDKs define them (`__pulumiType` in
 * `node_modules/@pulumi/<sdk>/<module>/<resource>.js`). Strings, not SDK classes: the plan runner and the tests never
 * load a cloud SDK, and `test/policy/sdk-drift.test.ts` checks each token and property name against the installed
 * SDKs so a rename cannot silently switch a policy off.
 */
export const t = {
    aws: {
        bucket: "aws:s3/bucket:Bucket",
        bucketV2: "aws:s3/bucketV2:BucketV2",
        publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        bucketEncryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        bucketEncryptionV2:
            "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
        bucketVersioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
        bucketAcl: "aws:s3/bucketAcl:BucketAcl",
        bucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
        bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
        ecrRepository: "aws:ecr/repository:Repository",
        ecrRepositoryPolicy: "aws:ecr/repositoryPolicy:RepositoryPolicy",
        ecrScanning: "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        iamPolicy: "aws:iam/policy:Policy",
        iamRole: "aws:iam/role:Role",
        iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
        iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        iamUser: "aws:iam/user:User",
        iamUserPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        eksCluster: "aws:eks/cluster:Cluster",
        eksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
        eksPodIdentity: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        eksAccessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        eksAddon: "aws:eks/addon:Addon",
        launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    },
    gcp: {
        bucket: "gcp:storage/bucket:Bucket",
        bucketIamMember: "gcp:storage/bucketIAMMember:BucketIAMMember",
        bucketIamBinding: "gcp:storage/bucketIAMBinding:BucketIAMBinding",
        arRepository: "gcp:artifactregistry/repository:Repository",
        arIamMember: "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember",
        arIamBinding: "gcp:artifactregistry/repositoryIamBinding:RepositoryIamBinding",
        projectIamMember: "gcp:projects/iAMMember:IAMMember",
        projectIamBinding: "gcp:projects/iAMBinding:IAMBinding",
        projectService: "gcp:projects/service:Service",
        serviceAccount: "gcp:serviceaccount/account:Account",
        serviceAccountIamMember: "gcp:serviceaccount/iAMMember:IAMMember",
        serviceAccountIamBinding: "gcp:serviceaccount/iAMBinding:IAMBinding",
        gkeCluster: "gcp:container/cluster:Cluster",
        network: "gcp:compute/network:Network",
        gkeNodePool: "gcp:container/nodePool:NodePool",
    },
    azure: {
        storageAccount: "azure-native:storage:StorageAccount",
        blobContainer: "azure-native:storage:BlobContainer",
        blobServiceProperties: "azure-native:storage:BlobServiceProperties",
        registry: "azure-native:containerregistry:Registry",
        roleAssignment: "azure-native:authorization:RoleAssignment",
        roleDefinition: "azure-native:authorization:RoleDefinition",
        identity: "azure-native:managedidentity:UserAssignedIdentity",
        federatedCredential: "azure-native:managedidentity:FederatedIdentityCredential",
        aksCluster: "azure-native:containerservice:ManagedCluster",
        aksAgentPool: "azure-native:containerservice:AgentPool",
        managementLock: "azure-native:authorization:ManagementLockByScope",
    },
    k8s: {
        namespace: "kubernetes:core/v1:Namespace",
        clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
        role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
        clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        serviceAccount: "kubernetes:core/v1:ServiceAccount",
        secret: "kubernetes:core/v1:Secret",
        secretPatch: "kubernetes:core/v1:SecretPatch",
        configMapPatch: "kubernetes:core/v1:ConfigMapPatch",
        resourceQuota: "kubernetes:core/v1:ResourceQuota",
        validatingAdmissionPolicy: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
        validatingAdmissionPolicyBinding: "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding",
    },
    /**
     * Tekton objects, created as `k8s.apiextensions.CustomResource` (whose token is `kubernetes:<apiVersion>:<kind>`):
     * no SDK class declares them, so `tokenSources` (./token-sources.ts) has no entry for them.
     */
    tekton: {
        task: "kubernetes:tekton.dev/v1:Task",
        pipeline: "kubernetes:tekton.dev/v1:Pipeline",
        triggerTemplate: "kubernetes:triggers.tekton.dev/v1beta1:TriggerTemplate",
        eventListener: "kubernetes:triggers.tekton.dev/v1beta1:EventListener",
    },
} as const;
