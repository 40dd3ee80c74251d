import { defineConfig } from "vitest/config"

// Run the workspace packages from their TypeScript sources ("source" export condition): no build needed
// before testing. Vite 7 resolves test modules through its SSR resolver, so the condition goes there too.
const conditions = ["source"]

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks"
  }
})
