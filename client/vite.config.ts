import { createHash } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { readdir, readFile, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { brotliCompress, constants, gzip } from "node:zlib"
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

const COMPRESSIBLE = /\.(html|js|mjs|css|wasm|json|webmanifest|svg|txt)$/

/**
 * Writes a brotli (`.br`, quality 11) and a gzip (`.gz`, level 9) copy beside every
 * compressible file of the build, when it is smaller. The server sends one of them to a
 * browser that accepts it (server/web/static.py); compressing once here, at build time,
 * costs the server nothing per request and allows the slowest, smallest setting.
 */
function precompress(): Plugin {
  let outDir = ""
  const br = promisify(brotliCompress)
  const gz = promisify(gzip)
  return {
    name: "precompress",
    apply: "build",
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    async closeBundle() {
      const names = await readdir(outDir, { recursive: true })
      const files = names
        .filter((name) => COMPRESSIBLE.test(name))
        .map((name) => join(outDir, name))
      await Promise.all(
        files.map(async (file) => {
          const data = await readFile(file)
          const copies: [string, Buffer][] = [
            [
              ".br",
              await br(data, {
                params: {
                  [constants.BROTLI_PARAM_QUALITY]: 11,
                  [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
                },
              }),
            ],
            [".gz", await gz(data, { level: 9 })],
          ]
          for (const [suffix, packed] of copies) {
            if (packed.length < data.length)
              await writeFile(file + suffix, packed)
          }
        })
      )
    },
  }
}

export default defineConfig({
  plugins: [wasm(), precacheManifest(), precompress()],
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
