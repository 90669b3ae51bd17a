// CRDs vendored verbatim from a chart (components/crds/<chart>/, with SOURCE.json naming the
// upstream commit and each file's sha256), parsed at program time so that each CRD is a resource of
// its own: Helm applies a chart's crds/ directory on first install only, never on an upgrade.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as k8s from "@pulumi/kubernetes";
import * as yaml from "js-yaml";
import loadBalancerControllerSource from "./crds/aws-load-balancer-controller/SOURCE.json";

/** Where vendored CRDs came from (SOURCE.json beside them). */
export interface CrdSource {
    readonly repository: string;
    /** The full commit of the chart's release. */
    readonly commit: string;
    readonly subject: string;
    /** The chart's crds/ directory in the repository. */
    readonly path: string;
    /** The chart version released at that commit. */
    readonly chartVersion: string;
    /** Each vendored file's sha256, in the order its CRDs are created. */
    readonly sha256: Readonly<Record<string, string>>;
}

export interface VendoredCrds {
    readonly dir: string;
    readonly source: CrdSource;
}

export const LOAD_BALANCER_CONTROLLER_CRDS: VendoredCrds = {
    dir: path.join(__dirname, "crds", "aws-load-balancer-controller"),
    source: loadBalancerControllerSource,
};

export interface CrdDocument {
    readonly apiVersion: "apiextensions.k8s.io/v1";
    readonly kind: "CustomResourceDefinition";
    readonly metadata: k8s.types.input.meta.v1.ObjectMeta & { readonly name: string };
    readonly spec: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec;
}

export function sha256Of(file: string): string {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The CRDs of one multi-document YAML file; anything but a v1 CRD of metadata and spec is refused. */
export function parseCrds(text: string, file: string): CrdDocument[] {
    // The core schema gives JSON types only: no timestamp or merge key can change a value.
    const documents = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA }).filter((d) => d != null);
    return documents.map((document, i) => {
        const d = document as Record<string, any>;
        if (
            d.apiVersion !== "apiextensions.k8s.io/v1" ||
            d.kind !== "CustomResourceDefinition" ||
            Object.keys(d).sort().join(",") !== "apiVersion,kind,metadata,spec" ||
            typeof d.metadata?.name !== "string"
        ) {
            throw new Error(`${file}: document ${i + 1} is not a CustomResourceDefinition of metadata and spec only`);
        }
        return d as CrdDocument;
    });
}

/**
 * The vendored CRDs, only for the chart version they came from and only as vendored: a chart bump
 * without new CRDs would leave the controller on its old CRDs (the release skips them).
 */
export function vendoredCrds(vendored: VendoredCrds, chartVersion: string): CrdDocument[] {
    const { dir, source } = vendored;
    if (chartVersion !== source.chartVersion) {
        throw new Error(
            `The chart is pinned to ${chartVersion} but ${path.join(dir, "SOURCE.json")} holds the CRDs of ` +
                `${source.chartVersion}: vendor the CRDs from the ${chartVersion} release commit and update SOURCE.json.`,
        );
    }
    return Object.entries(source.sha256).flatMap(([name, sha256]) => {
        const file = path.join(dir, name);
        if (sha256Of(file) !== sha256)
            throw new Error(
                `${file} is not the file SOURCE.json records (sha256 ${sha256}): vendored files stay verbatim.`,
            );
        return parseCrds(fs.readFileSync(file, "utf8"), file);
    });
}
