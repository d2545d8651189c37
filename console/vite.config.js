// Vite configuration of the Rampart console. The output (build/console by
// default, RP_CONSOLE_OUT to override) is served by rampartd under a strict
// Content-Security-Policy: no inline script or style, nothing from another
// origin, no data: URLs — hence no asset inlining and no module-preload
// polyfill (an inline script).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { readFileSync } from 'node:fs'

const here = path.dirname(fileURLToPath(import.meta.url))
const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'))
const outDir = process.env.RP_CONSOLE_OUT || path.join(here, '..', 'build', 'console')

export default defineConfig({
  plugins: [vue()],
  base: '/',
  define: {
    __RAMPART_CONSOLE_VERSION__: JSON.stringify(pkg.version),
    __VUE_OPTIONS_API__: false,
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __INTLIFY_JIT_COMPILATION__: true,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
  },
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks: { echarts: ['echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'] },
      },
    },
  },
  server: {
    // `npm run dev`: the API comes from a running rampartd (make up)
    proxy: { '/api': 'http://127.0.0.1:9000' },
  },
})
