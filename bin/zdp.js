#!/usr/bin/env node
let main;
try {
  ({ main } = await import('../dist/main.js'));
} catch (error) {
  // a clone before its first build: say what to run instead of a module-resolution trace
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('main.js')) {
    process.stderr.write('error: zdp is not built in this clone (dist/ is missing)\nhint:  run `npm run build` once (npm ci installs, npm run build compiles)\n');
    process.exit(9);
  }
  throw error;
}
// a reader that went away (`zdp ... | head`) is not an error worth a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
process.exitCode = await main(process.argv.slice(2));
