// The pack as the Pulumi CLI runs it: policy/index.ts in its own process, serving the analyzer gRPC
// protocol, with the stack named in PULUMI_STACK. Proves what the offline tests can only assume:
// the levels it declares per environment, and that a pack config (what `--policy-pack-config`
// becomes) overrides them. The pack starts in about a second, so one process serves every test.
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { LOAD_BALANCER_ANNOTATIONS, serviceSpec, TLS_TERMINATED_BY_ANNOTATION } from "../components/backend";
import { withEnforcement } from "../policy/enforcement";
import { ALL_POLICIES, loadBalancerRestricted } from "../policy/rules";
import { ROOT } from "../testing/engine";
import { checkResource } from "../testing/policy";

interface RunningPack {
    readonly child: ChildProcess;
    readonly client: AnalyzerClient;
}

/** Starts the pack as the CLI would for a stack, and connects to the port it prints. */
function startPack(stack: string): Promise<RunningPack> {
    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_STACK: stack };
    delete env.PULUMI_NODEJS_STACK;
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
        cwd: path.join(ROOT, "policy"),
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    return new Promise((resolve, reject) => {
        let stderr = "";
        child.stderr!.on("data", (chunk) => (stderr += chunk));
        child.once("exit", (code) =>
            reject(new Error(`the policy pack exited with ${code} before serving: ${stderr}`)),
        );
        child.stdout!.once("data", (chunk) =>
            resolve({
                child,
                client: new AnalyzerClient(`127.0.0.1:${String(chunk).trim()}`, grpc.credentials.createInsecure()),
            }),
        );
    });
}

function rpc<Req, Res>(
    method: (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown,
    request: Req,
): Promise<Res> {
    return new Promise((resolve, reject) =>
        method(request, (error, response) => (error ? reject(error) : resolve(response))),
    );
}

const LEVEL_NAMES: Record<number, string> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
};

async function declaredLevels(pack: RunningPack): Promise<{ name: string; level: string }[]> {
    const info = await rpc<Empty, analyzer.AnalyzerInfo>(pack.client.getAnalyzerInfo.bind(pack.client), new Empty());
    assert.equal(info.getName(), "scalable-backend");
    assert.equal(info.getVersion(), "0.1.0");
    return info.getPoliciesList().map((p) => ({ name: p.getName(), level: LEVEL_NAMES[p.getEnforcementlevel()] }));
}

async function analyze(
    pack: RunningPack,
    type: string,
    props: Record<string, unknown>,
): Promise<{ policy: string; level: string; message: string }[]> {
    const request = new analyzer.AnalyzeRequest();
    request.setType(type);
    request.setName("backend-service");
    request.setUrn(`urn:pulumi:dev::scalable-backend::${type}::backend-service`);
    request.setProperties(Struct.fromJavaScript(props as never));
    request.setOptions(new analyzer.AnalyzerResourceOptions());
    const response = await rpc<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(
        pack.client.analyze.bind(pack.client),
        request,
    );
    return response.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        level: LEVEL_NAMES[d.getEnforcementlevel()],
        message: d.getMessage(),
    }));
}

// Dev's pack starts with the run's first hook and stops with its last (root hooks: whether or not
// this file's tests are selected), so its start-up (ts-node, the policy SDK: 0.6 s) runs beside
// the tests before this file's instead of holding the run up.
let devPack: Promise<RunningPack> | undefined;
before(() => {
    devPack = startPack("dev");
    devPack.catch(() => undefined);
});
after(async () => {
    const pack = await devPack?.catch(() => undefined);
    pack?.client.close();
    pack?.child.kill();
});

describe("policy: the pack process (analyzer protocol)", () => {
    const packs: Record<string, RunningPack> = {};

    before(async () => {
        packs.dev = await devPack!;
    });

    it("declares every rule at dev's levels when the CLI names the dev stack", async () => {
        assert.deepEqual(
            await declaredLevels(packs.dev),
            withEnforcement([...ALL_POLICIES], "dev").map((p) => ({ name: p.name, level: p.enforcementLevel })),
        );
    });

    it("reports dev's open load balancer as advisory, and as mandatory once the pack config says so", async () => {
        const service = {
            apiVersion: "v1",
            kind: "Service",
            metadata: {
                name: "backend",
                namespace: "backend",
                // TLS terminated in front of it, so only the open load balancer is reported.
                annotations: {
                    ...LOAD_BALANCER_ANNOTATIONS,
                    [TLS_TERMINATED_BY_ANNOTATION]: "CloudFront distribution E2EXAMPLE",
                },
            },
            spec: serviceSpec("backend", []),
        };
        // The SDK prefixes each message with the policy's description.
        const [message] = await checkResource(loadBalancerRestricted, {
            type: "kubernetes:core/v1:Service",
            props: service,
        });
        const expected = (level: string) => [
            { policy: "load-balancer-restricted", level, message: `${loadBalancerRestricted.description}\n${message}` },
        ];
        assert.deepEqual(await analyze(packs.dev, "kubernetes:core/v1:Service", service), expected("advisory"));

        const configure = new analyzer.ConfigureAnalyzerRequest();
        const config = new analyzer.PolicyConfig();
        config.setEnforcementlevel(analyzer.EnforcementLevel.MANDATORY);
        config.setProperties(Struct.fromJavaScript({}));
        configure.getPolicyconfigMap().set("load-balancer-restricted", config);
        await rpc<analyzer.ConfigureAnalyzerRequest, Empty>(
            packs.dev.client.configure.bind(packs.dev.client),
            configure,
        );
        assert.deepEqual(await analyze(packs.dev, "kubernetes:core/v1:Service", service), expected("mandatory"));
    });
});
