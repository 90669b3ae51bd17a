// config/load.ts: loadConfig through the Pulumi runtime's config (what `pulumi up` runs), and the
// CLI-values pair the mock engine and the tests share.
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { fromCliValues, type LayerConfig, loadConfig, PROJECT, StackConfig, toCliValues } from "../config";
import { stackConfig } from "../testing/engine";
import { EXPECTED } from "./config-expected";
import { expectConfigError, fixture, parse, rawFor } from "./config-helpers";

describe("config: fromCliValues and toCliValues", () => {
    it("turns structured config into the CLI's strings and back, leaving out other namespaces and encrypted values", () => {
        const structured = {
            "scalable-backend:owner": "team",
            "scalable-backend:availabilityZoneCount": 3,
            "scalable-backend:endpointPublicAccess": false,
            "scalable-backend:clusterLogTypes": ["api"],
            "scalable-backend:nodeGroups": { general: { minSize: 1 } },
            "scalable-backend:grafanaAdminPassword": { secure: "v1:abc" },
            "aws:region": "eu-west-1",
        };
        const values = toCliValues(structured);
        assert.deepEqual(values, {
            "scalable-backend:owner": "team",
            "scalable-backend:availabilityZoneCount": "3",
            "scalable-backend:endpointPublicAccess": "false",
            "scalable-backend:clusterLogTypes": '["api"]',
            "scalable-backend:nodeGroups": '{"general":{"minSize":1}}',
            "aws:region": "eu-west-1",
        });
        assert.deepEqual(fromCliValues("dev", values), {
            owner: "team",
            availabilityZoneCount: "3",
            endpointPublicAccess: "false",
            clusterLogTypes: ["api"],
            nodeGroups: { general: { minSize: 1 } },
        });
    });

    it("refuses structured config that is not JSON, naming the key and the stack file", () => {
        expectConfigError(() => fromCliValues("dev", { "scalable-backend:nodeGroups": "general" }), {
            key: "nodeGroups",
            says: ["is not valid structured config"],
            expects: ["a YAML mapping in Pulumi.dev.yaml"],
        });
        expectConfigError(() => fromCliValues("prod", { "scalable-backend:clusterLogTypes": "api" }), {
            stack: "prod",
            key: "clusterLogTypes",
            says: ["is not valid structured config"],
            expects: ["a YAML list in Pulumi.prod.yaml"],
        });
    });
});

describe("config: loadConfig", () => {
    const useStack = async (
        stack: string,
        values: Record<string, string>,
        secretKeys: string[] = [],
    ): Promise<void> => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: args.inputs }),
                call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
            },
            PROJECT,
            stack,
            false,
        );
        pulumi.runtime.setAllConfig(values, secretKeys);
    };

    after(() => {
        pulumi.runtime.setAllConfig({});
    });

    /** The cluster layer's config: every stack of this table is one. */
    const loadCluster = (): StackConfig => {
        const config = loadConfig();
        assert.equal(config.layer, "cluster");
        return (config as Extract<LayerConfig, { layer: "cluster" }>).cluster;
    };
    const withoutSecrets = (config: StackConfig): StackConfig => {
        assert.ok(!("grafanaAdminPassword" in config.monitoring), "no Grafana password when none is set");
        assert.ok(!("slackWebhookUrl" in config.monitoring), "no Slack webhook when none is set");
        return config;
    };

    for (const stack of ["dev", "prod"] as const) {
        it(`reads Pulumi.${stack}.yaml to the expected config, the same as the pure parse, with no secret set`, async () => {
            await useStack(stack, stackConfig(stack));
            assert.deepEqual(withoutSecrets(loadCluster()), EXPECTED[stack]);
            assert.deepEqual(loadCluster(), parse(stack, rawFor(stack)));
            assert.equal(fixture(stack).region, "eu-west-1");
        });
    }

    it("hands optional secrets set with --secret over as secret Outputs", async () => {
        const password = "correct-horse-battery-staple-42";
        const webhook = "https://hooks.slack.com/services/T000/B000/XXXX";
        await useStack(
            "dev",
            stackConfig("dev", {
                "scalable-backend:grafanaAdminPassword": password,
                "scalable-backend:alertmanagerSlackWebhookUrl": webhook,
            }),
            ["scalable-backend:grafanaAdminPassword", "scalable-backend:alertmanagerSlackWebhookUrl"],
        );
        const config = loadCluster();
        assert.deepEqual(config.secretsSet, { grafanaAdminPassword: true, alertmanagerSlackWebhookUrl: true });
        for (const [output, value] of [
            [config.monitoring.grafanaAdminPassword, password],
            [config.monitoring.slackWebhookUrl, webhook],
        ] as const) {
            assert.ok(pulumi.Output.isInstance<string>(output));
            assert.equal(await pulumi.isSecret(output), true);
            assert.equal(await new Promise((resolve) => output.apply(resolve)), value);
        }
        assert.ok(!JSON.stringify(config).includes(password), "no plain copy of the password in the config");
    });

    it("refuses a secret the CLI handed over in plain text (set without --secret), value not shown", async () => {
        const password = "correct-horse-battery-staple-42";
        await useStack("prod", stackConfig("prod", { "scalable-backend:grafanaAdminPassword": password }), [
            "scalable-backend:alertmanagerSlackWebhookUrl",
        ]);
        expectConfigError(() => loadConfig(), {
            stack: "prod",
            key: "grafanaAdminPassword",
            says: ["is set in plain text (value not shown)"],
            expects: ["pulumi config set --secret grafanaAdminPassword"],
            never: [password],
        });
    });

    it("names aws:region when it is missing", async () => {
        const values = stackConfig("dev");
        delete values["aws:region"];
        await useStack("dev", values);
        expectConfigError(() => loadConfig(), {
            key: "aws:region",
            says: ["is null"],
            expects: ["an AWS region such as"],
        });
    });

    it("refuses structured config that is not JSON before any other check", async () => {
        await useStack("dev", stackConfig("dev", { "scalable-backend:nodeGroups": "general" }));
        expectConfigError(() => loadConfig(), {
            key: "nodeGroups",
            says: ["is not valid structured config"],
            expects: ["a YAML mapping in Pulumi.dev.yaml"],
        });
    });

    it("does not echo a secret set under an unknown key, nor a malformed known secret", async () => {
        const key = "scalable-backend:grafanaPassword";
        await useStack("dev", stackConfig("dev", { [key]: "hunter2-s3cret" }), [key]);
        expectConfigError(() => loadConfig(), {
            key: "grafanaPassword",
            says: ["is not a known key"],
            expects: ["one of"],
            never: ["hunter2-s3cret"],
        });
        await useStack("dev", stackConfig("dev", { "scalable-backend:grafanaAdminPassword": "hunter2" }), [
            "scalable-backend:grafanaAdminPassword",
        ]);
        expectConfigError(() => loadConfig(), {
            key: "grafanaAdminPassword",
            says: ["shorter than 16 characters (value not shown)"],
            expects: ["a long random password"],
            never: ["hunter2"],
        });
    });

    it("ignores other namespaces' keys", async () => {
        await useStack("dev", stackConfig("dev", { "aws:profile": "sandbox", "kubernetes:context": "kind" }));
        assert.deepEqual(withoutSecrets(loadCluster()), EXPECTED.dev);
    });
});
