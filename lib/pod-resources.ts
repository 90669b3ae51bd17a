// A container's resources as this program sets them: requests for CPU and memory, a memory limit,
// and no CPU limit (throttling hurts latency; the HPA scales on CPU instead).

export interface PodResources {
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
}

/** The Kubernetes `resources` block (also what Helm charts take under `resources`). */
export function resourceRequirements(resources: PodResources): {
    requests: { cpu: string; memory: string };
    limits: { memory: string };
} {
    return {
        requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
        limits: { memory: resources.memoryLimit },
    };
}
