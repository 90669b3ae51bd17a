// Static rules the house style depends on, checked on the programs' sources: the main program
// at the root and the bootstrap in bootstrap/.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../testing/engine";

const sourcesIn = (dir: string): string[] =>
    fs
        .readdirSync(path.join(ROOT, dir))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => `${dir}/${f}`);
const programSources = (): string[] => [
    "index.ts",
    ...sourcesIn("stacks"),
    ...sourcesIn("config"),
    ...sourcesIn("components"),
    ...sourcesIn("lib"),
];
const bootstrapSources = (): string[] => [
    "bootstrap/index.ts",
    ...sourcesIn("bootstrap/config"),
    ...sourcesIn("bootstrap/components"),
];
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

/** Each program: its project name, its sources, and where alone it reads its config. */
const PROGRAMS = [
    { project: "scalable-backend", dir: "", sources: programSources, load: "config/load.ts" },
    {
        project: "scalable-backend-bootstrap",
        dir: "bootstrap/",
        sources: bootstrapSources,
        load: "bootstrap/config/load.ts",
    },
];

describe("structure", () => {
    it("reads pulumi.Config only in config/load.ts (bootstrap/config/load.ts for the bootstrap)", () => {
        for (const program of PROGRAMS) {
            for (const file of program.sources().filter((f) => f !== program.load)) {
                assert.doesNotMatch(
                    read(file),
                    /pulumi\.Config\b|allConfig\(|getSecret|requireSecret|from "\.\.?\/config"[^;]*loadConfig/,
                    file,
                );
            }
            assert.match(read(program.load), /new pulumi\.Config\("aws"\)/);
        }
    });

    it("computes nothing from the clock or randomness at run time (plans are reproducible)", () => {
        for (const file of [...programSources(), ...bootstrapSources()]) {
            assert.doesNotMatch(read(file), /Date\.now|new Date\(|Math\.random|process\.hrtime/, file);
        }
    });

    it("keeps index.ts and stacks/ to composition: no resource constructors other than the providers and components", () => {
        const constructedIn = (file: string) => [...read(file).matchAll(/new ([A-Za-z0-9.]+)\(/g)].map((m) => m[1]);
        assert.deepEqual(constructedIn("index.ts"), []);
        const constructed = constructedIn("stacks/cluster.ts");
        assert.deepEqual(constructed, [
            "aws.Provider",
            "Network",
            "Cluster",
            "Platform",
            "BackendImage",
            "Monitoring",
            "Backend",
            "ReviewHost",
        ]);
        // A placed stack's layers: the host's reference and provider, then components.
        assert.deepEqual(constructedIn("stacks/review-app.ts"), [
            "pulumi.StackReference",
            "k8s.Provider",
            "BackendImage",
            "aws.Provider",
            "ReviewApp",
        ]);
        assert.deepEqual(constructedIn("stacks/tenant.ts"), ["pulumi.StackReference", "k8s.Provider", "Tenant"]);
        const bootstrap = [...read("bootstrap/index.ts").matchAll(/new ([A-Za-z0-9.]+)\(/g)].map((m) => m[1]);
        assert.deepEqual(bootstrap, [
            "aws.Provider",
            "GithubOidc",
            "StateBucket",
            "PermissionsBoundary",
            "GithubRoles",
            "StateKeys",
        ]);
    });

    it("gives every component a <project>:<module>:<Type> token and registers its outputs last", () => {
        const components = PROGRAMS.flatMap((program) =>
            program
                .sources()
                .filter((f) => f.startsWith(`${program.dir}components/`))
                .map((file) => ({ file, project: program.project })),
        );
        assert.ok(components.some((c) => c.project === "scalable-backend-bootstrap"));
        for (const { file, project } of components) {
            const source = read(file);
            for (const match of source.matchAll(
                /class (\w+) extends pulumi\.ComponentResource[\s\S]*?super\("([^"]+)"/g,
            )) {
                const module = path.basename(file, ".ts");
                assert.equal(match[2], `${project}:${module}:${match[1]}`, file);
            }
            for (const body of source
                .split(/\nexport class /)
                .slice(1)
                .filter((b) => b.includes("extends pulumi.ComponentResource"))) {
                const constructorBody = body.slice(body.indexOf("constructor("));
                const register = constructorBody.lastIndexOf("this.registerOutputs(");
                assert.ok(register > 0, `${file}: registerOutputs`);
                assert.ok(
                    register > constructorBody.lastIndexOf(" new "),
                    `${file}: registerOutputs comes after every child`,
                );
            }
        }
    });
});
