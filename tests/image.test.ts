import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUILD_CONTEXT, DOCKERFILE, lifecyclePolicy, sourceTag } from "../components/image";
import { contextFiles, goFileMode, ignoreFileFor, parseDockerignore } from "../lib/docker-context";
import { appLockfile, appLockfileText, Lockfile } from "../tools/app-lockfile";
import { ROOT } from "../testing/engine";
import { CONFIGURED, configuredRun, one, ofType, stackRun, STACKS } from "./helpers";

describe("image: pure helpers", () => {
    /** A scratch project with an app/ context like the real one. */
    function scratch(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tag-"));
        const files: Record<string, string> = {
            "app/Dockerfile": "FROM x\n",
            "app/.dockerignore": "*\n!package.json\n!package-lock.json\n!src/\n",
            "app/package.json": "{}",
            "app/package-lock.json": "{}",
            "app/src/main.ts": "main",
            "app/src/lib/util.ts": "util",
            "app/test/main.test.ts": "test",
            "app/node_modules/x/index.js": "dependency",
            "package.json": "root",
            "package-lock.json": "root lock",
        };
        for (const [file, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text, { mode: 0o644 });
        }
        return dir;
    }

    it("derives the tag from exactly what docker-build hashes: sent files with their modes, the Dockerfile, the ignore file", () => {
        const dir = scratch();
        try {
            const first = sourceTag(dir);
            assert.match(first, /^src-[a-f0-9]{16}$/);
            assert.equal(sourceTag(dir), first);
            for (const [file, text] of [
                ["package.json", "root with prettier"],
                ["package-lock.json", "root lock, bumped"],
                ["app/test/main.test.ts", "changed"],
                ["app/node_modules/x/index.js", "changed"],
                ["README.md", "new"],
            ]) {
                fs.writeFileSync(path.join(dir, file), text);
                assert.equal(sourceTag(dir), first, `${file} is not in the context`);
            }
            const seen = new Set([first]);
            const changes: [string, () => void][] = [
                ["a source file", () => fs.writeFileSync(path.join(dir, "app/src/main.ts"), "changed")],
                ["the app lockfile", () => fs.writeFileSync(path.join(dir, "app/package-lock.json"), '{"v":2}')],
                ["the Dockerfile", () => fs.writeFileSync(path.join(dir, "app/Dockerfile"), "FROM y\n")],
                [
                    "the ignore file",
                    () =>
                        fs.writeFileSync(
                            path.join(dir, "app/.dockerignore"),
                            "*\n!package.json\n!package-lock.json\n!src/\n# more\n",
                        ),
                ],
                [
                    "a mode (group write, as umask 002 gives)",
                    () => fs.chmodSync(path.join(dir, "app/src/main.ts"), 0o664),
                ],
                [
                    "a rename",
                    () => fs.renameSync(path.join(dir, "app/src/lib/util.ts"), path.join(dir, "app/src/lib/utils.ts")),
                ],
                [
                    "a Dockerfile-specific ignore file, which docker-build prefers",
                    () => fs.writeFileSync(path.join(dir, "app/Dockerfile.dockerignore"), "*\n!src/\n"),
                ],
            ];
            for (const [what, change] of changes) {
                change();
                const tag = sourceTag(dir);
                assert.ok(!seen.has(tag), `${what} gives a new tag`);
                seen.add(tag);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.equal(BUILD_CONTEXT, "app");
        assert.equal(DOCKERFILE, "app/Dockerfile");
    });

    it("walks the context as the builder sends it: lexical order, exceptions below excluded directories, nothing else", () => {
        const dir = scratch();
        try {
            const context = path.join(dir, "app");
            const rules = parseDockerignore(fs.readFileSync(path.join(context, ".dockerignore"), "utf8"));
            assert.deepEqual(contextFiles(context, rules), [
                "package-lock.json",
                "package.json",
                "src/lib/util.ts",
                "src/main.ts",
            ]);
            assert.deepEqual(
                contextFiles(context, parseDockerignore("node_modules\ntest\n**/*.json\n!package.json\n")),
                [".dockerignore", "Dockerfile", "package.json", "src/lib/util.ts", "src/main.ts"],
            );
            assert.equal(ignoreFileFor(context, path.join(context, "Dockerfile")), path.join(context, ".dockerignore"));
            fs.writeFileSync(path.join(context, "Dockerfile.dockerignore"), "*\n");
            assert.equal(
                ignoreFileFor(context, path.join(context, "Dockerfile")),
                path.join(context, "Dockerfile.dockerignore"),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("writes modes as Go's os.FileMode does, which docker-build hashes", () => {
        assert.equal(goFileMode(0o100644), "-rw-r--r--");
        assert.equal(goFileMode(0o100755), "-rwxr-xr-x");
        assert.equal(goFileMode(0o100664), "-rw-rw-r--");
        assert.equal(goFileMode(0o104755), "urwxr-xr-x");
        assert.equal(goFileMode(0o103775), "gtrwxrwxr-x");
    });

    it("keeps the app's lockfile the projection of the root one: the same versions, only the app's packages", () => {
        const committed = fs.readFileSync(path.join(ROOT, "app", "package-lock.json"), "utf8");
        assert.equal(committed, appLockfileText(ROOT), "app/package-lock.json is stale: run npm run lock:app");
        const lock = JSON.parse(committed) as Lockfile;
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as Lockfile;
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "app", "package.json"), "utf8"));
        assert.deepEqual(lock.packages[""], {
            name: manifest.name,
            version: manifest.version,
            license: manifest.license,
            dependencies: manifest.dependencies,
            devDependencies: manifest.devDependencies,
        });
        for (const [lockPath, entry] of Object.entries(lock.packages).filter(([k]) => k !== "")) {
            assert.equal(entry.integrity, root.packages[lockPath].integrity, lockPath);
            assert.equal(entry.version, root.packages[lockPath].version, lockPath);
        }
        assert.ok(!Object.keys(lock.packages).some((k) => /@pulumi|mocha|eslint/.test(k)), "no root-only package");
        assert.deepEqual(
            Object.entries(lock.packages)
                .filter(([, e]) => e.dev)
                .map(([k]) => k),
            ["node_modules/@types/node", "node_modules/typescript", "node_modules/undici-types"],
        );
    });

    it("projects a lockfile: nested and workspace-local packages, dev and optional flags, and refuses what it cannot place", () => {
        const root: Lockfile = {
            name: "r",
            version: "1.0.0",
            lockfileVersion: 3,
            requires: true,
            packages: {
                "": { name: "r", workspaces: ["app"], devDependencies: { mocha: "1" } },
                app: {
                    name: "a",
                    version: "0.1.0",
                    dependencies: { p: "1" },
                    optionalDependencies: { o: "1" },
                    devDependencies: { t: "1" },
                },
                "node_modules/a": { resolved: "app", link: true },
                "node_modules/mocha": { version: "1.0.0", integrity: "m", dev: true },
                "node_modules/p": { version: "1.0.0", integrity: "p", dependencies: { q: "2" } },
                "node_modules/p/node_modules/q": { version: "2.0.0", integrity: "q2" },
                "node_modules/q": { version: "1.0.0", integrity: "q1", dev: true },
                "node_modules/o": { version: "1.0.0", integrity: "o", optional: true },
                "app/node_modules/t": { version: "3.0.0", integrity: "t", dev: true, dependencies: { q: "1" } },
            },
        };
        assert.deepEqual(appLockfile(root), {
            name: "a",
            version: "0.1.0",
            lockfileVersion: 3,
            requires: true,
            packages: {
                "": root.packages.app,
                "node_modules/o": { version: "1.0.0", integrity: "o", optional: true },
                "node_modules/p": { version: "1.0.0", integrity: "p", dependencies: { q: "2" } },
                "node_modules/p/node_modules/q": { version: "2.0.0", integrity: "q2" },
                "node_modules/q": { version: "1.0.0", integrity: "q1", dev: true },
                "node_modules/t": { version: "3.0.0", integrity: "t", dev: true, dependencies: { q: "1" } },
            },
        });
        const missing = structuredClone(root);
        delete missing.packages["node_modules/q"];
        assert.throws(
            () => appLockfile(missing),
            /app\/node_modules\/t needs q, which the root lockfile does not hold/,
        );
        const clash = structuredClone(root);
        clash.packages["app/node_modules/q"] = { version: "9.0.0", integrity: "q9" };
        clash.packages["app/node_modules/t"].dependencies = { q: "9" };
        clash.packages.app.dependencies = { p: "1", r: "1" };
        clash.packages["node_modules/r"] = { version: "1.0.0", integrity: "r", dependencies: { q: "1" } };
        assert.throws(() => appLockfile(clash), /both land at node_modules\/q/);
    });

    it("expires untagged images first and keeps the newest tagged ones", () => {
        assert.deepEqual(lifecyclePolicy(30), {
            rules: [
                {
                    rulePriority: 1,
                    description: "Expire untagged images after 7 days",
                    selection: {
                        tagStatus: "untagged",
                        countType: "sinceImagePushed",
                        countUnit: "days",
                        countNumber: 7,
                    },
                    action: { type: "expire" },
                },
                {
                    rulePriority: 2,
                    description: "Keep the last 30 tagged images",
                    selection: {
                        tagStatus: "tagged",
                        tagPatternList: ["*"],
                        countType: "imageCountMoreThan",
                        countNumber: 30,
                    },
                    action: { type: "expire" },
                },
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
            // A fixed name: replaced by deleting first (in prod that fails while it holds images).
            assert.equal(repo.deleteBeforeReplace, true);
            const policy = one(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "backend-image-lifecycle");
            assert.equal(policy.inputs.repository, `scalable-backend-${stack}/backend`);
            assert.deepEqual(JSON.parse(policy.inputs.policy), lifecyclePolicy(30));
        });

        it("builds app/ (its own context) for the nodes' platform at `pulumi up` and pushes it with a content tag and secret credentials", async () => {
            const run = await stackRun(stack);
            const image = one(run, "docker-build:index:Image", "backend-image-build");
            const url = `<account-id>.dkr.ecr.eu-west-1.amazonaws.com/scalable-backend-${stack}/backend`;
            // Relative: the same on every checkout, so a CI run does not rebuild a laptop's image.
            assert.deepEqual(image.inputs.context, { location: "app" });
            assert.deepEqual(image.inputs.dockerfile, { location: "app/Dockerfile" });
            assert.deepEqual(image.inputs.platforms, ["linux/amd64"]);
            assert.equal(image.inputs.push, true);
            assert.equal(image.inputs.buildOnPreview, false);
            assert.deepEqual(image.inputs.tags, [`${url}:${sourceTag(ROOT)}`]);
            assert.deepEqual(image.inputs.registries, [{ address: url, username: "AWS", password: "<ecr token>" }]);
            assert.deepEqual(image.secretInputs, ["registries"], "the registry password stays secret");
            assert.equal(
                image.provider,
                undefined,
                "the local Docker engine through the default docker-build provider",
            );
        });
    });
}

describe("image: prebuilt", () => {
    it("uses a configured image as is and builds nothing", async () => {
        const prebuilt = CONFIGURED.prebuiltImage;
        const run = await configuredRun("dev");
        assert.equal(ofType(run, "docker-build:index:Image").length, 0);
        assert.equal(
            one(run, "kubernetes:apps/v1:Deployment", "backend-deployment").inputs.spec.template.spec.containers[0]
                .image,
            prebuilt,
        );
        assert.equal(run.outputs.backendImage, prebuilt);
        assert.equal(ofType(run, "aws:ecr/repository:Repository").length, 1, "CI still has a repository to push to");
    });
});
