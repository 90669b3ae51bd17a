// What one shared review stack may use on its host: the tenant layer writes it as the namespace's
// ResourceQuota and LimitRange (trusted code), the app layer checks its own requests against it
// before any resource, and the sizing behind "20 review stacks fit the dev cluster" is computed from
// it (tests/review-sizing.test.ts). Quantities in the forms Kubernetes takes.

/** The namespace's ResourceQuota `hard`: compute, object counts, and no volumes or node ports. */
export const REVIEW_QUOTA: Readonly<Record<string, string>> = Object.freeze({
    "requests.cpu": "250m",
    "requests.memory": "512Mi",
    "limits.memory": "1Gi",
    // Two replicas, a rollout's surge pod, and the pod it replaces while that one terminates.
    pods: "4",
    // Stateless: a volume would outlive the review and bill on.
    persistentvolumeclaims: "0",
    "requests.storage": "0",
    // At most one NLB (--public); it needs no node ports (IP targets, allocateLoadBalancerNodePorts false).
    "services.loadbalancers": "1",
    "services.nodeports": "0",
    // No Ingress: the controller's IngressClass would make an internet-facing ALB of one.
    "count/ingresses.networking.k8s.io": "0",
    // Object counts: a review's code must not flood the host's etcd.
    services: "5",
    configmaps: "20",
    secrets: "20",
    "count/jobs.batch": "5",
});

/**
 * The LimitRange's per-container defaults and bound: a pod without resources still counts against
 * the quota. Memory only: a `max.cpu` would also become every container's default CPU limit (the API
 * server defaults `default` to `max`), and this program sets no CPU limit; the quota caps CPU.
 */
export const REVIEW_CONTAINER_LIMITS = Object.freeze({
    defaultRequest: Object.freeze({ cpu: "50m", memory: "64Mi" }),
    default: Object.freeze({ memory: "128Mi" }),
    max: Object.freeze({ memory: "512Mi" }),
});

/** The HPA's ceiling in a review namespace: two replicas show that scaling works; load tests belong on a cluster. */
export const REVIEW_MAX_REPLICAS = 2;

/** How many review stacks the dev cluster is sized for (README "Review stacks on dev"). */
export const REVIEW_STACKS_SIZED_FOR = 20;
