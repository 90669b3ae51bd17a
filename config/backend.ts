// The backend service: its image (built or prebuilt), scaling range and target, pod resources,
// and who may reach its load balancer.
import type { BackendIdentity, BackendSettings } from "../components/backend";
import type { BackendImageSettings } from "../components/image";
import { isPrivateRange, parseCidr } from "../lib/cidr";
import { MIN_PROD_PUBLIC_PREFIX } from "./cluster";
import type { Reader } from "./reader";
import type { StackSettings } from "./stack";
import { parseTls } from "./tls";

const BACKEND_KEYS = [
    "image",
    "minReplicas",
    "maxReplicas",
    "cpuTargetPercent",
    "cpuRequest",
    "memoryRequest",
    "memoryLimit",
    "loadBalancerSourceRanges",
    "tls",
];
/** The backend's one identity: its namespace and name, for the Backend and for Monitoring's alerts and dashboard. */
export const BACKEND_IDENTITY: BackendIdentity = Object.freeze({ namespace: "backend", name: "backend" });

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

/** The `backend` key holds both the service's settings and its image's. */
export function parseBackend(
    reader: Reader,
    raw: unknown,
    stack: StackSettings,
): { backend: BackendSettings; image: BackendImageSettings } {
    const profile = stack.profile;
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
    const resources = reader.podResources("backend", value);

    const loadBalancerSourceRanges = reader.cidrList(
        "backend.loadBalancerSourceRanges",
        value.loadBalancerSourceRanges ?? [],
    );
    // The NLB is internet-facing: its clients come from public addresses only.
    const privateSource = loadBalancerSourceRanges.find((c) => isPrivateRange(parseCidr(c)!));
    if (privateSource)
        reader.fail(
            "backend.loadBalancerSourceRanges",
            `contains "${privateSource}", a private range: the load balancer is internet-facing, so no client comes from one and it admits no one`,
            "the public CIDRs of your clients or CDN",
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
    return {
        backend: Object.freeze({
            identity: BACKEND_IDENTITY,
            stack: stack.name,
            minReplicas,
            maxReplicas,
            cpuTargetPercent,
            ...resources,
            loadBalancerSourceRanges: Object.freeze(loadBalancerSourceRanges),
            tls: parseTls(reader, value.tls, stack),
        }),
        image: Object.freeze({
            repositoryName: `${stack.clusterName}/backend`,
            ...(image !== undefined ? { prebuilt: image } : {}),
            // Review stacks leave nothing behind; prod keeps its images until someone decides.
            forceDelete: !stack.protect,
        }),
    };
}
