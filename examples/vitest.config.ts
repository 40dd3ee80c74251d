import { defineConfig } from "vitest/config"

// The examples' own test run (the repository's root config covers test/ and packages/). The
// workspace packages resolve from their TypeScript sources, as everywhere in this repository.
const conditions = ["source"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
