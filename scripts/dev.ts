// `npm run dev`: embedded database + `remix dev` rebuilding on change, serving through scripts/serve.ts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './lib/ferretdb';
import { prepareRuntime } from './lib/runtime';

const { db, env } = await prepareRuntime();
const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'remix'), ['dev', '--manual', '-c', `${path.join(ROOT, 'node_modules', '.bin', 'tsx')} scripts/serve.ts`], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...env, NODE_ENV: 'development' },
});
const stop = async () => {
  child.kill('SIGTERM');
  await db?.stop();
  process.exit(0);
};
child.on('exit', () => void stop());
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
