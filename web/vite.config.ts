/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is served from the site root by the local stack and by CloudFront; the API lives under /api.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    sourcemap: false,
    // Screens and the chart library load on demand (React.lazy); the first load is the shell and sign-in.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/api": process.env.SPOTHIVE_API_URL ?? "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // user-event drags through dozens of cells; a loaded 2-core CI machine needs more than the 5 s default
    testTimeout: 30_000,
  },
});
