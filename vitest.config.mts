import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests sit beside the code; e2e tests build real variants in a fresh temporary workspace.
    projects: [
      {
        test: {
          name: 'unit',
          include: ['plugins/**/src/**/*.spec.ts'],
          testTimeout: 60_000,
          env: { NX_DAEMON: 'false' },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.spec.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
          env: { NX_DAEMON: 'false' },
        },
      },
    ],
  },
});
