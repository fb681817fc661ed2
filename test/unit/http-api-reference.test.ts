import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  fetchOpenApiDocument,
  formatReference,
  REFERENCE_PAGE,
  renderReference,
  typeOf,
} from "../support/http-api-reference.ts";

describe("docs/http-api-reference.md", () => {
  it("is what GET /openapi.json generates today (run `node test/support/http-api-reference.ts` after an API change)", async () => {
    // Act
    const document = await fetchOpenApiDocument();

    // Assess: every route of the document is on the page, and the page is the generator's
    expect(Object.keys(document.paths).length).toBeGreaterThan(10);
    const page = readFileSync(REFERENCE_PAGE, "utf8");
    expect(page).toBe(formatReference(renderReference(document)));
  });

  it("would fail on a route the page does not show", async () => {
    const document = await fetchOpenApiDocument();
    const page = renderReference(document);
    document.paths["/threads/{id}/pin"] = {
      post: { summary: "Pin a thread", responses: { 204: { description: "pinned" } } },
    };
    expect(renderReference(document)).not.toBe(page);
    expect(renderReference(document)).toContain("## `POST /threads/{id}/pin`");
  });
});

describe("Function: typeOf (a schema as the reference shows it)", () => {
  it.each([
    [{ type: "string" }, "string"],
    [{ enum: ["a", "b"] }, '"a" | "b"'],
    [
      { type: "array", items: { anyOf: [{ type: "string" }, { type: "null" }] } },
      "(string | null)[]",
    ],
    [
      {
        type: "object",
        properties: { a: { type: "integer" }, b: { type: "string" } },
        required: ["a"],
      },
      "{\n  a: integer;\n  b?: string;\n}",
    ],
    [{ type: "object", additionalProperties: { type: "integer" } }, "Record<string, integer>"],
    [{ type: "object", additionalProperties: false }, "object"],
  ])("%j is %s", (schema, type) => {
    expect(typeOf(schema)).toBe(type);
  });
});
