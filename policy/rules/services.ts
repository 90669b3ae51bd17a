// Service rules: which controller a load balancer belongs to, when one is public, and what a public
// one may front (never a monitoring UI; otherwise only listed source ranges, or TLS).
import type { Props } from "./shared";
import { asList, chartName, HELM_TYPES, OPEN_CIDRS, resourcePolicy, TYPES } from "./shared";

const SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const LEGACY_INTERNAL = "service.beta.kubernetes.io/aws-load-balancer-internal";

/** Internal only when annotated so: the in-tree controller's default is internet-facing. */
export function isInternalLoadBalancer(annotations: Props | undefined): boolean {
    return (
        annotations?.[SCHEME] === "internal" || ["true", "0.0.0.0/0"].includes(String(annotations?.[LEGACY_INTERNAL]))
    );
}

const MONITORING_UI = /grafana|prometheus|alertmanager/i;

/** Helm values that hold each monitoring chart's UI Services, by chart name. */
export const MONITORING_UI_SERVICES: Readonly<Record<string, readonly string[][]>> = {
    "kube-prometheus-stack": [
        ["grafana", "service"],
        ["prometheus", "service"],
        ["alertmanager", "service"],
    ],
    grafana: [["service"]],
    prometheus: [
        ["server", "service"],
        ["alertmanager", "service"],
    ],
    alertmanager: [["service"]],
};

const pathGet = (value: unknown, path: readonly string[]): any =>
    path.reduce<any>((node, key) => (node && typeof node === "object" ? node[key] : undefined), value);

const PUBLIC_UI_FIX =
    "keep it ClusterIP and use kubectl port-forward (pulumi stack output grafanaPortForward), or make the load balancer internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal).";

export const monitoringUiNotPublic = resourcePolicy(
    "monitoring-ui-not-public",
    "Grafana, Prometheus and Alertmanager are never behind a public load balancer.",
    [TYPES.service, ...HELM_TYPES],
    (props, args) => {
        if (args.type === TYPES.service) {
            const labels: Props = props.metadata?.labels ?? {};
            const names = [props.metadata?.name, args.name, labels["app.kubernetes.io/name"], labels.app].filter(
                (n) => typeof n === "string",
            );
            const ui = names.find((n) => MONITORING_UI.test(n));
            if (
                ui === undefined ||
                props.spec?.type !== "LoadBalancer" ||
                isInternalLoadBalancer(props.metadata?.annotations)
            )
                return [];
            return [`Service ${props.metadata?.name ?? args.name} (${ui}) is a public LoadBalancer: ${PUBLIC_UI_FIX}`];
        }
        const paths = MONITORING_UI_SERVICES[chartName(props.chart)] ?? [];
        return paths
            .filter((path) => {
                const service = pathGet(props.values, path);
                return service?.type === "LoadBalancer" && !isInternalLoadBalancer(service.annotations);
            })
            .map(
                (path) =>
                    `values.${path.join(".")}.type is LoadBalancer, a public load balancer for a monitoring UI: ${PUBLIC_UI_FIX}`,
            );
    },
);

export const SSL_CERT = "service.beta.kubernetes.io/aws-load-balancer-ssl-cert";
const SSL_PORTS = "service.beta.kubernetes.io/aws-load-balancer-ssl-ports";
const SSL_POLICY = "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy";
/** TLS 1.3 and 1.2 only, forward-secret ciphers. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/** The program's statement of what terminates TLS in front of a plain-HTTP load balancer (backend.tls.terminatedBy). */
export const TLS_TERMINATED_BY = "scalable-backend/tls-terminated-by";
const SOURCE_RANGES = "service.beta.kubernetes.io/load-balancer-source-ranges";

/** True when TLS terminates on every port of the load balancer. */
export function terminatesTls(annotations: Props, ports: Props[]): boolean {
    if (!annotations[SSL_CERT]) return false;
    const sslPorts = annotations[SSL_PORTS];
    if (sslPorts === undefined || sslPorts === "*") return true;
    const listed = new Set(
        String(sslPorts)
            .split(",")
            .map((p) => p.trim()),
    );
    return ports.every((port) => listed.has(String(port.port)) || (port.name !== undefined && listed.has(port.name)));
}

export const loadBalancerRestricted = resourcePolicy(
    "load-balancer-restricted",
    "Internet-facing LoadBalancer Services admit only configured source ranges, or terminate TLS.",
    [TYPES.service],
    (props) => {
        const annotations: Props = props.metadata?.annotations ?? {};
        if (props.spec?.type !== "LoadBalancer" || isInternalLoadBalancer(annotations)) return [];
        const ranges = [
            ...asList(props.spec?.loadBalancerSourceRanges),
            ...String(annotations[SOURCE_RANGES] ?? "")
                .split(",")
                .map((r) => r.trim())
                .filter(Boolean),
        ];
        const open = ranges.filter((range) => OPEN_CIDRS.has(range));
        if ((ranges.length > 0 && open.length === 0) || terminatesTls(annotations, asList(props.spec?.ports)))
            return [];
        const reach =
            open.length > 0 ? `admits ${open.join(", ")}` : "admits the whole internet (no loadBalancerSourceRanges)";
        return [
            `The internet-facing load balancer ${reach}: list the clients' CIDRs in spec.loadBalancerSourceRanges (backend.loadBalancerSourceRanges in the stack config), terminate TLS on it (${SSL_CERT}), or make it internal.`,
        ];
    },
);

/** The AWS Load Balancer Controller's class for NLBs. */
export const NLB_CLASS = "service.k8s.aws/nlb";

export const loadBalancerClass = resourcePolicy(
    "load-balancer-class",
    "Every LoadBalancer Service names its class (service.k8s.aws/nlb), so the AWS Load Balancer Controller owns it.",
    [TYPES.service],
    (props) => {
        if (props.spec?.type !== "LoadBalancer" || typeof props.spec?.loadBalancerClass === "string") return [];
        // The controller's Service mutator webhook, which defaulted the class, is off (components/platform.ts).
        return [
            `The LoadBalancer Service ${props.metadata?.name ?? ""} names no loadBalancerClass, so the in-tree cloud controller makes it a Classic Load Balancer without the controller's annotations or readiness gates: set spec.loadBalancerClass: "${NLB_CLASS}".`,
        ];
    },
);

const TLS_FIX =
    "set backend.tls in the stack config to certificateDomain or certificateArn (TLS on the NLB), or to terminatedBy naming what terminates TLS in front of it.";

export const backendTls = resourcePolicy(
    "backend-tls",
    `Internet-facing LoadBalancer Services listen with TLS on every port under ${TLS_POLICY}, or state what terminates TLS in front of them.`,
    [TYPES.service],
    (props) => {
        const annotations: Props = props.metadata?.annotations ?? {};
        if (props.spec?.type !== "LoadBalancer" || isInternalLoadBalancer(annotations)) return [];
        if (String(annotations[TLS_TERMINATED_BY] ?? "").trim() !== "") return [];
        const name = props.metadata?.name ?? "";
        if (!annotations[SSL_CERT]) return [`The internet-facing Service ${name} serves plain HTTP: ${TLS_FIX}`];
        const problems: string[] = [];
        const ports = asList(props.spec?.ports);
        if (!terminatesTls(annotations, ports)) {
            const listed = String(annotations[SSL_PORTS])
                .split(",")
                .map((p) => p.trim());
            const plain = ports.filter((p) => !listed.includes(String(p.port)) && !listed.includes(p.name));
            problems.push(
                `The Service ${name} has a certificate, but port ${plain.map((p) => p.port).join(", ")} listens in plain text: list every port in ${SSL_PORTS} and expose no plain one (an NLB cannot redirect).`,
            );
        }
        if (annotations[SSL_POLICY] !== TLS_POLICY)
            problems.push(
                `The Service ${name} listens with TLS under ${annotations[SSL_POLICY] ?? "the NLB's default security policy"}: set ${SSL_POLICY}: ${TLS_POLICY}.`,
            );
        return problems;
    },
);
