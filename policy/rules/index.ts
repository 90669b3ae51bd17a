// The hardening baseline as CrossGuard policies: plain policy objects, without enforcement levels
// (policy/enforcement.ts sets them per environment), and the pure helpers they use, one file per
// area (placeholders.ts: the committed files' documentation values), with what several areas use in shared.ts. This file re-exports them all and lists the
// pack's rules. Only policy/index.ts builds the PolicyPack, so tests call these validations directly.
//
// How the rules read the stack:
// - Rules match resources by type token, not by SDK class: the pack then loads neither @pulumi/aws
//   nor @pulumi/kubernetes, which would add seconds to every preview.
// - A resource policy sees the inputs the program registered. For the remote `eks:index:Cluster`
//   component those inputs are all that mocks and previews show of the cluster; on a real run its
//   child `aws:eks/cluster:Cluster` is validated too, so cluster rules read both shapes.
// - A stack policy sees each resource's state: outputs, which include a custom resource's inputs
//   but only the registered outputs of a component. Stack policies therefore read properties of
//   custom resources only and follow references through `propertyDependencies`, which exist even
//   while values are unknown. The Kubernetes provider keeps the program's inputs under `__inputs`
//   in its state; rules that must tell declared from defaulted fields read those.
// - During a preview a value may be unknown: reading it throws, and the SDK reports the rule as not
//   runnable (advisory) for that resource. Each rule reads only the fields it needs.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    ebsEncryption,
    eksAuthenticationMode,
    eksControlPlaneLogs,
    eksControlPlaneLogsComplete,
    eksNodeSubnetsPrivate,
    eksNodesNoPublicIp,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    eksSecretsEncryption,
    eksSecretsKeyManaged,
    kmsKeyRotation,
    nodeImdsv2,
} from "./cluster";
import { iamNoWildcardAction, iamNoWildcardResourceWrites, irsaTrustScoped } from "./iam";
import {
    containerProbes,
    containerResources,
    imagePinned,
    namespacePodSecurityLabels,
    noDefaultNamespace,
    noReplicasUnderHpa,
    podSecurityRestricted,
    readOnlyRootFilesystem,
} from "./workloads";
import { backendTls, loadBalancerClass, loadBalancerRestricted, monitoringUiNotPublic } from "./services";
import { noPlaceholderValues } from "./placeholders";
import { grafanaAdminPassword, helmChartPinned } from "./helm";

export { asList, chartName, declaredK8s, readOrUnknown, resourcePolicy, TYPES, UNKNOWN } from "./shared";
export type { Check } from "./shared";
export * from "./cluster";
export * from "./iam";
export * from "./workloads";
export * from "./services";
export * from "./helm";
export * from "./placeholders";

/** Every rule of the pack, in the order the README lists them. */
export const ALL_POLICIES: readonly (ResourceValidationPolicy | StackValidationPolicy)[] = [
    eksSecretsEncryption,
    kmsKeyRotation,
    eksSecretsKeyManaged,
    eksControlPlaneLogs,
    eksControlPlaneLogsComplete,
    eksPrivateEndpoint,
    eksPublicEndpointRestricted,
    eksAuthenticationMode,
    eksNodesNoPublicIp,
    eksNodeSubnetsPrivate,
    nodeImdsv2,
    ebsEncryption,
    iamNoWildcardAction,
    iamNoWildcardResourceWrites,
    irsaTrustScoped,
    podSecurityRestricted,
    readOnlyRootFilesystem,
    containerResources,
    containerProbes,
    imagePinned,
    noReplicasUnderHpa,
    namespacePodSecurityLabels,
    noDefaultNamespace,
    monitoringUiNotPublic,
    loadBalancerRestricted,
    loadBalancerClass,
    backendTls,
    helmChartPinned,
    grafanaAdminPassword,
    noPlaceholderValues,
];
