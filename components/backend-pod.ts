// The backend's pods: their ports, probes, labels and security context, and the Deployment spec.
// Pure builders; components/backend.ts creates the objects.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
    APP_PORT,
    METRICS_PATH,
    METRICS_PORT,
    METRICS_PORT_NAME as APP_METRICS_PORT_NAME,
    ROUTES,
} from "../app/src/routes";
import { PodResources, resourceRequirements } from "../lib/pod-resources";

export const CONTAINER_PORT = APP_PORT;
export const SERVICE_PORT = 80;
export const PORT_NAME = "http";
/** The app serves /metrics here only: no Service exposes it, Prometheus scrapes it through a PodMonitor. */
export const METRICS_CONTAINER_PORT = METRICS_PORT;
export const METRICS_PORT_NAME = APP_METRICS_PORT_NAME;
/** The app's own routes (app/src/routes.ts): what the probes and the scrape ask for. */
export const PATHS = { liveness: ROUTES.liveness, readiness: ROUTES.readiness, metrics: METRICS_PATH } as const;

/**
 * Seconds the pod keeps serving after deletion starts, while endpoints and the NLB let go of it:
 * NLB target deregistration takes tens of seconds to stop new connections.
 */
export const PRE_STOP_SECONDS = 40;
/** The app's own limit for finishing in-flight requests after SIGTERM (SHUTDOWN_TIMEOUT_SECONDS). */
export const SHUTDOWN_TIMEOUT_SECONDS = 20;
/** Longer than preStop plus the app's drain, so the kubelet never SIGKILLs a draining pod. */
export const TERMINATION_GRACE_SECONDS = PRE_STOP_SECONDS + SHUTDOWN_TIMEOUT_SECONDS + 5;
/** The image's numeric non-root user (app/Dockerfile `USER`). */
export const RUN_AS_USER = 10001;

/** Selector labels: stable for the Deployment's lifetime (a selector cannot change). */
export function selectorLabels(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "api" };
}

export function commonLabels(name: string, stack: string): Record<string, string> {
    return {
        ...selectorLabels(name),
        "app.kubernetes.io/part-of": "scalable-backend",
        "app.kubernetes.io/managed-by": "pulumi",
        "scalable-backend/stack": stack,
    };
}

/** Pod Security `restricted`, enforced; and pod readiness gates so rollouts wait for NLB health. */
export function namespaceLabels(stack: string): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
        "app.kubernetes.io/part-of": "scalable-backend",
        "scalable-backend/stack": stack,
    };
}

export interface PodSpecArgs {
    readonly name: string;
    readonly stack: string;
    readonly image: pulumi.Input<string>;
    readonly serviceAccountName: pulumi.Input<string>;
    readonly resources: PodResources;
}

/** The Deployment spec, without `replicas`: the HPA owns the count, or every `pulumi up` fights it. */
export function deploymentSpec(args: PodSpecArgs): k8s.types.input.apps.v1.DeploymentSpec {
    const selector = selectorLabels(args.name);
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
        httpGet: { path, port: PORT_NAME, scheme: "HTTP" },
        periodSeconds,
        timeoutSeconds: 2,
        failureThreshold,
    });
    const spread = (topologyKey: string) => ({
        maxSkew: 1,
        topologyKey,
        // ScheduleAnyway: the autoscaler cannot add a node in a chosen zone, so a hard rule could strand pods.
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selector },
        matchLabelKeys: ["pod-template-hash"],
    });
    return {
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: 600,
        template: {
            metadata: { labels: commonLabels(args.name, args.stack) },
            spec: {
                serviceAccountName: args.serviceAccountName,
                automountServiceAccountToken: false,
                terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: RUN_AS_USER,
                    runAsGroup: RUN_AS_USER,
                    fsGroup: RUN_AS_USER,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")],
                containers: [
                    {
                        name: args.name,
                        image: args.image,
                        imagePullPolicy: "IfNotPresent",
                        ports: [
                            { name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: "TCP" },
                            { name: METRICS_PORT_NAME, containerPort: METRICS_CONTAINER_PORT, protocol: "TCP" },
                        ],
                        env: [
                            { name: "PORT", value: String(CONTAINER_PORT) },
                            { name: "METRICS_PORT", value: String(METRICS_CONTAINER_PORT) },
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            { name: "SHUTDOWN_TIMEOUT_SECONDS", value: String(SHUTDOWN_TIMEOUT_SECONDS) },
                            { name: "ACCESS_LOG", value: "true" },
                        ],
                        // No CPU limit: throttling hurts latency, and the HPA scales on CPU instead.
                        resources: resourceRequirements(args.resources),
                        startupProbe: probe(PATHS.liveness, 2, 30),
                        livenessProbe: probe(PATHS.liveness, 10, 3),
                        readinessProbe: probe(PATHS.readiness, 5, 2),
                        lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SECONDS } } },
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            runAsNonRoot: true,
                            capabilities: { drop: ["ALL"] },
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                    },
                ],
                volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
        },
    };
}
