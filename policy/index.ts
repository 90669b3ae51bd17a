// The policy pack's entry point, run by the Pulumi CLI (`pulumi preview --policy-pack policy`):
// the only place that constructs the PolicyPack. Rules live in rules/ (one file per area), levels in
// enforcement.ts.
import { PolicyPack } from "@pulumi/policy";
import { environmentOf, withEnforcement } from "./enforcement";
import { ALL_POLICIES } from "./rules";

// The CLI names the stack under analysis in PULUMI_STACK (PULUMI_NODEJS_STACK on older CLIs).
// Without one (e.g. `pulumi policy publish`) the pack declares prod's levels: it fails closed.
const stack = [process.env.PULUMI_STACK, process.env.PULUMI_NODEJS_STACK].find(
    (name) => name !== undefined && name !== "",
);

new PolicyPack("scalable-backend", {
    description: "EKS and Kubernetes hardening baseline for scalable-backend stacks (dev, prod and eph-*).",
    policies: withEnforcement([...ALL_POLICIES], environmentOf(stack)),
});
