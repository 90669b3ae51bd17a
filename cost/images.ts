// ECR storage: the images this stack's build pushes to each repository, between one image and the
// cap its lifecycle policy keeps.
import type { RecordedResource } from "../testing/engine";
import { findings, Findings, formatNumber, inputFrom, ofType, Range, scaled, Scope, ZERO } from "./model";

export const REPOSITORY = "aws:ecr/repository:Repository";
export const LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
export const IMAGE = "docker-build:index:Image";

/** The most tagged images a lifecycle policy keeps (its imageCountMoreThan rules), if it caps them. */
export function keptImages(policy: RecordedResource): number | undefined {
    let rules: any[];
    try {
        rules = JSON.parse(String(policy.inputs.policy)).rules ?? [];
    } catch {
        return undefined;
    }
    const caps = rules
        .filter((r) => r.selection?.tagStatus !== "untagged" && r.selection?.countType === "imageCountMoreThan")
        .map((r) => Number(r.selection.countNumber));
    return caps.length > 0 ? Math.max(...caps) : undefined;
}

export function repositories(scope: Scope): Findings {
    const result = findings();
    for (const repository of ofType(scope, REPOSITORY)) {
        const name = String(repository.inputs.name);
        const pushers = ofType(scope, IMAGE).filter(
            (image) =>
                image.inputs.push === true &&
                (image.inputs.tags ?? []).some((tag: unknown) => String(tag).includes(`/${name}:`)),
        );
        const policies = ofType(scope, LIFECYCLE_POLICY).filter(
            (p) =>
                inputFrom(scope, p, "repository", REPOSITORY).some((r) => r.urn === repository.urn) ||
                p.inputs.repository === name,
        );
        const caps = policies.map(keptImages).filter((n): n is number => n !== undefined);
        const cap = caps.length > 0 ? Math.min(...caps) : undefined;
        const { ecrExpectedImages: expected, ecrImageGb: gb } = scope.assumptions;
        const images: Range =
            pushers.length === 0
                ? ZERO
                : { min: 1, expected: Math.min(expected, cap ?? expected), max: cap ?? Math.max(expected, 1) };
        const kmsNote = repository.inputs.encryptionConfigurations?.some(
            (c: any) => c.encryptionType === "KMS" && !c.kmsKey,
        )
            ? "; encrypted with the AWS managed key aws/ecr, which has no monthly charge"
            : "";
        result.lines.push({
            resource: repository.name,
            type: repository.type,
            description: `ECR storage of ${name}`,
            quantity: scaled(images, gb),
            unit: "GB-month",
            price: ["ecr", "storageGbMonth"],
            assumption:
                (pushers.length === 0
                    ? "nothing this stack records pushes to it (a prebuilt image lives elsewhere)"
                    : `${images.min}/${images.expected}/${images.max} images of ${formatNumber(gb)} GB (layers shared between images are stored once: an upper bound)${
                          cap === undefined ? "; no lifecycle policy caps them" : `; the lifecycle policy keeps ${cap}`
                      }`) + kmsNote,
        });
    }
    return result;
}
