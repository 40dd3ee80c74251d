import { defineConfig } from "vitest/config"

export default defineConfig({
  resolve: {
    // Run the workspace packages from their TypeScript sources: no build needed before testing.
    conditions: ["source"]
  },
  test: {
    include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
