// Composition only: config in, the stack's layer composed, outputs out. A function export, which
// the CLI calls and awaits: a stack placed on the host reads the host before any other resource.
import { loadConfig } from "./config";
import { clusterStack } from "./stacks/cluster";
import { reviewAppStack } from "./stacks/review-app";
import { tenantStack } from "./stacks/tenant";

export = async () => {
    const config = loadConfig();
    switch (config.layer) {
        case "cluster":
            return clusterStack(config.cluster);
        case "app":
            return reviewAppStack(config);
        case "tenant":
            return tenantStack(config);
    }
};
