// Composition only: config in, the stack's placement composed, outputs out. A function export,
// which the CLI calls and awaits.
import { loadConfig } from "./config";
import { clusterStack } from "./stacks/cluster";

export = async () => clusterStack(loadConfig());
