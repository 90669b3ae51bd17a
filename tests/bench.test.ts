// tools/bench.ts's arithmetic (its figures are measured by `npm run bench`, never asserted).
import * as assert from "node:assert/strict";
import { compare, median } from "../tools/bench";

describe("bench: interleaved medians and their ratio", () => {
    it("takes the median of odd and even counts", () => {
        assert.equal(median([3, 1, 2]), 2);
        assert.equal(median([4, 1, 3, 2]), 2.5);
    });

    it("alternates subject and reference runs and reports the ratio of their medians", () => {
        const order: string[] = [];
        const subject = [2, 9, 3];
        const reference = [1, 1, 5];
        const result = compare(
            3,
            () => (order.push("s"), subject[order.filter((o) => o === "s").length - 1]),
            () => (order.push("r"), reference[order.filter((o) => o === "r").length - 1]),
        );
        assert.deepEqual(order, ["s", "r", "s", "r", "s", "r"]);
        assert.deepEqual(result, { subject: 3, reference: 1, ratio: 3 });
    });
});
