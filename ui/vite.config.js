import { defineConfig } from 'vite';

export default defineConfig({
  server: {
    // Quinoa proxies dev requests itself; this makes `npm run dev` usable on its own.
    proxy: {
      '/api': 'http://localhost:8080',
    },
  },
});
