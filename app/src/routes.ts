// The service's routes and ports. The server answers exactly these; the Deployment's probes, the
// ServiceMonitor, the dashboard and the alerts (components/) read them from here.
export const ROUTES = { root: "/", liveness: "/healthz", readiness: "/readyz", metrics: "/metrics" } as const;
export type Route = (typeof ROUTES)[keyof typeof ROUTES];

/** Probes and scrapes, not user traffic: no access log line, and left out of traffic panels and alerts. */
export const QUIET_ROUTES: readonly Route[] = [ROUTES.liveness, ROUTES.readiness, ROUTES.metrics];

/** The traffic port's default (PORT): the hello and the probes. */
export const APP_PORT = 8080;
/** What the traffic port answers; everything else there, /metrics included, is 404. */
export const APP_ROUTES: readonly Route[] = [ROUTES.root, ROUTES.liveness, ROUTES.readiness];

/** The metrics port's default (METRICS_PORT): a listener of its own, apart from traffic, for Prometheus. */
export const METRICS_PORT = 9090;
/** The one path the metrics port answers. */
export const METRICS_PATH = ROUTES.metrics;
/** A name for the metrics port in a pod spec, for the ServiceMonitor's endpoint to refer to. */
export const METRICS_PORT_NAME = "metrics";
