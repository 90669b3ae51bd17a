// Each stack's secrets are its own: dev, prod and the eph-* stacks name separate KMS keys (made by
// bootstrap/), so no one credential decrypts every stack as the shared passphrase did.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../testing/engine";
import { ephemeralSecretsProvider } from "../tools/stack";

function stackFile(stack: string): Record<string, any> {
    return yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as Record<string, any>;
}

describe("secrets providers", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack} names its own KMS key, in its own region, and no passphrase salt`, () => {
            const file = stackFile(stack);
            const region = file.config["aws:region"];
            assert.equal(file.secretsprovider, `awskms://alias/scalable-backend-${stack}?region=${region}`);
            assert.equal("encryptionsalt" in file, false, "a salt means a passphrase provider");
        });
    }

    it("gives every eph-* stack the shared ephemeral key, in dev's region", () => {
        assert.equal(
            ephemeralSecretsProvider(),
            `awskms://alias/scalable-backend-eph?region=${stackFile("dev").config["aws:region"]}`,
        );
    });
});
