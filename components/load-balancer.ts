// The backend's internet-facing NLB: the Service's annotations and ports, and the network policies
// that say who may reach the pods. Pure builders; components/backend.ts creates the objects.
import type * as k8s from "@pulumi/kubernetes";
import { CONTAINER_PORT, PATHS, PORT_NAME, SERVICE_PORT, selectorLabels } from "./backend-pod";

export const LOAD_BALANCER_ANNOTATIONS: Readonly<Record<string, string>> = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol": "http",
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "traffic-port",
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-path": PATHS.readiness,
    "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": "10",
    "service.beta.kubernetes.io/aws-load-balancer-attributes": "load_balancing.cross_zone.enabled=true",
    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": "deregistration_delay.timeout_seconds=30",
};

export function serviceSpec(name: string, sourceRanges: readonly string[]): k8s.types.input.core.v1.ServiceSpec {
    return {
        type: "LoadBalancer",
        loadBalancerClass: "service.k8s.aws/nlb",
        selector: selectorLabels(name),
        ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" }],
        ...(sourceRanges.length > 0 ? { loadBalancerSourceRanges: [...sourceRanges] } : {}),
    };
}

export type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Default deny, then exactly what the backend needs. `ip` targets reach pods from NLB addresses in the VPC. */
export function networkPolicies(name: string, vpcCidr: string): Record<string, NetworkPolicySpec> {
    const pods = { matchLabels: selectorLabels(name) };
    return {
        "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        "allow-load-balancer": {
            podSelector: pods,
            policyTypes: ["Ingress"],
            // Numeric: the AWS network policy agent has resolved named ports wrongly.
            ingress: [{ from: [{ ipBlock: { cidr: vpcCidr } }], ports: [{ protocol: "TCP", port: CONTAINER_PORT }] }],
        },
        "allow-dns": {
            podSelector: pods,
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
            ],
        },
    };
}
