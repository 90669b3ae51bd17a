// Service and Helm rules of the policy pack: monitoring UIs never public, load balancers restricted
// (prod), charts pinned from https repositories, Grafana's admin password never a default nor a value.
import * as assert from "node:assert/strict";
import { LOAD_BALANCER_ANNOTATIONS, loadBalancerAnnotations, serviceSpec } from "../components/backend";
import {
    backendTls,
    chartName,
    chartSourceProblem,
    grafanaAdminPassword,
    helmChartPinned,
    isExactVersion,
    loadBalancerClass,
    loadBalancerRestricted,
    monitoringUiNotPublic,
} from "../policy/rules";
import { checkResource } from "../testing/policy";
import { one, stackRun } from "./helpers";

const SERVICE = "kubernetes:core/v1:Service";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The kube-prometheus-stack release exactly as the program registers it for prod, optionally edited. */
async function kubePrometheusStack(edit?: (values: Record<string, any>) => void): Promise<Record<string, any>> {
    const release = structuredClone(one(await stackRun("prod"), RELEASE, "monitoring-stack").inputs);
    edit?.(release.values);
    return release;
}

/** The backend Service exactly as components/backend.ts builds it. */
const backendService = (sourceRanges: string[], annotations: Record<string, string> = {}) => ({
    metadata: { name: "backend", namespace: "backend", annotations: { ...LOAD_BALANCER_ANNOTATIONS, ...annotations } },
    spec: serviceSpec("backend", sourceRanges),
});

const PUBLIC_UI_FIX =
    "keep it ClusterIP and use kubectl port-forward (pulumi stack output grafanaPortForward), or make the load balancer internal (service.beta.kubernetes.io/aws-load-balancer-scheme: internal).";

describe("policy: service and Helm rules", () => {
    describe("load-balancer-class", () => {
        it("passes the backend's NLB Service, a ClusterIP Service and any Service that names a class", async () => {
            assert.deepEqual(await checkResource(loadBalancerClass, { type: SERVICE, props: backendService([]) }), []);
            assert.deepEqual(
                await checkResource(loadBalancerClass, { type: SERVICE, props: { spec: { type: "ClusterIP" } } }),
                [],
            );
            assert.deepEqual(
                await checkResource(loadBalancerClass, {
                    type: SERVICE,
                    props: { spec: { type: "LoadBalancer", loadBalancerClass: "example.com/other" } },
                }),
                [],
            );
        });

        it("fails a LoadBalancer Service without a class: the in-tree controller would make it a Classic Load Balancer", async () => {
            const service = backendService([]);
            delete (service.spec as Record<string, unknown>).loadBalancerClass;
            assert.deepEqual(await checkResource(loadBalancerClass, { type: SERVICE, props: service }), [
                'The LoadBalancer Service backend names no loadBalancerClass, so the in-tree cloud controller makes it a Classic Load Balancer without the controller\'s annotations or readiness gates: set spec.loadBalancerClass: "service.k8s.aws/nlb".',
            ]);
        });
    });

    describe("monitoring-ui-not-public", () => {
        it("passes the monitoring stack's ClusterIP UIs, an internal Grafana load balancer and the backend's public NLB", async () => {
            assert.deepEqual(
                await checkResource(monitoringUiNotPublic, { type: RELEASE, props: await kubePrometheusStack() }),
                [],
            );
            const internal = {
                metadata: {
                    name: "grafana",
                    annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
                },
                spec: { type: "LoadBalancer" },
            };
            assert.deepEqual(await checkResource(monitoringUiNotPublic, { type: SERVICE, props: internal }), []);
            assert.deepEqual(
                await checkResource(monitoringUiNotPublic, {
                    type: SERVICE,
                    name: "backend-service",
                    props: backendService([]),
                }),
                [],
            );
        });

        it("fails a public load balancer for a UI found by name, label or resource name", async () => {
            const byLabel = {
                metadata: { name: "ui", labels: { "app.kubernetes.io/name": "grafana" } },
                spec: { type: "LoadBalancer" },
            };
            assert.deepEqual(await checkResource(monitoringUiNotPublic, { type: SERVICE, props: byLabel }), [
                `Service ui (grafana) is a public LoadBalancer: ${PUBLIC_UI_FIX}`,
            ]);
            const byResourceName = {
                metadata: {
                    name: "ui",
                    annotations: { "service.beta.kubernetes.io/aws-load-balancer-internal": "false" },
                },
                spec: { type: "LoadBalancer" },
            };
            assert.deepEqual(
                await checkResource(monitoringUiNotPublic, {
                    type: SERVICE,
                    name: "alertmanager-lb",
                    props: byResourceName,
                }),
                [`Service ui (alertmanager-lb) is a public LoadBalancer: ${PUBLIC_UI_FIX}`],
            );
        });

        it("fails Helm values that give a monitoring UI a public load balancer", async () => {
            const props = await kubePrometheusStack((values) => {
                values.grafana.service = { type: "LoadBalancer" };
                values.prometheus.service = {
                    type: "LoadBalancer",
                    annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
                };
            });
            assert.deepEqual(await checkResource(monitoringUiNotPublic, { type: RELEASE, props }), [
                `values.grafana.service.type is LoadBalancer, a public load balancer for a monitoring UI: ${PUBLIC_UI_FIX}`,
            ]);
            const grafanaChart = {
                chart: "oci://registry.example.com/charts/grafana",
                version: "9.0.0",
                values: { service: { type: "LoadBalancer" } },
            };
            assert.deepEqual(
                await checkResource(monitoringUiNotPublic, {
                    type: "kubernetes:helm.sh/v4:Chart",
                    props: grafanaChart,
                }),
                [`values.service.type is LoadBalancer, a public load balancer for a monitoring UI: ${PUBLIC_UI_FIX}`],
            );
        });

        it("names charts from a name, a repo/name, an OCI reference or a .tgz URL", () => {
            assert.deepEqual(
                [
                    "grafana",
                    "prometheus-community/kube-prometheus-stack",
                    "oci://ghcr.io/org/alertmanager",
                    "https://example.com/grafana-9.0.1.tgz",
                    undefined,
                ].map(chartName),
                ["grafana", "kube-prometheus-stack", "alertmanager", "grafana", ""],
            );
        });
    });

    describe("load-balancer-restricted", () => {
        it("passes prod's backend Service (source ranges), a TLS listener on every port, an internal one and a ClusterIP", async () => {
            assert.deepEqual(
                await checkResource(loadBalancerRestricted, {
                    type: SERVICE,
                    props: backendService(["203.0.113.0/24"]),
                }),
                [],
            );
            const tls = backendService([], {
                "service.beta.kubernetes.io/aws-load-balancer-ssl-cert":
                    "arn:aws:acm:eu-west-1:111122223333:certificate/c",
                "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "http",
            });
            assert.deepEqual(await checkResource(loadBalancerRestricted, { type: SERVICE, props: tls }), []);
            assert.deepEqual(
                await checkResource(loadBalancerRestricted, {
                    type: SERVICE,
                    props: backendService([], { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(loadBalancerRestricted, { type: SERVICE, props: { spec: { type: "ClusterIP" } } }),
                [],
            );
            const annotated = backendService([], {
                "service.beta.kubernetes.io/load-balancer-source-ranges": "198.51.100.0/24, 203.0.113.0/24",
            });
            assert.deepEqual(await checkResource(loadBalancerRestricted, { type: SERVICE, props: annotated }), []);
        });

        it("fails dev's backend Service (open to all) and source ranges that include 0.0.0.0/0", async () => {
            assert.deepEqual(
                await checkResource(loadBalancerRestricted, { type: SERVICE, props: backendService([]) }),
                [
                    "The internet-facing load balancer admits the whole internet (no loadBalancerSourceRanges): list the clients' CIDRs in spec.loadBalancerSourceRanges (backend.loadBalancerSourceRanges in the stack config), terminate TLS on it (service.beta.kubernetes.io/aws-load-balancer-ssl-cert), or make it internal.",
                ],
            );
            assert.deepEqual(
                await checkResource(loadBalancerRestricted, {
                    type: SERVICE,
                    props: backendService(["203.0.113.0/24", "0.0.0.0/0"]),
                }),
                [
                    "The internet-facing load balancer admits 0.0.0.0/0: list the clients' CIDRs in spec.loadBalancerSourceRanges (backend.loadBalancerSourceRanges in the stack config), terminate TLS on it (service.beta.kubernetes.io/aws-load-balancer-ssl-cert), or make it internal.",
                ],
            );
        });

        it("fails TLS on only some of the ports", async () => {
            const props = backendService([], {
                "service.beta.kubernetes.io/aws-load-balancer-ssl-cert":
                    "arn:aws:acm:eu-west-1:111122223333:certificate/c",
                "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "443",
            });
            assert.deepEqual(await checkResource(loadBalancerRestricted, { type: SERVICE, props }), [
                "The internet-facing load balancer admits the whole internet (no loadBalancerSourceRanges): list the clients' CIDRs in spec.loadBalancerSourceRanges (backend.loadBalancerSourceRanges in the stack config), terminate TLS on it (service.beta.kubernetes.io/aws-load-balancer-ssl-cert), or make it internal.",
            ]);
        });
    });

    describe("backend-tls", () => {
        const ARN = "arn:aws:acm:eu-west-1:210987654321:certificate/x";
        const tlsService = (
            annotations: Record<string, string> = {},
            ports = serviceSpec("backend", [], true).ports,
        ) => ({
            metadata: {
                name: "backend",
                annotations: { ...loadBalancerAnnotations({ certificateArn: ARN }, ARN), ...annotations },
            },
            spec: { ...serviceSpec("backend", [], true), ports },
        });
        const check = (props: Record<string, any>) => checkResource(backendTls, { type: SERVICE, props });
        it("passes TLS on every port under the TLS 1.3/1.2 policy, a stated terminator, and internal or ClusterIP Services", async () => {
            assert.deepEqual(await check(tlsService()), []);
            assert.deepEqual(
                await check(backendService([], { "scalable-backend/tls-terminated-by": "CloudFront E2EXAMPLE" })),
                [],
            );
            assert.deepEqual(
                await check(backendService([], { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" })),
                [],
            );
            assert.deepEqual(await check({ metadata: { name: "x" }, spec: { type: "ClusterIP" } }), []);
        });
        it("refuses plain HTTP, a plain port beside TLS, and a weaker security policy", async () => {
            assert.deepEqual(await check(backendService([])), [
                "The internet-facing Service backend serves plain HTTP: set backend.tls in the stack config to certificateDomain or certificateArn (TLS on the NLB), or to terminatedBy naming what terminates TLS in front of it.",
            ]);
            assert.deepEqual(await check(backendService([], { "scalable-backend/tls-terminated-by": "  " })), [
                "The internet-facing Service backend serves plain HTTP: set backend.tls in the stack config to certificateDomain or certificateArn (TLS on the NLB), or to terminatedBy naming what terminates TLS in front of it.",
            ]);
            assert.deepEqual(
                await check(
                    tlsService({}, [
                        { name: "https", port: 443, targetPort: "http", protocol: "TCP" },
                        { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
                    ]),
                ),
                [
                    "The Service backend has a certificate, but port 80 listens in plain text: list every port in service.beta.kubernetes.io/aws-load-balancer-ssl-ports and expose no plain one (an NLB cannot redirect).",
                ],
            );
            assert.deepEqual(
                await check(
                    tlsService({
                        "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy":
                            "ELBSecurityPolicy-2016-08",
                    }),
                ),
                [
                    "The Service backend listens with TLS under ELBSecurityPolicy-2016-08: set service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy: ELBSecurityPolicy-TLS13-1-2-2021-06.",
                ],
            );
        });
    });

    describe("helm-chart-pinned", () => {
        it("accepts exact semantic versions only", () => {
            assert.deepEqual(
                [
                    "1.2.3",
                    "v88.5.3",
                    "1.0.0-rc.1+build.5",
                    "^1.2.3",
                    "~1.2",
                    "1.2",
                    "1.2.x",
                    ">=1.0.0",
                    "latest",
                    "01.2.3",
                    undefined,
                    3,
                ].map(isExactVersion),
                [true, true, true, false, false, false, false, false, false, false, false, false],
            );
        });

        it("judges chart sources: https and OCI are fine, plain HTTP and local repo names are not", () => {
            assert.equal(chartSourceProblem("grafana", "https://grafana.github.io/helm-charts", false), "");
            assert.equal(chartSourceProblem("oci://ghcr.io/org/chart", undefined, false), "");
            assert.equal(chartSourceProblem("https://example.com/chart-1.0.0.tgz", undefined, false), "");
            assert.equal(
                chartSourceProblem("grafana", "http://charts.example.com", false),
                "its repository http://charts.example.com is not https",
            );
            assert.equal(
                chartSourceProblem("http://example.com/chart-1.0.0.tgz", undefined, false),
                "it is fetched over plain HTTP (http://example.com/chart-1.0.0.tgz)",
            );
            assert.equal(
                chartSourceProblem("oci://registry.local/chart", undefined, true),
                "it is pulled over plain HTTP (plainHttp: true)",
            );
            assert.equal(
                chartSourceProblem("bitnami/redis", undefined, false),
                'it names no repository, so it comes from whatever "helm repo" this machine has configured',
            );
        });

        it("passes the program's releases and a chart vendored in the repository", async () => {
            assert.deepEqual(
                await checkResource(helmChartPinned, { type: RELEASE, props: await kubePrometheusStack() }),
                [],
            );
            assert.deepEqual(
                await checkResource(helmChartPinned, {
                    type: "kubernetes:helm.sh/v4:Chart",
                    props: { chart: "./charts/local" },
                }),
                [],
            );
        });

        it("fails a version range from a plain-HTTP repository", async () => {
            const props = { chart: "redis", version: "^18.0.0", repositoryOpts: { repo: "http://charts.example.com" } };
            assert.deepEqual(await checkResource(helmChartPinned, { type: RELEASE, props }), [
                'Chart redis is not pinned (version "^18.0.0"): set version to an exact chart version such as "1.2.3".',
                "Chart redis is not from an https repository (its repository http://charts.example.com is not https): set repositoryOpts.repo to the chart's https URL.",
            ]);
        });

        it("fails an unversioned v3 Chart that relies on the local helm repo config", async () => {
            assert.deepEqual(
                await checkResource(helmChartPinned, {
                    type: "kubernetes:helm.sh/v3:Chart",
                    props: { chart: "bitnami/redis" },
                }),
                [
                    'Chart bitnami/redis is not pinned (version unset): set version to an exact chart version such as "1.2.3".',
                    'Chart bitnami/redis is not from an https repository (it names no repository, so it comes from whatever "helm repo" this machine has configured): set fetchOpts.repo to the chart\'s https URL.',
                ],
            );
        });
    });

    describe("grafana-admin-password", () => {
        it("passes the program's values (password from the grafana-admin Secret), a standalone chart's generated password, Grafana off, and other charts", async () => {
            assert.deepEqual(
                await checkResource(grafanaAdminPassword, { type: RELEASE, props: await kubePrometheusStack() }),
                [],
            );
            assert.deepEqual(
                await checkResource(grafanaAdminPassword, {
                    type: RELEASE,
                    props: { chart: "grafana", version: "9.0.0", values: {} },
                }),
                [],
            );
            const off = await kubePrometheusStack((values) => (values.grafana = { enabled: false }));
            assert.deepEqual(await checkResource(grafanaAdminPassword, { type: RELEASE, props: off }), []);
            assert.deepEqual(
                await checkResource(grafanaAdminPassword, {
                    type: RELEASE,
                    props: { chart: "redis", values: { adminPassword: "x" } },
                }),
                [],
            );
        });

        it("fails kube-prometheus-stack left on its default password", async () => {
            const defaults = await kubePrometheusStack((values) => delete values.grafana.admin);
            assert.deepEqual(await checkResource(grafanaAdminPassword, { type: RELEASE, props: defaults }), [
                "Grafana keeps the chart's default admin password (prom-operator): create a Secret with the password and set values.grafana.admin.existingSecret (with userKey and passwordKey).",
            ]);
        });

        it("fails a password in plain values, and says when it is the well-known default", async () => {
            const plain = await kubePrometheusStack((values) => (values.grafana.adminPassword = "prom-operator"));
            assert.deepEqual(await checkResource(grafanaAdminPassword, { type: RELEASE, props: plain }), [
                "values.grafana.adminPassword puts Grafana's admin password in plain Helm values, readable in the release, and it is the chart's well-known default: keep it in a Kubernetes Secret and set values.grafana.admin.existingSecret instead.",
            ]);
            assert.deepEqual(
                await checkResource(grafanaAdminPassword, {
                    type: "kubernetes:helm.sh/v4:Chart",
                    props: { chart: "grafana", values: { adminPassword: "s3cret-but-plain" } },
                }),
                [
                    "values.adminPassword puts Grafana's admin password in plain Helm values, readable in the release: keep it in a Kubernetes Secret and set values.admin.existingSecret instead.",
                ],
            );
        });
    });
});
