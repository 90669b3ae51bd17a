// The stack's configuration as the Pulumi CLI hands it to a program: Pulumi.yaml's declarations
// and defaults overlaid with Pulumi.<stack>.yaml, scalars as strings, the rest as JSON. Each
// function reads one project's directory: the repository root (the main program) unless told.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { toCliValues } from "../config";

const ROOT = path.resolve(__dirname, "..");

/** Reads a YAML file's `config:` the way the CLI hands it to a program: scalars as strings, the rest as JSON. */
export function readConfigFile(file: string): { values: Record<string, string>; secureKeys: string[] } {
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config = doc.config ?? {};
    // Encrypted values only the CLI can read: the program must cope without them.
    const secureKeys = Object.entries(config)
        .filter(([, value]) => value !== null && typeof value === "object" && "secure" in value)
        .map(([key]) => key);
    return { values: toCliValues(config), secureKeys };
}

interface ProjectFile {
    name: string;
    config?: Record<string, any>;
}

/** `<projectDir>/Pulumi.yaml`, the project file the CLI reads. */
function readProject(projectDir: string): ProjectFile {
    return yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** The project's name as its Pulumi.yaml gives it (the URNs' and the config keys' prefix). */
export function projectName(projectDir: string = ROOT): string {
    return readProject(projectDir).name;
}

/** Keys Pulumi.yaml declares without a default: the CLI refuses to run a stack that lacks one. */
export function requiredKeys(projectDir: string = ROOT): string[] {
    const project = readProject(projectDir);
    return Object.entries(project.config ?? {})
        .filter(
            ([, decl]) =>
                decl &&
                typeof decl === "object" &&
                !Array.isArray(decl) &&
                decl.default === undefined &&
                decl.value === undefined,
        )
        .map(([key]) => (key.includes(":") ? key : `${project.name}:${key}`));
}

/** Project defaults (Pulumi.yaml `config.<key>.default`) overlaid with the stack file, as the CLI does. */
export function stackConfig(
    stack: string,
    overrides: Record<string, string> = {},
    projectDir: string = ROOT,
): Record<string, string> {
    const project = readProject(projectDir);
    const defaults: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
        const value = decl && typeof decl === "object" && !Array.isArray(decl) ? (decl.default ?? decl.value) : decl;
        if (value !== undefined) defaults[fullKey] = value;
    }
    const values = toCliValues(defaults);
    const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (fs.existsSync(stackFile)) Object.assign(values, readConfigFile(stackFile).values);
    return { ...values, ...overrides };
}
