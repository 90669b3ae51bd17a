// The service's routes. The server answers exactly these; the Deployment's probes, the
// ServiceMonitor, the dashboard and the alerts (components/) read them from here.
export const ROUTES = { root: "/", liveness: "/healthz", readiness: "/readyz", metrics: "/metrics" } as const;
export type Route = (typeof ROUTES)[keyof typeof ROUTES];

/** Probes and scrapes, not user traffic: no access log line, and left out of traffic panels and alerts. */
export const QUIET_ROUTES: readonly Route[] = [ROUTES.liveness, ROUTES.readiness, ROUTES.metrics];
