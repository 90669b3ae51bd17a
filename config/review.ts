// The two layers of a shared review stack: the app layer (eph-<slug>, pull-request code, in the
// host's namespace eph-<slug>) and its tenant (tenant-<slug>, trusted code that writes the
// namespace and its limits). Pure: the host is named here, read by the program (lib/host-contract.ts).
import type { BackendImageSettings } from "../components/image";
import type { Exposure, ReviewAppSettings } from "../components/review-app";
import type { TenantSettings } from "../components/tenant";
import { REVIEW_DEPLOYERS_GROUP, REVIEW_MONITORS_CLUSTER_ROLE } from "../lib/bootstrap-naming";
import { REVIEW_CONTAINER_LIMITS, REVIEW_MAX_REPLICAS, REVIEW_QUOTA } from "../lib/review-quota";
import { parseBackend } from "./backend";
import { cpuMillis, memoryMiB, type RawConfig, type Reader } from "./reader";
import { EPHEMERAL_PREFIX, HOST_STACK, slugOf, type StackSettings, TENANT_PREFIX } from "./stack";

const EXPOSURES: readonly Exposure[] = ["clusterIP", "public"];

/**
 * The host's fully qualified stack name: `hostStack` ("dev" or "<org>/<project>/dev"), by default
 * `<organization>/<project>/dev` (`organization` on self-managed backends). Only dev hosts: prod's
 * cluster never runs unreviewed code, and a review stack hosts nothing.
 */
export function parseHostStack(reader: Reader, raw: unknown, organization: string, project: string): string {
    const key = "hostStack";
    const value = raw === undefined ? HOST_STACK : reader.string(key, raw);
    const parts = value.split("/");
    if (!(parts.length === 1 || parts.length === 3) || parts.some((p) => !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p)))
        reader.fail(
            key,
            `is "${value}", not a stack name`,
            `"${HOST_STACK}" or "<organization>/<project>/${HOST_STACK}"`,
        );
    const stack = parts[parts.length - 1];
    if (stack === "prod")
        reader.fail(
            key,
            `names prod: prod's cluster never runs unreviewed pull-request code, and it exports no host contract`,
            `"${HOST_STACK}" (the default), the cluster sized for review stacks`,
        );
    if (stack !== HOST_STACK)
        reader.fail(
            key,
            `names "${stack}", which is not a host: only ${HOST_STACK} exports the host contract review stacks read`,
            `"${HOST_STACK}" (the default) or "<organization>/<project>/${HOST_STACK}"`,
        );
    return parts.length === 3 ? value : `${organization}/${project}/${stack}`;
}

/**
 * The most a review app may ask of its quota: every replica, a rollout's surge pod, and the pod it
 * replaces, which counts until its grace period ends.
 */
function checkFitsQuota(
    reader: Reader,
    maxReplicas: number,
    cpuRequest: string,
    memoryRequest: string,
    memoryLimit: string,
): void {
    const pods = maxReplicas + 2;
    const checks: [string, string, number, number, string][] = [
        [
            "backend.cpuRequest",
            cpuRequest,
            pods * cpuMillis(cpuRequest)!,
            cpuMillis(REVIEW_QUOTA["requests.cpu"])!,
            "requests.cpu",
        ],
        [
            "backend.memoryRequest",
            memoryRequest,
            pods * memoryMiB(memoryRequest)!,
            memoryMiB(REVIEW_QUOTA["requests.memory"])!,
            "requests.memory",
        ],
        [
            "backend.memoryLimit",
            memoryLimit,
            pods * memoryMiB(memoryLimit)!,
            memoryMiB(REVIEW_QUOTA["limits.memory"])!,
            "limits.memory",
        ],
    ];
    for (const [key, value, total, quota, name] of checks) {
        if (total > quota)
            reader.fail(
                key,
                `is "${value}": ${pods} pods (maxReplicas ${maxReplicas}, a rollout's surge pod and the one it replaces) would need ${total}, above the review namespace's ${name} quota of ${REVIEW_QUOTA[name]}, so the rollout would stall`,
                `at most ${Math.floor(quota / pods)}${name.includes("cpu") ? "m" : "Mi"} per pod, or fewer replicas`,
            );
    }
    if (memoryMiB(memoryLimit)! > memoryMiB(REVIEW_CONTAINER_LIMITS.max.memory)!)
        reader.fail(
            "backend.memoryLimit",
            `is "${memoryLimit}", above the namespace's per-container maximum`,
            `at most ${REVIEW_CONTAINER_LIMITS.max.memory}`,
        );
}

/** A shared review stack's app layer (eph-<slug>): its host, the backend and its image. */
export interface ReviewAppConfig {
    readonly layer: "app";
    readonly stack: StackSettings;
    /** The host's fully qualified stack name, for the StackReference. */
    readonly host: string;
    /** The tenant stack that provisions its namespace. */
    readonly tenantStack: string;
    readonly app: ReviewAppSettings;
    readonly image: BackendImageSettings;
}

/** A review stack's tenant layer (tenant-<slug>). */
export interface TenantConfig {
    readonly layer: "tenant";
    readonly stack: StackSettings;
    readonly host: string;
    readonly tenant: TenantSettings;
}

/** An app layer: the backend in namespace eph-<slug> with small bounds, private unless `exposure: public`. */
export function parseReviewApp(reader: Reader, raw: RawConfig, stack: StackSettings, host: string): ReviewAppConfig {
    const exposure = raw.exposure === undefined ? "clusterIP" : reader.oneOf("exposure", raw.exposure, EXPOSURES);
    const { backend, image } = parseBackend(reader, raw.backend, stack);
    if (image.prebuilt !== undefined && !image.prebuilt.includes("@sha256:"))
        reader.fail(
            "backend.image",
            `is "${image.prebuilt}", pinned by tag: a review stack deploys exactly the image that was reviewed`,
            "an image pinned by digest (npm run stack -- create <name> --image <repository>@sha256:<digest>)",
        );
    if (!("plainHttp" in backend.tls))
        reader.fail(
            "backend.tls",
            "names a certificate or a terminator: a review app listens with plain HTTP, behind port-forward or a source-restricted NLB",
            "{ plainHttp: true }",
        );
    if (backend.maxReplicas > REVIEW_MAX_REPLICAS)
        reader.fail(
            "backend.maxReplicas",
            `is ${backend.maxReplicas}, above the ${REVIEW_MAX_REPLICAS} a review namespace's quota holds`,
            `at most ${REVIEW_MAX_REPLICAS} (a load test needs placement "cluster")`,
        );
    checkFitsQuota(reader, backend.maxReplicas, backend.cpuRequest, backend.memoryRequest, backend.memoryLimit);
    if (exposure === "public" && backend.loadBalancerSourceRanges.length === 0)
        reader.fail(
            "backend.loadBalancerSourceRanges",
            "is empty with exposure public, which would publish unreviewed pull-request code to the whole internet",
            "the CIDRs of the reviewers (npm run stack -- create <name> --public --source-ranges 203.0.113.0/24)",
        );
    if (exposure === "clusterIP" && backend.loadBalancerSourceRanges.length > 0)
        reader.fail(
            "backend.loadBalancerSourceRanges",
            "is set, but exposure is clusterIP: no load balancer would use it",
            `exposure "public" with it, or no source ranges`,
        );
    const namespace = stack.name;
    return Object.freeze({
        layer: "app",
        stack,
        host,
        tenantStack: `${TENANT_PREFIX}${slugOf(stack.name)}`,
        app: Object.freeze({
            ...backend,
            identity: Object.freeze({ namespace, name: backend.identity.name }),
            exposure,
        }),
        image,
    });
}

/** A tenant layer: the namespace of `eph-<slug>`, its quota and limits, and the deployers' binding. */
export function parseTenant(stack: StackSettings, host: string): TenantConfig {
    return Object.freeze({
        layer: "tenant",
        stack,
        host,
        tenant: Object.freeze({
            namespace: `${EPHEMERAL_PREFIX}${slugOf(stack.name)}`,
            stack: stack.name,
            owner: stack.owner,
            quota: REVIEW_QUOTA,
            containerLimits: REVIEW_CONTAINER_LIMITS,
            deployersGroup: REVIEW_DEPLOYERS_GROUP,
            monitorsClusterRole: REVIEW_MONITORS_CLUSTER_ROLE,
        }),
    });
}

/** What the tenant layer reads of its CI environment (GitHub Actions' variables), to refuse untrusted code. */
export interface CiEnvironment {
    readonly GITHUB_ACTIONS?: string;
    readonly GITHUB_EVENT_NAME?: string;
    readonly GITHUB_REF?: string;
}

/** Events whose checkout is the pull request's own code. */
const PULL_REQUEST_CODE_EVENTS = ["pull_request", "pull_request_review", "pull_request_review_comment"];

/**
 * The tenant layer writes the limits a review's code lives under: run from a pull request's
 * checkout, that code would write its own. Detectable in GitHub Actions: a pull_request event, or
 * any ref but main (pull_request_target and schedules run on main's ref).
 */
export function checkTrustedCheckout(stack: string, env: CiEnvironment): void {
    if (env.GITHUB_ACTIONS !== "true") return;
    const refuse = (problem: string): never => {
        throw new Error(
            `Stack "${stack}": refusing to run a tenant layer ${problem}: a tenant writes the namespace's quota, limits and ` +
                `policies, so only the base branch's code may run it. Run it from review-tenant.yml (pull_request_target, ` +
                `main's checkout, the review-tenant environment), never from a job that checks out the pull request.`,
        );
    };
    if (PULL_REQUEST_CODE_EVENTS.includes(env.GITHUB_EVENT_NAME ?? ""))
        refuse(`in a ${env.GITHUB_EVENT_NAME} job, whose checkout is the pull request's code`);
    if (env.GITHUB_REF !== "refs/heads/main")
        refuse(`on ref ${JSON.stringify(env.GITHUB_REF ?? null)}, not refs/heads/main`);
}
