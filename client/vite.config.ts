import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { resolve } from "node:path"
import type { Plugin } from "vite"
import wasm from "vite-plugin-wasm"
import { defineConfig } from "vitest/config"

const SERVER = process.env.SP_SERVER ?? "http://127.0.0.1:8080"

/**
 * Writes the list of files the service worker precaches into sw.js, with a
 * version that changes whenever any of them does (hashed names, public files).
 */
function precacheManifest(): Plugin {
  return {
    name: "precache-manifest",
    apply: "build",
    generateBundle(_options, bundle) {
      const sw = bundle["sw.js"]
      if (sw?.type !== "chunk") {
        throw new Error("precache-manifest: the sw.js entry is missing")
      }
      const publicDir = resolve(import.meta.dirname, "public")
      const publicFiles = readdirSync(publicDir).sort()
      const built = Object.keys(bundle)
        .filter((name) => name !== "sw.js" && !name.endsWith(".map"))
        .sort()
      const digest = createHash("sha256")
      for (const name of built) digest.update(name)
      for (const name of publicFiles) {
        digest.update(name).update(readFileSync(resolve(publicDir, name)))
      }
      const indexHtml = bundle["index.html"]
      if (indexHtml?.type === "asset") digest.update(String(indexHtml.source))
      const manifest = {
        version: digest.digest("hex").slice(0, 16),
        files: [
          "./",
          ...built.filter((n) => n !== "index.html"),
          ...publicFiles,
        ],
      }
      sw.code = sw.code.replace(
        "__PRECACHE_MANIFEST__",
        JSON.stringify(manifest)
      )
    },
  }
}

export default defineConfig({
  plugins: [wasm(), precacheManifest()],
  build: {
    target: "es2022",
    sourcemap: false,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, "index.html"),
        sw: resolve(import.meta.dirname, "src/sw.ts"),
      },
      output: {
        entryFileNames: (chunk) =>
          chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js",
      },
    },
  },
  server: {
    proxy: {
      "/api": SERVER,
      "/sync": { target: SERVER.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
})
