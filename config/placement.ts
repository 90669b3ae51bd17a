// Where a stack runs, and so which layer of the program it is: a cluster of its own (dev, prod, and
// eph-* stacks with `placement: cluster`), a review stack's app layer on the host's cluster (eph-*,
// `placement: shared`, the default), or that app's tenant layer (tenant-*). Each layer reads its own
// keys: Pulumi.yaml declares only what all of them need, and this module requires the rest per layer.
import { CONFIG_KEYS, OPTIONAL_KEYS, type Profile } from "./stack";
import type { RawConfig, Reader } from "./reader";

export type Placement = "shared" | "cluster";
export const PLACEMENTS: readonly Placement[] = ["shared", "cluster"];
/** What an eph-* stack without a `placement` key is: a namespace on the host, in minutes, for cents. */
export const DEFAULT_PLACEMENT: Placement = "shared";

export type Layer = "cluster" | "app" | "tenant";

/** The keys Pulumi.yaml declares: every layer requires them (a declared key without a default is required by the CLI). */
export const DECLARED_KEYS: readonly string[] = ["owner"];

/** Every layer may carry the ephemeral tool's lifetime; eph-* stacks say their placement. */
const COMMON_OPTIONAL = ["ephemeral", "placement"];

const CLUSTER_REQUIRED = Object.keys(CONFIG_KEYS).filter(
    (k) => !OPTIONAL_KEYS.includes(k) && !DECLARED_KEYS.includes(k),
);

/** Per layer: the keys it requires besides DECLARED_KEYS, and the ones it may set. */
export const LAYER_KEYS: Readonly<
    Record<Layer, { readonly required: readonly string[]; readonly optional: readonly string[] }>
> = {
    cluster: {
        required: CLUSTER_REQUIRED,
        optional: OPTIONAL_KEYS.filter((k) => k !== "hostStack" && k !== "exposure"),
    },
    app: { required: ["backend"], optional: [...COMMON_OPTIONAL, "hostStack", "exposure"] },
    tenant: { required: [], optional: ["ephemeral", "hostStack"] },
};

const WHAT: Readonly<Record<Layer, string>> = {
    cluster: 'a stack with its own cluster (dev, prod, or an eph-* stack with placement "cluster")',
    app: 'a shared review stack\'s app layer (an eph-* stack with placement "shared", the default)',
    tenant: "a review stack's tenant layer (tenant-<slug>)",
};

/** The layer a stack is: by its name's profile and, on eph-* stacks, its `placement`. */
export function layerOf(reader: Reader, profile: Profile, raw: unknown): Layer {
    if (profile === "tenant") {
        if (raw !== undefined)
            reader.fail(
                "placement",
                "is set on a tenant stack",
                "no placement key: a tenant-<slug> stack is always shared",
            );
        return "tenant";
    }
    if (profile !== "ephemeral") {
        if (raw !== undefined)
            reader.fail(
                "placement",
                `is set on ${profile}, which always has its own cluster`,
                "no placement key outside eph-* stacks",
            );
        return "cluster";
    }
    const placement = raw === undefined ? DEFAULT_PLACEMENT : reader.oneOf("placement", raw, PLACEMENTS);
    return placement === "cluster" ? "cluster" : "app";
}

/**
 * Each layer's keys: a missing required one is named with the layer that needs it and how to set
 * it; a key of another layer is refused rather than silently ignored.
 */
export function checkLayerKeys(reader: Reader, layer: Layer, raw: RawConfig): void {
    const { required, optional } = LAYER_KEYS[layer];
    for (const key of [...DECLARED_KEYS, ...required]) {
        if (raw[key] === undefined)
            reader.fail(
                key,
                `is missing: ${WHAT[layer]} needs it`,
                layer === "cluster" && reader.stack.startsWith("eph-")
                    ? `it in Pulumi.${reader.stack}.yaml: npm run stack -- create ${reader.stack} --placement cluster writes every key a cluster needs (dev's values with the review overrides)`
                    : `it in Pulumi.${reader.stack}.yaml (see Pulumi.dev.yaml for its shape and the README's Configuration table)`,
            );
    }
    const allowed = new Set([...DECLARED_KEYS, ...required, ...optional]);
    for (const key of Object.keys(raw)) {
        if (!allowed.has(key))
            reader.fail(
                key,
                `is set on ${WHAT[layer]}, which does not read it`,
                layer === "cluster"
                    ? `no ${key} here: it is a shared review stack's key`
                    : layer === "app" && CLUSTER_REQUIRED.includes(key)
                      ? // An eph-* stack from before placements holds a cluster's config and no placement key.
                        `no ${key} here: only ${[...allowed].join(", ")}; if this stack is a cluster of its own, ` +
                        `say so before any update (pulumi config set placement cluster --stack ${reader.stack})`
                      : `no ${key} here: only ${[...allowed].join(", ")}`,
            );
    }
}
