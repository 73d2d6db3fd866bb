#!/usr/bin/env node
// Starts dynalite, a DynamoDB API implementation on LevelDB, for tests and `make dev`.
//
//   node serve.js [--port 0] [--host 127.0.0.1] [--path DIR] [--watch-stdin]
//
// Prints one JSON line, {"endpoint":"http://HOST:PORT"}, once it accepts connections.
// With --path the data persists in DIR (a restart loses nothing); without it, memory only.
// With --watch-stdin it exits when its standard input closes, so a test process that
// dies for any reason never leaves an emulator behind.
//
// Tables are created and deleted at once (createTableMs/deleteTableMs 0), and
// CreateTable/DeleteTable answer only once the table is ACTIVE/gone: a client's
// waiter (the SDK's wait_until_table_exists) then succeeds on its first poll instead
// of racing dynalite's deferred status write and backing off for 20 s.
'use strict';
settleTableActions();
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

// Wraps dynalite's CreateTable and DeleteTable actions (before dynalite loads them) so
// that they answer once the table has reached its final state.
function settleTableActions() {
  const settled = {
    createTable: (table) => table && table.TableStatus === 'ACTIVE',
    deleteTable: (table) => !table,
  };
  for (const [action, done] of Object.entries(settled)) {
    const path = require.resolve(`dynalite/actions/${action}`);
    const original = require(path);
    require.cache[path].exports = function settle(store, data, cb) {
      original(store, data, (err, result) => {
        if (err) return cb(err);
        const deadline = Date.now() + 5000;
        const check = () => store.getTable(data.TableName, false, (error, table) => {
          if (done(error ? null : table) || Date.now() > deadline) return cb(null, result);
          setTimeout(check, 1);
        });
        check();
      });
    };
  }
}
