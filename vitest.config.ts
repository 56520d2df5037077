import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One JSON report of the whole run feeds the `N passed, N failed` line of .ci/run.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    projects: [
      // No external tool: the setup makes finding or starting a validator fail the test.
      { extends: true, test: { name: "unit", include: ["test/*.test.ts"], setupFiles: ["test/support/unit-tier.ts"] } },
      // The real consumers (scripts/setup-tools.sh installs them); a missing one fails. A case that
      // runs `svcspec verify` runs every generated promtool test (the history tests of #17 too:
      // 150-180 s a verify on 2 cores), so the bound is 20 minutes.
      { extends: true, test: { name: "consumer", include: ["test/consumer/*.test.ts"], testTimeout: 1_200_000 } },
    ],
  },
});
