// The AWS Load Balancer Controller's CRDs: vendored verbatim at the chart's release commit, and
// created one resource per CRD on the cluster's provider.
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { LOAD_BALANCER_CONTROLLER_CRDS, parseCrds, vendoredCrds } from "../components/crds";
import { ROOT, stackConfig } from "../testing/engine";
import { ofType, one, stackRun, STACKS } from "./helpers";

const DIR = path.join(ROOT, "components", "crds", "aws-load-balancer-controller");
const CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
/** In file order: crds.yaml, then gateway-crds.yaml. */
const CRD_NAMES = [
    "albtargetcontrolconfigs.elbv2.k8s.aws",
    "globalaccelerators.aga.k8s.aws",
    "ingressclassparams.elbv2.k8s.aws",
    "targetgroupbindings.elbv2.k8s.aws",
    "listenerruleconfigurations.gateway.k8s.aws",
    "loadbalancerconfigurations.gateway.k8s.aws",
    "targetgroupconfigurations.gateway.k8s.aws",
];

const sha256 = (file: string): string => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("crds: the vendored AWS Load Balancer Controller CRDs", () => {
    it("are the chart's crds/ files at its v3.5.0 release commit, byte for byte", () => {
        const source = JSON.parse(fs.readFileSync(path.join(DIR, "SOURCE.json"), "utf8"));
        assert.deepEqual(source, {
            repository: "https://github.com/aws/eks-charts",
            commit: "5239609242f3430be50fb0b714a24d3ef2b47983",
            subject: "aws-load-balancer-controller: v3.5.0 (#1354)",
            path: "stable/aws-load-balancer-controller/crds",
            chartVersion: "3.5.0",
            sha256: {
                "crds.yaml": "cb00e9a8ee22cc51307bbed799faff306ab4d23a9fd201d26fcd53ab035777d9",
                "gateway-crds.yaml": "fce68bbfc74b4ed7dbea675f46981cbef1fffc8981cf19c0c1e7a2e9d6464862",
            },
        });
        for (const [file, recorded] of Object.entries<string>(source.sha256)) {
            assert.equal(sha256(path.join(DIR, file)), recorded, file);
        }
        assert.deepEqual(
            fs.readdirSync(DIR).sort(),
            ["SOURCE.json", ...Object.keys(source.sha256)].sort(),
            "nothing else in the directory",
        );
        assert.deepEqual(LOAD_BALANCER_CONTROLLER_CRDS, { dir: DIR, source });
    });

    it("match the chart version both stack files pin", () => {
        for (const stack of STACKS) {
            const charts = JSON.parse(stackConfig(stack)["scalable-backend:charts"]);
            assert.equal(charts.awsLoadBalancerController.version, LOAD_BALANCER_CONTROLLER_CRDS.source.chartVersion);
        }
    });

    it("are refused for another chart version, or once a file differs from what SOURCE.json records", () => {
        assert.throws(
            () => vendoredCrds(LOAD_BALANCER_CONTROLLER_CRDS, "3.5.1"),
            /pinned to 3\.5\.1 but .*SOURCE\.json holds the CRDs of 3\.5\.0: vendor the CRDs from the 3\.5\.1 release commit/,
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "crds-"));
        try {
            fs.cpSync(DIR, dir, { recursive: true });
            fs.appendFileSync(path.join(dir, "gateway-crds.yaml"), "# edited\n");
            const tampered = { ...LOAD_BALANCER_CONTROLLER_CRDS, dir };
            assert.throws(
                () => vendoredCrds(tampered, "3.5.0"),
                /gateway-crds\.yaml is not the file SOURCE\.json records/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("parse into CustomResourceDefinitions of metadata and spec only, JSON values throughout", () => {
        const crds = vendoredCrds(LOAD_BALANCER_CONTROLLER_CRDS, "3.5.0");
        assert.deepEqual(
            crds.map((crd) => crd.metadata.name),
            CRD_NAMES,
        );
        assert.deepEqual(JSON.parse(JSON.stringify(crds)), crds, "no timestamps or other non-JSON values");
        assert.throws(
            () => parseCrds("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "x.yaml"),
            /x\.yaml: document 1 is not a CustomResourceDefinition of metadata and spec only/,
        );
        assert.throws(
            () =>
                parseCrds(
                    "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a}\nspec: {}\nstatus: {}\n",
                    "y.yaml",
                ),
            /y\.yaml: document 1 is not/,
        );
    });
});

for (const stack of STACKS) {
    describe(`crds: ${stack} stack`, () => {
        it("creates each CRD as its own resource, as vendored, in the platform on the cluster's provider", async () => {
            const run = await stackRun(stack);
            const provider = one(run, "pulumi:providers:kubernetes", "cluster-k8s");
            const platform = one(run, "scalable-backend:platform:Platform", "platform");
            const files = ["crds.yaml", "gateway-crds.yaml"].flatMap((file) =>
                yaml.loadAll(fs.readFileSync(path.join(DIR, file), "utf8")).filter(Boolean),
            ) as Record<string, any>[];
            assert.deepEqual(
                ofType(run, CRD_TYPE).map((crd) => crd.name),
                CRD_NAMES.map((name) => `platform-crd-${name}`).sort(),
            );
            for (const document of files) {
                const crd = one(run, CRD_TYPE, `platform-crd-${document.metadata.name}`);
                assert.deepEqual(crd.inputs, {
                    apiVersion: "apiextensions.k8s.io/v1",
                    kind: "CustomResourceDefinition",
                    metadata: document.metadata,
                    spec: document.spec,
                });
                assert.equal(crd.parent, platform.urn);
                assert.equal(crd.provider, `${provider.urn}::<id of cluster-k8s>`);
                assert.deepEqual(crd.options.dependsOn, []);
            }
        });
    });
}
