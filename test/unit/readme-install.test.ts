import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/repo.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** The packages the README's `npm install` lines name (continuations joined). */
function installed(markdown: string): string[] {
  const shell = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .join("\n")
    .replaceAll("\\\n", " ");
  return shell
    .split("\n")
    .filter((line) => line.trim().startsWith("npm install "))
    .flatMap((line) => {
      const words = line.trim().split(/\s+/).slice(2);
      const end = words.findIndex(
        (word) => word.startsWith("#") || ["&&", ";", "|"].includes(word),
      );
      return end < 0 ? words : words.slice(0, end);
    })
    .filter((word) => !word.startsWith("-"));
}

describe("the README's install lines", () => {
  it("name only the package and what it depends on or takes as a peer", () => {
    const known = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const names = installed(readme);
    expect(names).toContain("twelve-agents");
    expect(names.filter((name) => !known.has(name))).toEqual([]);
  });

  it("leave no peer dependency unnamed (an install line, or the channels' sentence)", () => {
    const unnamed = Object.keys(manifest.peerDependencies ?? {}).filter(
      (peer) => !readme.includes(peer),
    );
    expect(unnamed).toEqual([]);
  });

  it("would catch a misspelt package", () => {
    expect(
      installed("```sh\nnpm install twelve-agents zood \\\n  --no-audit fauxqs # local\n```"),
    ).toEqual(["twelve-agents", "zood", "fauxqs"]);
  });
});
