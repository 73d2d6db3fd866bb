#!/usr/bin/env node
/**
 * run.mjs — runs the end-to-end browser tests.
 *
 *   node web/tests/run.mjs            (from anywhere; npm test in web/tests)
 *
 * With TODO_BASE_URL set, the tests run against that app. Otherwise this
 * script starts the local platform from the repo root —
 * `target/debug/local-platform dev --port 0 --data-dir <fresh temp dir>` —,
 * waits (up to 120 s) for its `READY http://127.0.0.1:<port>` line, runs the
 * tests with TODO_BASE_URL set to that address, stops the platform (SIGTERM,
 * then SIGKILL after 5 s) and exits with the tests' exit code. The platform's
 * own output goes to target/web-e2e-platform.log (shown if it fails to start).
 *
 * Environment: LOCAL_PLATFORM (path of the platform binary, default
 * target/debug/local-platform), CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const testsDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(testsDir, '..', '..');
const READY_TIMEOUT_MS = 120_000;
const KILL_GRACE_MS = 5_000;

function log(message) {
  process.stderr.write(`[web-e2e] ${message}\n`);
}

function preflight() {
  if (!existsSync(path.join(testsDir, 'node_modules', 'playwright-core'))) {
    log('playwright-core is not installed: run `npm ci` in web/tests first.');
    process.exit(2);
  }
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    log(`no browser at ${chromium}: install Debian's chromium (apt-get install -y chromium).`);
    process.exit(2);
  }
}

function testFiles() {
  return readdirSync(testsDir)
    .filter((name) => name.endsWith('.test.mjs'))
    .sort()
    .map((name) => path.join(testsDir, name));
}

/** Run `node --test` on the test files; resolves to its exit code. */
function runTests(baseUrl) {
  log(`running the browser tests against ${baseUrl}`);
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...testFiles()], {
    cwd: testsDir,
    env: { ...process.env, TODO_BASE_URL: baseUrl },
    stdio: 'inherit',
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Start the local platform; resolves to {child, baseUrl, stop()} once it printed READY. */
function startPlatform() {
  const binary = path.resolve(repoRoot, process.env.LOCAL_PLATFORM || 'target/debug/local-platform');
  if (!existsSync(binary)) {
    log(`the local platform is not built: ${binary} is missing (build it with cargo first), or set TODO_BASE_URL.`);
    process.exit(2);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'todo-web-e2e-'));
  mkdirSync(path.join(repoRoot, 'target'), { recursive: true });
  const logPath = path.join(repoRoot, 'target', 'web-e2e-platform.log');
  const logFile = createWriteStream(logPath);
  log(`starting ${path.relative(repoRoot, binary)} dev --port 0 --data-dir ${dataDir} (log: ${path.relative(repoRoot, logPath)})`);

  // its own process group, so that stopping it also reaches the function
  // processes it may have started
  const child = spawn(binary, ['dev', '--port', '0', '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stderr.pipe(logFile, { end: false });

  const closed = new Promise((resolve) => child.on('close', resolve)); // all output read
  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });

  const signalGroup = (signal) => {
    try {
      process.kill(-child.pid, signal); // the platform's process group
    } catch {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  };

  let stopping = null;
  function stop() {
    stopping ??= (async () => {
      if (!exited && child.pid) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => {
          if (!exited) {
            log('the platform did not stop within 5 s: SIGKILL');
            signalGroup('SIGKILL');
          }
        }, KILL_GRACE_MS);
        await exitPromise;
        clearTimeout(timer);
      }
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL'); // leftovers of the group, if any
        } catch {
          // none left
        }
      }
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      await new Promise((resolve) => logFile.end(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  }

  const ready = new Promise((resolve, reject) => {
    let buffer = '';
    let found = false;
    const timer = setTimeout(() => {
      if (!found) reject(new Error(`no READY line within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      logFile.write(chunk);
      if (found) return;
      buffer += chunk.toString('utf8');
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const match = line.match(/^READY\s+(https?:\/\/\S+)/);
        if (match) {
          found = true;
          clearTimeout(timer);
          resolve(match[1].replace(/\/+$/, ''));
          return;
        }
      }
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`the platform exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });

  return ready.then(
    (baseUrl) => ({ baseUrl, stop }),
    async (err) => {
      await stop();
      log(`${err.message}. Platform log:`);
      try {
        process.stderr.write(readFileSync(logPath, 'utf8').split('\n').slice(-60).join('\n'));
        process.stderr.write('\n');
      } catch {
        // no log
      }
      throw err;
    },
  );
}

async function main() {
  preflight();
  const given = (process.env.TODO_BASE_URL || '').trim();
  if (given) {
    process.exit(await runTests(given.replace(/\/+$/, '')));
  }

  let platform;
  try {
    platform = await startPlatform();
  } catch {
    process.exit(1);
  }
  let code = 1;
  const onSignal = async () => {
    await platform.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    code = await runTests(platform.baseUrl);
  } finally {
    await platform.stop();
  }
  process.exit(code);
}

main().catch((err) => {
  log(err.stack || String(err));
  process.exit(1);
});
