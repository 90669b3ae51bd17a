import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUILD_INPUTS, lifecyclePolicy, sourceTag } from "../components/image";
import { ROOT, stackConfig } from "../testing/engine";
import { evaluate, one, ofType, stackRun, STACKS } from "./helpers";

describe("image: pure helpers", () => {
    it("derives the tag from exactly the files the Dockerfile copies, stable until one changes", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tag-"));
        try {
            for (const file of ["package.json", "package-lock.json", "tsconfig.json", "app/package.json", "app/tsconfig.build.json", "app/Dockerfile", "app/src/main.ts"]) {
                fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
                fs.writeFileSync(path.join(dir, file), `contents of ${file}`);
            }
            const first = sourceTag(dir);
            assert.match(first, /^src-[a-f0-9]{16}$/);
            assert.equal(sourceTag(dir), first);
            fs.writeFileSync(path.join(dir, "app/src/main.ts"), "changed");
            const second = sourceTag(dir);
            assert.notEqual(second, first);
            fs.writeFileSync(path.join(dir, "README.md"), "not a build input");
            assert.equal(sourceTag(dir), second);
            fs.chmodSync(path.join(dir, "app/src/main.ts"), 0o755);
            assert.notEqual(sourceTag(dir), second, "a mode change is a new build context, so a new tag");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepEqual([...BUILD_INPUTS].sort(), ["app/Dockerfile", "app/package.json", "app/src", "app/tsconfig.build.json", "package-lock.json", "package.json", "tsconfig.json"]);
    });

    it("expires untagged images first and keeps the newest tagged ones", () => {
        assert.deepEqual(lifecyclePolicy(30), {
            rules: [
                { rulePriority: 1, description: "Expire untagged images after 7 days", selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 }, action: { type: "expire" } },
                { rulePriority: 2, description: "Keep the last 30 tagged images", selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: 30 }, action: { type: "expire" } },
            ],
        });
    });
});

for (const stack of STACKS) {
    describe(`image: ${stack} stack`, () => {
        it("keeps images in an ECR repository with immutable tags, scans and a lifecycle policy", async () => {
            const run = await stackRun(stack);
            const repo = one(run, "aws:ecr/repository:Repository", "backend-image-repo");
            assert.deepEqual(repo.inputs, {
                name: `scalable-backend-${stack}/backend`,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: stack !== "prod",
            });
            const policy = one(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "backend-image-lifecycle");
            assert.equal(policy.inputs.repository, `scalable-backend-${stack}/backend`);
            assert.deepEqual(JSON.parse(policy.inputs.policy), lifecyclePolicy(30));
        });

        it("builds app/ for the nodes' platform at `pulumi up` and pushes it with a content tag and secret credentials", async () => {
            const run = await stackRun(stack);
            const image = one(run, "docker-build:index:Image", "backend-image-build");
            const url = `<account-id>.dkr.ecr.eu-west-1.amazonaws.com/scalable-backend-${stack}/backend`;
            // Relative: the same on every checkout, so a CI run does not rebuild a laptop's image.
            assert.deepEqual(image.inputs.context, { location: "." });
            assert.deepEqual(image.inputs.dockerfile, { location: "app/Dockerfile" });
            assert.deepEqual(image.inputs.platforms, ["linux/amd64"]);
            assert.equal(image.inputs.push, true);
            assert.equal(image.inputs.buildOnPreview, false);
            assert.deepEqual(image.inputs.tags, [`${url}:${sourceTag(ROOT)}`]);
            assert.deepEqual(image.inputs.registries, [{ address: url, username: "AWS", password: "<ecr token>" }]);
            assert.deepEqual(image.secretInputs, ["registries"], "the registry password stays secret");
            assert.equal(image.provider, undefined, "the local Docker engine through the default docker-build provider");
        });
    });
}

describe("image: prebuilt", () => {
    it("uses a configured image as is and builds nothing", async () => {
        const prebuilt = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`;
        const dev = stackConfig("dev");
        const backend = { ...JSON.parse(dev["scalable-backend:backend"]), image: prebuilt };
        const run = await evaluate("dev", { config: { "scalable-backend:backend": JSON.stringify(backend) } });
        assert.equal(ofType(run, "docker-build:index:Image").length, 0);
        assert.equal(one(run, "kubernetes:apps/v1:Deployment", "backend-deployment").inputs.spec.template.spec.containers[0].image, prebuilt);
        assert.equal(run.outputs.backendImage, prebuilt);
        assert.equal(ofType(run, "aws:ecr/repository:Repository").length, 1, "CI still has a repository to push to");
    });
});
