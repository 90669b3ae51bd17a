// The backend service: its image (built or prebuilt), scaling range and target, pod resources,
// and who may reach its load balancer.
import { parseCidr } from "../lib/cidr";
import { MIN_PROD_PUBLIC_PREFIX } from "./cluster";
import type { Reader } from "./reader";
import type { Profile } from "./stack";

export interface BackendConfig {
    /** A prebuilt image (CI built it elsewhere): no build happens. Undefined: build app/ and push to ECR. */
    readonly image?: string;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** HPA target: average CPU utilisation as a percentage of the request. */
    readonly cpuTargetPercent: number;
    readonly cpuRequest: string;
    readonly memoryRequest: string;
    readonly memoryLimit: string;
    /** Who may reach the load balancer; empty means anyone (refused in prod). */
    readonly loadBalancerSourceRanges: readonly string[];
}

const BACKEND_KEYS = [
    "image",
    "minReplicas",
    "maxReplicas",
    "cpuTargetPercent",
    "cpuRequest",
    "memoryRequest",
    "memoryLimit",
    "loadBalancerSourceRanges",
];
/** A backend pod larger than this fits no allowed node. */
const MAX_CPU_MILLIS = 8000;

/** registry/path[:tag][@sha256:digest], lowercase path as registries require. */
const IMAGE_PATTERN =
    /^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Splits an image reference; undefined when it is not one. */
export function parseImageReference(reference: string): { name: string; tag?: string; digest?: string } | undefined {
    const groups = IMAGE_PATTERN.exec(reference)?.groups;
    return groups ? { name: groups.name, tag: groups.tag, digest: groups.digest } : undefined;
}

function parseImage(reader: Reader, raw: unknown): string | undefined {
    if (raw === undefined || raw === "") return undefined;
    const image = reader.string("backend.image", raw);
    const parsed = parseImageReference(image);
    if (!parsed)
        reader.fail(
            "backend.image",
            `is "${image}", not an image reference`,
            `"registry/repository:tag" or "registry/repository@sha256:<digest>"`,
        );
    if (!parsed.tag && !parsed.digest)
        reader.fail(
            "backend.image",
            `is "${image}", with neither tag nor digest`,
            "an image pinned by digest (best) or by an explicit version tag",
        );
    if (parsed.tag === "latest")
        reader.fail(
            "backend.image",
            `is "${image}": ":latest" moves under you`,
            "an image pinned by digest (best) or by an explicit version tag",
        );
    return image;
}

export function parseBackend(reader: Reader, raw: unknown, profile: Profile): BackendConfig {
    const value = reader.object("backend", raw);
    reader.rejectUnknownKeys("backend", value, BACKEND_KEYS);
    const image = parseImage(reader, value.image);

    const minReplicas = reader.integer("backend.minReplicas", value.minReplicas, 1, 100);
    const maxReplicas = reader.integer("backend.maxReplicas", value.maxReplicas, 1, 200);
    if (minReplicas > maxReplicas)
        reader.fail(
            "backend",
            `has minReplicas ${minReplicas} above maxReplicas ${maxReplicas}`,
            "minReplicas <= maxReplicas",
        );
    if (profile === "prod" && minReplicas < 2)
        reader.fail(
            "backend.minReplicas",
            `is ${minReplicas}; one replica means downtime on every node drain`,
            "at least 2 in prod",
        );
    const cpuTargetPercent = reader.integer("backend.cpuTargetPercent", value.cpuTargetPercent, 1, 100);
    const resources = reader.podResources("backend", value, MAX_CPU_MILLIS);

    const loadBalancerSourceRanges = reader.cidrList(
        "backend.loadBalancerSourceRanges",
        value.loadBalancerSourceRanges ?? [],
    );
    if (profile === "prod") {
        if (loadBalancerSourceRanges.length === 0)
            reader.fail(
                "backend.loadBalancerSourceRanges",
                "is empty in prod, which opens the load balancer to the whole internet",
                "the CIDRs of your clients or CDN",
            );
        const broad = loadBalancerSourceRanges.find((c) => parseCidr(c)!.prefix < MIN_PROD_PUBLIC_PREFIX);
        if (broad)
            reader.fail(
                "backend.loadBalancerSourceRanges",
                `contains "${broad}" in prod`,
                `CIDRs of /${MIN_PROD_PUBLIC_PREFIX} or narrower`,
            );
    }
    return Object.freeze({
        ...(image !== undefined ? { image } : {}),
        minReplicas,
        maxReplicas,
        cpuTargetPercent,
        ...resources,
        loadBalancerSourceRanges: Object.freeze(loadBalancerSourceRanges),
    });
}
