// config/backend.ts: the backend's identity, scaling, pod resources, image and load balancer reach.
import { EXPECTED_DEV, EXPECTED_PROD } from "./config-expected";
import { accepts, both, Rejection, rejects, set } from "./config-helpers";

const backendCase = (
    field: string,
    value: unknown,
    says: string,
    expects: string,
    stack: "dev" | "prod" = "dev",
): Rejection => ({
    title: `backend.${field} ${JSON.stringify(value)}`,
    stack,
    edit: set(`backend.${field}`, value),
    key: `backend.${field}`,
    says: [says],
    expects: [expects],
});

describe("config: backend scaling", () => {
    const range = (min: number, max: number) => `an integer from ${min} to ${max}`;
    rejects([
        {
            title: "minReplicas above maxReplicas",
            edit: both(set("backend.minReplicas", 5), set("backend.maxReplicas", 3)),
            key: "backend",
            says: ["has minReplicas 5 above maxReplicas 3"],
            expects: ["minReplicas <= maxReplicas"],
        },
        backendCase("minReplicas", 0, "is 0, out of range", range(1, 100)),
        backendCase("maxReplicas", "2.5", 'is "2.5", not a whole number', range(1, 200)),
        backendCase("minReplicas", 1, "one replica means downtime on every node drain", "at least 2 in prod", "prod"),
        ...[0, 101, -5].map((value) => backendCase("cpuTargetPercent", value, "out of range", range(1, 100))),
        backendCase("cpuTargetPercent", "70%", "not a whole number", range(1, 100)),
        {
            title: "an unknown key inside backend",
            edit: set("backend.replicas", 3),
            key: "backend.replicas",
            says: ["is not a known key"],
            expects: ["only image, minReplicas"],
        },
    ]);
    accepts([
        {
            title: "the dev file's scaling",
            edit: () => undefined,
            read: (c) => c.backend,
            expected: EXPECTED_DEV.backend,
        },
        {
            title: "the prod file's scaling",
            stack: "prod",
            edit: () => undefined,
            read: (c) => c.backend,
            expected: EXPECTED_PROD.backend,
        },
    ]);
});

describe("config: backend pod resources", () => {
    rejects([
        ...["0m", "1.2345", "100M", "abc", "-1"].map((value) =>
            backendCase("cpuRequest", value, `is "${value}", not a CPU quantity`, 'millicores such as "250m"'),
        ),
        ...["256M", "256mi", "0Mi", "1.5Gi", "256"].map((value) =>
            backendCase("memoryRequest", value, `is "${value}", not a memory quantity`, '"256Mi" or "1Gi"'),
        ),
        backendCase(
            "memoryLimit",
            "64Mi",
            'is "64Mi", below memoryRequest "128Mi"',
            "a limit at least as large as the request",
        ),
    ]);
    accepts([
        {
            title: "a memory limit equal to the request in other units",
            edit: both(set("backend.memoryRequest", "1Gi"), set("backend.memoryLimit", "1024Mi")),
            read: (c) => [c.backend.memoryRequest, c.backend.memoryLimit],
            expected: ["1Gi", "1024Mi"],
        },
        {
            title: "cores as a decimal",
            edit: set("backend.cpuRequest", "0.5"),
            read: (c) => c.backend.cpuRequest,
            expected: "0.5",
        },
    ]);
});

describe("config: backend image", () => {
    const digest = `registry.example.com:5000/team/backend@sha256:${"c".repeat(64)}`;
    rejects([
        backendCase("image", "ghcr.io/team/backend", "with neither tag nor digest", "an image pinned by digest"),
        backendCase("image", "ghcr.io/team/backend:latest", '":latest" moves under you', "an image pinned by digest"),
        backendCase("image", "Not An Image", "not an image reference", '"registry/repository:tag"'),
        backendCase("image", `backend@sha256:${"c".repeat(10)}`, "not an image reference", "sha256"),
    ]);
    accepts([
        {
            title: "no prebuilt image: build app/",
            edit: () => undefined,
            read: (c) => c.image,
            expected: EXPECTED_DEV.image,
        },
        {
            title: "a prebuilt image pinned by digest",
            edit: set("backend.image", digest),
            read: (c) => c.image,
            expected: { ...EXPECTED_DEV.image, prebuilt: digest },
        },
        {
            title: "a prebuilt image pinned by a version tag",
            edit: set("backend.image", "ghcr.io/team/backend:v1.4.2"),
            read: (c) => c.image.prebuilt,
            expected: "ghcr.io/team/backend:v1.4.2",
        },
        {
            title: "an empty image as none",
            edit: set("backend.image", ""),
            read: (c) => c.image,
            expected: EXPECTED_DEV.image,
        },
    ]);
});

describe("config: backend load balancer source ranges", () => {
    rejects([
        backendCase("loadBalancerSourceRanges", [], "is empty in prod", "the CIDRs of your clients or CDN", "prod"),
        backendCase(
            "loadBalancerSourceRanges",
            ["0.0.0.0/0"],
            'contains "0.0.0.0/0" in prod',
            "CIDRs of /8 or narrower",
            "prod",
        ),
        backendCase("loadBalancerSourceRanges", ["10.0.0.1/8"], "not a valid network CIDR", "IPv4 network"),
        ...(["dev", "prod"] as const).map((stack) =>
            backendCase(
                "loadBalancerSourceRanges",
                ["203.0.113.0/24", "10.20.0.0/16"],
                'contains "10.20.0.0/16", a private range: the load balancer is internet-facing, so no client comes from one and it admits no one',
                "the public CIDRs of your clients or CDN",
                stack,
            ),
        ),
    ]);
});
