// What the estimate cannot read from the records, stated once with the reason for each figure, and
// overridable from the command line (`npm run cost -- dev --nat-gb 50`): usage-based charges (NAT
// data, load balancer capacity units, log volume), the SPOT discount and the images kept in ECR.
import type { ClusterLogType } from "../components/cluster";

/** A malformed option: the CLIs exit 2 on it, as on any other usage error. */
export class OptionError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OptionError";
    }
}

export interface Assumptions {
    /**
     * How far below on-demand SPOT capacity is assumed to cost (0.6: 40% of on-demand). EC2's Spot
     * Instance Advisor shows 60-70% savings for the t3, t3a and m5 sizes the stacks use in eu-west-1;
     * the lower end keeps the estimate from flattering SPOT.
     */
    readonly spotDiscount: number;
    /**
     * GB a month through each NAT gateway: image pulls for new nodes (ECR has no VPC endpoint here,
     * so pulls cross the NAT), OS and add-on updates, the autoscaler's and controller's AWS API calls.
     */
    readonly natGbPerGatewayMonth: number;
    /** NLB capacity units used each hour: one is a quiet service's baseline (the issue's assumption). */
    readonly nlbLcuPerHour: number;
    /**
     * GB a month EKS writes per enabled control-plane log type: audit logs every API request (the
     * controllers' watches and leases included), the others far less. Measure with the log group's
     * IncomingBytes and override.
     */
    readonly controlPlaneLogGbPerMonth: Readonly<Record<ClusterLogType, number>>;
    /** GB an image adds to ECR: the backend's image is ~60 MB compressed; shared layers are stored once, so this is an upper bound. */
    readonly ecrImageGb: number;
    /** Images kept on a typical month (the lifecycle policy's cap is the maximum, one image the minimum). */
    readonly ecrExpectedImages: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = Object.freeze({
    spotDiscount: 0.6,
    natGbPerGatewayMonth: 20,
    nlbLcuPerHour: 1,
    controlPlaneLogGbPerMonth: Object.freeze({
        api: 1,
        audit: 10,
        authenticator: 1,
        controllerManager: 2,
        scheduler: 0.5,
    }),
    ecrImageGb: 0.08,
    ecrExpectedImages: 10,
});

/** EC2 detailed monitoring sends these per-instance metrics at one-minute resolution (the CloudWatch pricing page's example). */
export const DETAILED_MONITORING_METRICS = 7;

export const ASSUMPTION_OPTIONS = [
    "--spot-discount",
    "--nat-gb",
    "--lcu",
    "--log-gb",
    "--ecr-image-gb",
    "--ecr-images",
] as const;
export type AssumptionOption = (typeof ASSUMPTION_OPTIONS)[number];

function number(
    option: string,
    text: string,
    { min, max, integer = false }: { min: number; max?: number; integer?: boolean },
): number {
    const value = Number(text);
    if (
        text.trim() === "" ||
        !Number.isFinite(value) ||
        value < min ||
        (max !== undefined && value > max) ||
        (integer && !Number.isInteger(value))
    )
        throw new OptionError(
            `${option} ${JSON.stringify(text)}: expected ${integer ? "a whole number" : "a number"} from ${min}${max === undefined ? " up" : ` to ${max}`}`,
        );
    return value;
}

/** The defaults with the given options applied ("--log-gb audit=20,api=2"); refuses a malformed value. */
export function withOverrides(
    options: Partial<Record<AssumptionOption, string>>,
    base: Assumptions = DEFAULT_ASSUMPTIONS,
): Assumptions {
    const logs: Record<ClusterLogType, number> = { ...base.controlPlaneLogGbPerMonth };
    if (options["--log-gb"] !== undefined) {
        for (const pair of options["--log-gb"].split(",")) {
            const [type, value, extra] = pair.split("=");
            if (!(type in logs) || value === undefined || extra !== undefined)
                throw new OptionError(
                    `--log-gb ${JSON.stringify(options["--log-gb"])}: expected type=GB pairs separated by commas, type one of ${Object.keys(logs).join(", ")}`,
                );
            logs[type as ClusterLogType] = number("--log-gb", value, { min: 0 });
        }
    }
    const given = (
        option: AssumptionOption,
        fallback: number,
        bounds: { min: number; max?: number; integer?: boolean },
    ) => (options[option] === undefined ? fallback : number(option, options[option]!, bounds));
    return {
        spotDiscount: given("--spot-discount", base.spotDiscount, { min: 0, max: 0.95 }),
        natGbPerGatewayMonth: given("--nat-gb", base.natGbPerGatewayMonth, { min: 0 }),
        nlbLcuPerHour: given("--lcu", base.nlbLcuPerHour, { min: 0 }),
        controlPlaneLogGbPerMonth: logs,
        ecrImageGb: given("--ecr-image-gb", base.ecrImageGb, { min: 0 }),
        ecrExpectedImages: given("--ecr-images", base.ecrExpectedImages, { min: 0, integer: true }),
    };
}
