// The backend's internet-facing NLB: the Service's annotations, ports and TLS, and the network policies
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

/** How the backend's clients get TLS (config/tls.ts decides which). */
export type TlsSettings =
    /** An ISSUED ACM certificate for this domain in the stack's region, looked up before any resource. */
    | { readonly certificateDomain: string }
    | { readonly certificateArn: string }
    /** What terminates TLS in front of the stack; the NLB listens with plain HTTP. */
    | { readonly terminatedBy: string }
    /** Plain HTTP on port 80 (dev and review stacks only). */
    | { readonly plainHttp: true };

export const HTTPS_PORT = 443;
export const HTTPS_PORT_NAME = "https";
/** TLS 1.3 and 1.2 only, forward-secret ciphers: the NLB listener's security policy. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** Read by people and by the policy pack (backend-tls, no-placeholder-values). */
export const TLS_DOMAIN_ANNOTATION = "scalable-backend/tls-certificate-domain";
export const TLS_TERMINATED_BY_ANNOTATION = "scalable-backend/tls-terminated-by";

export function listensWithTls(tls: TlsSettings): boolean {
    return "certificateDomain" in tls || "certificateArn" in tls;
}

/** The Service's annotations: the NLB's, and the TLS listener's or the statement of who terminates TLS. */
export function loadBalancerAnnotations(tls: TlsSettings, certificateArn: string | undefined): Record<string, string> {
    if (listensWithTls(tls) !== (certificateArn !== undefined))
        throw new Error(
            "loadBalancerAnnotations: a certificate ARN goes with certificateDomain or certificateArn only",
        );
    if (certificateArn !== undefined)
        return {
            ...LOAD_BALANCER_ANNOTATIONS,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": certificateArn,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": HTTPS_PORT_NAME,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": TLS_POLICY,
            ...("certificateDomain" in tls ? { [TLS_DOMAIN_ANNOTATION]: tls.certificateDomain } : {}),
        };
    if ("terminatedBy" in tls)
        return { ...LOAD_BALANCER_ANNOTATIONS, [TLS_TERMINATED_BY_ANNOTATION]: tls.terminatedBy };
    return { ...LOAD_BALANCER_ANNOTATIONS };
}

/**
 * The NLB listens on 443 with TLS, or on 80 with plain HTTP, never both: an NLB cannot redirect, so
 * a plain port next to TLS would serve clients in the clear.
 */
export function serviceSpec(
    name: string,
    sourceRanges: readonly string[],
    tls = false,
): k8s.types.input.core.v1.ServiceSpec {
    const port = tls
        ? { name: HTTPS_PORT_NAME, port: HTTPS_PORT, targetPort: PORT_NAME, protocol: "TCP" }
        : { name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP" };
    return {
        type: "LoadBalancer",
        loadBalancerClass: "service.k8s.aws/nlb",
        selector: selectorLabels(name),
        ports: [port],
        ...(sourceRanges.length > 0 ? { loadBalancerSourceRanges: [...sourceRanges] } : {}),
    };
}

export type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

type NetworkPolicyRule = k8s.types.input.networking.v1.NetworkPolicyIngressRule;

/** Traffic from the NLB: its addresses in the public subnets, on the container's port. */
export function loadBalancerIngressRule(loadBalancerCidrs: readonly string[]): NetworkPolicyRule {
    return {
        from: loadBalancerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
        // Numeric: the AWS network policy agent has resolved named ports wrongly.
        ports: [{ protocol: "TCP", port: CONTAINER_PORT }],
    };
}

/** Cluster DNS: CoreDNS in kube-system, UDP and TCP 53. */
export function dnsEgressRule(): k8s.types.input.networking.v1.NetworkPolicyEgressRule {
    return {
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
    };
}

/** Default deny, then exactly what the backend needs: the NLB (its addresses in the public subnets) and DNS. */
export function networkPolicies(name: string, loadBalancerCidrs: readonly string[]): Record<string, NetworkPolicySpec> {
    const pods = { matchLabels: selectorLabels(name) };
    return {
        "default-deny": { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        "allow-load-balancer": {
            podSelector: pods,
            policyTypes: ["Ingress"],
            ingress: [loadBalancerIngressRule(loadBalancerCidrs)],
        },
        "allow-dns": { podSelector: pods, policyTypes: ["Egress"], egress: [dnsEgressRule()] },
    };
}
