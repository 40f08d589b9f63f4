/**
 * docs/fields.md lists every field of `streams[]` and `gates.<cloud>`, read from the zod schemas themselves, so a
 * field added to src/config/schema.ts without a line there fails here.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import type { z } from "zod";

import { componentSchema, gateSchema, streamFields, upgradeGateSchema } from "../../src/config/schema";
import { root } from "../synth/run";

const doc = fs.readFileSync(path.join(root, "docs", "fields.md"), "utf8");

/** The object schema inside a `.default(...)`/`.optional()` wrapper, or undefined for a scalar field. */
function objectShape(field: z.ZodType): Record<string, z.ZodType> | undefined {
    let t = field as unknown as { shape?: Record<string, z.ZodType>; _zod: { def: { innerType?: z.ZodType } } };
    while (t.shape === undefined && t._zod.def.innerType !== undefined) t = t._zod.def.innerType as unknown as typeof t;
    return t.shape;
}

/** `prefix.field` for every field, and for nested objects (not lists or separately documented schemas) their fields. */
function fieldPaths(prefix: string, shape: Record<string, z.ZodType>, separate: string[] = []): string[] {
    return Object.entries(shape).flatMap(([name, field]) => {
        const nested = separate.includes(name) ? undefined : objectShape(field);
        return [`${prefix}.${name}`, ...(nested ? fieldPaths(`${prefix}.${name}`, nested) : [])];
    });
}

describe("docs/fields.md", () => {
    const cases: [string, string[]][] = [
        ["streams[]", fieldPaths("streams[]", streamFields.shape, ["upgradeGate"])],
        ["components[]", fieldPaths("components[]", componentSchema.shape)],
        ["upgradeGate", fieldPaths("upgradeGate", upgradeGateSchema.shape)],
        ["gates.<cloud>", fieldPaths("gates.<cloud>", gateSchema.shape)],
    ];
    for (const [what, paths] of cases) {
        it(`has a row for every field of ${what}`, () => {
            assert.ok(paths.length > 3, `read the fields of ${what} from the schema`);
            assert.deepEqual(
                paths.filter((p) => !doc.includes(`| \`${p}\` |`)),
                [],
            );
        });
    }

    it("has no row for a field the schemas do not have", () => {
        const known = new Set(cases.flatMap(([, paths]) => paths));
        const rows = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
        assert.deepEqual(
            rows.filter((r) => !known.has(r)),
            [],
        );
    });
});
