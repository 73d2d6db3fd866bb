#!/usr/bin/env node
// Starts dynalite, a DynamoDB API implementation on LevelDB, for tests and `make dev`.
//
//   node serve.js [--port 0] [--host 127.0.0.1] [--path DIR] [--watch-stdin]
//
// Prints one JSON line, {"endpoint":"http://HOST:PORT"}, once it accepts connections.
// With --path the data persists in DIR (a restart loses nothing); without it, memory only.
// With --watch-stdin it exits when its standard input closes, so a test process that
// dies for any reason never leaves an emulator behind.
'use strict';
const dynalite = require('dynalite');
const args = require('minimist')(process.argv.slice(2), {
  string: ['host', 'path'],
  boolean: ['watch-stdin'],
  default: { port: 0, host: '127.0.0.1' },
});

const server = dynalite({
  path: args.path || undefined,
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}

server.on('error', (err) => {
  console.error(`dynalite: ${err.message}`);
  process.exit(1);
});
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ endpoint: `http://${args.host}:${port}` }) + '\n');
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (args['watch-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
