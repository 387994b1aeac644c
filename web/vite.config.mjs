// The web app's build: `npm run build` writes it to dist/web, which the service serves at /app/.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/app/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    // Never emptied: an instance started from this checkout may be serving the previous build.
    emptyOutDir: false,
    // Everything from this origin, nothing inline: the service's CSP allows scripts from 'self' only.
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
