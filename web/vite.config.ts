import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The app reads /config.json at start; the deployed site gets it from the web stack. For `npm run dev`
// and `npm run preview` this plugin serves it from $STRATUS_WEB_CONFIG, else ./config.local.json.
// It is never copied into dist, so one build serves every environment.
function localConfig(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    if (req.url?.split('?')[0] !== '/config.json') return next();
    const file = process.env.STRATUS_WEB_CONFIG ?? resolve(fileURLToPath(new URL('.', import.meta.url)), 'config.local.json');
    if (!existsSync(file)) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`config.json: ${file} not found (copy config.example.json or set STRATUS_WEB_CONFIG)`);
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-store');
    res.end(readFileSync(file));
  };
  return {
    name: 'stratus-local-config',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}

export default defineConfig({
  plugins: [react(), localConfig()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  server: { port: 5173, strictPort: false },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
