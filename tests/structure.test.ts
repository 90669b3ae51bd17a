// Static rules the house style depends on, checked on the program's sources.
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
    ...sourcesIn("config"),
    ...sourcesIn("components"),
    ...sourcesIn("lib"),
];
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("structure", () => {
    it("reads pulumi.Config only in config/load.ts", () => {
        for (const file of programSources().filter((f) => f !== "config/load.ts")) {
            assert.doesNotMatch(
                read(file),
                /pulumi\.Config\b|allConfig\(|getSecret|requireSecret|from "\.\.?\/config"[^;]*loadConfig/,
                file,
            );
        }
        assert.match(read("config/load.ts"), /new pulumi\.Config\("aws"\)/);
    });

    it("computes nothing from the clock or randomness at run time (plans are reproducible)", () => {
        for (const file of programSources()) {
            assert.doesNotMatch(read(file), /Date\.now|new Date\(|Math\.random|process\.hrtime/, file);
        }
    });

    it("keeps index.ts to composition: no resource constructors other than the AWS provider and components", () => {
        const constructed = [...read("index.ts").matchAll(/new ([A-Za-z.]+)\(/g)].map((m) => m[1]);
        assert.deepEqual(constructed, [
            "aws.Provider",
            "Network",
            "Cluster",
            "Platform",
            "BackendImage",
            "Monitoring",
            "Backend",
        ]);
    });

    it("gives every component a scalable-backend:<module>:<Type> token and registers its outputs last", () => {
        for (const file of programSources().filter((f) => f.startsWith("components/"))) {
            const source = read(file);
            for (const match of source.matchAll(
                /class (\w+) extends pulumi\.ComponentResource[\s\S]*?super\("([^"]+)"/g,
            )) {
                const module = path.basename(file, ".ts");
                assert.equal(match[2], `scalable-backend:${module}:${match[1]}`, file);
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
