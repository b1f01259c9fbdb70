#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// ort_harness.js — times ONNX models on this host's CPU with ONNX Runtime,
// through the official npm package `onnxruntime-node` (pinned in the repo's
// package.json / package-lock.json; install it with `npm ci --ignore-scripts`
// at the repo root — the CPU runtime ships inside the npm tarball, the
// package's postinstall script only fetches optional CUDA/TensorRT providers).
//
// The nnmeter-tui C builder spawns this as `node src/build/ort_harness.js` and
// talks to it over pipes:
//
//   * stdin:  one JSON request per line.  Blank lines are ignored.
//   * stdout: exactly one JSON line answering each request, in order.
//             NOTHING else is ever written to stdout (console.log & friends
//             are redirected to stderr below, and ONNX Runtime's own logger
//             writes to stderr).
//   * stderr: free-form diagnostics for humans.
//
// Requests:
//
//   {"cmd":"info"}
//     -> {"ok":true,"runtime":"onnxruntime-node 1.30.0","ort_version":"1.30.0",
//         "node":"v20.x.y","platform":"linux/x64"}
//
//   {"cmd":"time","model":PATH,
//    "inputs":{"name":[1,3,224,224],...},   optional, per input; see below
//    "warmup":W,                             default 10, integer >= 0
//    "warmup_ms":MS,                         default 0: warm up for W runs
//                                            and at least MS milliseconds
//    "runs":N,                               default 100, integer >= 1
//    "profile":bool,                         default false
//    "optimized_model":PATH-or-null,         default null
//    "seed":S}                               default 1 (random input data)
//     -> {"ok":true,"times_ms":[N numbers],"create_ms":..,"total_ms":..,
//         "input_shapes":{"name":[dims],...},
//         "profile":[...], "run_us":[...]}     (the last two only if profile)
//
//     Every "time" request builds a FRESH InferenceSession (CPU EP only,
//     1 intra-op thread, 1 inter-op thread, sequential execution, all graph
//     optimizations), feeds it random data of each input's dtype (floats in
//     [-1,1), integers in [0,4), bools 0/1; same data for every run), does W
//     warm-up runs (more until MS have passed) and N timed runs
//     (process.hrtime.bigint() around each `await session.run()`), then
//     releases the session.  times_ms thus include onnxruntime-node's
//     JS/N-API overhead on top of ORT's own run time: ~50-70 us per run on
//     this host for small tensors, ~0.5-2 ms for 1x3x224x224-sized
//     inputs/outputs; with "profile" the caller also gets
//     ORT's own per-run time (run_us) to compare against.
//     create_ms is the session creation time (the first session in a process
//     also pays ORT's one-time start-up, ~40 ms here); total_ms covers
//     create + runs + profile parsing + release.
//
//     Input shapes: a dim given in "inputs" wins; otherwise the model's
//     static dims are used, a dynamic FIRST dim (batch) becomes 1, and any
//     other dynamic dim is an error asking the caller to give it.
//
//     With "profile":true ORT's profiler is on, and the answer carries
//       "profile": one entry per executed kernel in the TIMED runs only:
//         {"name": node name, "op_name": ORT op type (after fusion, e.g.
//          "FusedConv"), "dur_us": kernel time, "run": 0..N-1,
//          "input_shapes": [...], "output_shapes": [...]}
//         (shapes are ORT's args.input_type_shape / output_type_shape, i.e.
//          lists like [{"float":[1,3,224,224]}, ...])
//       "run_us": ORT's own "model_run" duration of each timed run, so the
//         caller can compare sum(dur_us of run i) to run_us[i].
//     The profiler file lives in a private temp dir that is deleted after.
//
//     "optimized_model": ORT writes the graph it actually runs (after the
//     optimizations) to that path — handy to see which nodes got fused.
//
//   {"cmd":"quit"}  -> exits 0 (no answer).   EOF on stdin -> exits 0.
//
// Errors in a request (missing model, model ORT refuses, bad input spec, ...)
// answer {"ok":false,"error":"one line"} and the harness keeps serving.
// If onnxruntime-node cannot be loaded at all, the harness prints one line
// to stderr naming the fix and exits with code 3.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');

// Repo root: this file lives in <repo>/src/build/.
const REPO_ROOT = path.resolve(__dirname, '..', '..');

// Keep stdout clean: anything a library prints through console goes to stderr.
for (const k of ['log', 'info', 'debug', 'warn', 'trace']) {
  console[k] = (...a) => console.error(...a);
}

// ---------------------------------------------------------------- loading ORT
// The Linux build of ONNX Runtime 1.30 carries Microsoft's 1DS telemetry: on
// first use it writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/
// (a SQLite event store and a device id), drops mat-debug-<pid>.log and .ses
// into $TMPDIR, and some seconds later tries to upload events over the
// network, from background threads that could also disturb the timings.
// ORT reads ORT_DISABLE_TELEMETRY with getenv() when it starts; Node's
// process.env setter changes the real process environment, so setting it
// here, before the native library is loaded, turns all of that off.
process.env.ORT_DISABLE_TELEMETRY = '1';

let ort;
let ortPkgVersion;
try {
  ort = require('onnxruntime-node');
  ortPkgVersion = require('onnxruntime-node/package.json').version;
} catch (e) {
  const why = String((e && e.message) || e).split('\n')[0];
  process.stderr.write(
    `ort_harness: cannot load onnxruntime-node (${why}); ` +
      `fix: run: npm ci --ignore-scripts in ${REPO_ROOT}\n`,
  );
  process.exit(3);
}

// ------------------------------------------------------------------ helpers

// Answer one request: one JSON line on stdout.
function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// Squash any error into one clear line.
function oneLine(e) {
  let s = String((e && e.message) || e);
  s = s.replace(/\s*\n\s*/g, ' ').trim();
  return s || 'unknown error';
}

class RequestError extends Error {}
function fail(msg) {
  throw new RequestError(msg);
}

// Small deterministic PRNG (mulberry32) so runs are reproducible.
function makeRng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// float32 value -> IEEE half bits (round toward zero is fine for random data).
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
function toHalfBits(v) {
  f32buf[0] = v;
  const x = u32buf[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) return sign; // tiny -> signed zero
  if (exp >= 31) return sign | 0x7c00; // huge -> inf
  return sign | (exp << 10) | (mant >>> 13);
}

// Integer inputs get values in [0, INT_HIGH): small and non-negative, so
// they are valid indices for Gather/embedding-like ops on any axis >= 4.
const INT_HIGH = 4;

// Build a random tensor of the given ORT dtype and shape.
function randomTensor(type, dims, rng) {
  let n = 1;
  for (const d of dims) n *= d;
  if (n > 2 ** 31) fail(`input tensor too large: [${dims}]`);
  const fillF = (arr) => {
    for (let i = 0; i < n; i++) arr[i] = rng() * 2 - 1; // [-1, 1)
    return arr;
  };
  const fillI = (arr) => {
    for (let i = 0; i < n; i++) arr[i] = Math.floor(rng() * INT_HIGH);
    return arr;
  };
  const fillB = (arr) => {
    for (let i = 0; i < n; i++) arr[i] = BigInt(Math.floor(rng() * INT_HIGH));
    return arr;
  };
  let data;
  switch (type) {
    case 'float32': data = fillF(new Float32Array(n)); break;
    case 'float64': data = fillF(new Float64Array(n)); break;
    case 'float16': {
      // Node 20 has no Float16Array; ORT takes the raw bits as Uint16Array.
      data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = toHalfBits(rng() * 2 - 1);
      break;
    }
    case 'int8': data = fillI(new Int8Array(n)); break;
    case 'uint8': data = fillI(new Uint8Array(n)); break;
    case 'int16': data = fillI(new Int16Array(n)); break;
    case 'uint16': data = fillI(new Uint16Array(n)); break;
    case 'int32': data = fillI(new Int32Array(n)); break;
    case 'uint32': data = fillI(new Uint32Array(n)); break;
    case 'int64': data = fillB(new BigInt64Array(n)); break;
    case 'uint64': data = fillB(new BigUint64Array(n)); break;
    case 'bool': {
      data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = rng() < 0.5 ? 0 : 1;
      break;
    }
    case 'string': data = new Array(n).fill('a'); break;
    default: fail(`unsupported input dtype '${type}'`);
  }
  return new ort.Tensor(type, data, dims);
}

// Decide the concrete shape of every model input.  `spec` is the request's
// "inputs" object (or undefined).
function resolveShapes(session, spec) {
  if (spec !== undefined && spec !== null) {
    if (typeof spec !== 'object' || Array.isArray(spec)) fail('"inputs" must be an object {name: [dims]}');
    for (const name of Object.keys(spec)) {
      if (!session.inputNames.includes(name)) {
        fail(`"inputs" names '${name}', model inputs are: ${session.inputNames.join(', ')}`);
      }
      const dims = spec[name];
      if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && d >= 0)) {
        fail(`"inputs"."${name}" must be an array of non-negative integers`);
      }
    }
  } else {
    spec = {};
  }
  const out = {};
  for (const meta of session.inputMetadata) {
    const name = meta.name;
    if (!meta.isTensor) fail(`input '${name}' is not a tensor (sequence/map inputs are not supported)`);
    const model = meta.shape; // numbers, or strings for symbolic/unnamed dims
    const given = spec[name];
    if (given) {
      // The model may declare no shape at all (empty array): accept anything.
      if (model.length > 0) {
        if (given.length !== model.length) {
          fail(`input '${name}': rank ${given.length} given, model has rank ${model.length} [${model}]`);
        }
        model.forEach((d, i) => {
          if (typeof d === 'number' && d !== given[i]) {
            fail(`input '${name}': dim ${i} is ${d} in the model, request gives ${given[i]}`);
          }
        });
      }
      out[name] = given.slice();
      continue;
    }
    out[name] = model.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return 1; // dynamic batch -> 1
      fail(`input '${name}': dim ${i} ('${d || '?'}') is dynamic; give its shape in "inputs"`);
    });
  }
  return out;
}

// Reduce ORT's profiler JSON (Chrome trace format) to the timed runs.
// The session is sequential and single-threaded, so each Node event lies
// inside the time span of exactly one "model_run" Session event.
function reduceProfile(events, warmup, runs) {
  const modelRuns = events
    .filter((e) => e.cat === 'Session' && e.name === 'model_run')
    .sort((a, b) => a.ts - b.ts);
  const nodes = events
    .filter((e) => e.cat === 'Node' && typeof e.name === 'string' && e.name.endsWith('_kernel_time'))
    .sort((a, b) => a.ts - b.ts);
  let warning;
  if (modelRuns.length !== warmup + runs) {
    warning = `profiler saw ${modelRuns.length} model_run events, expected ${warmup + runs}`;
    process.stderr.write(`ort_harness: warning: ${warning}\n`);
  }
  // The last `runs` model_run events are the timed ones.
  const timed = modelRuns.slice(Math.max(0, modelRuns.length - runs));
  const runUs = timed.map((r) => r.dur);
  const profile = [];
  let j = 0;
  for (const e of nodes) {
    while (j < timed.length && e.ts > timed[j].ts + timed[j].dur) j++;
    if (j >= timed.length) break;
    if (e.ts < timed[j].ts) continue; // belongs to a warm-up run
    const a = e.args || {};
    profile.push({
      name: e.name.slice(0, -'_kernel_time'.length),
      op_name: a.op_name,
      dur_us: e.dur,
      run: j,
      input_shapes: a.input_type_shape || [],
      output_shapes: a.output_type_shape || [],
    });
  }
  return { profile, runUs, warning };
}

function intField(req, key, dflt, min) {
  const v = req[key] === undefined ? dflt : req[key];
  if (!Number.isInteger(v) || v < min) fail(`"${key}" must be an integer >= ${min}`);
  return v;
}

// ------------------------------------------------------------------ commands

function cmdInfo() {
  return {
    ok: true,
    runtime: `onnxruntime-node ${ortPkgVersion}`,
    // env.versions.node is the version of onnxruntime-node's native part
    // (the bundled libonnxruntime is built from the same release).
    ort_version: (ort.env.versions && ort.env.versions.node) || ortPkgVersion,
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

async function cmdTime(req) {
  const model = req.model;
  if (typeof model !== 'string' || model === '') fail('"model" must be a path');
  if (!fs.existsSync(model)) fail(`model not found: ${model}`);
  const warmup = intField(req, 'warmup', 10, 0);
  const warmupMs = req.warmup_ms === undefined ? 0 : req.warmup_ms;
  if (typeof warmupMs !== 'number' || !(warmupMs >= 0 && warmupMs <= 60000)) {
    fail('"warmup_ms" must be a number of milliseconds, 0 to 60000');
  }
  const runs = intField(req, 'runs', 100, 1);
  const profile = req.profile === true;
  const optimized = req.optimized_model;
  if (optimized !== undefined && optimized !== null && typeof optimized !== 'string') {
    fail('"optimized_model" must be a path or null');
  }
  const seed = intField(req, 'seed', 1, 0);

  const options = {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  let profDir = null;
  if (profile) {
    profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nnmeter-ort-prof-'));
    options.enableProfiling = true;
    options.profileFilePrefix = path.join(profDir, 'ort');
  }
  if (optimized) options.optimizedModelFilePath = optimized;

  const t0 = process.hrtime.bigint();
  let session = null;
  try {
    try {
      session = await ort.InferenceSession.create(model, options);
    } catch (e) {
      fail(`ORT cannot load ${model}: ${oneLine(e)}`);
    }
    const createMs = Number(process.hrtime.bigint() - t0) / 1e6;

    const shapes = resolveShapes(session, req.inputs);
    const rng = makeRng(seed);
    const feeds = {};
    for (const meta of session.inputMetadata) {
      feeds[meta.name] = randomTensor(meta.type, shapes[meta.name], rng);
    }

    const run = async () => {
      try {
        await session.run(feeds);
      } catch (e) {
        fail(`ORT run failed: ${oneLine(e)}`);
      }
    };
    // warm-up: `warmup` runs and at least warmupMs
    const w0 = process.hrtime.bigint();
    let warmed = 0;
    while (warmed < warmup || Number(process.hrtime.bigint() - w0) / 1e6 < warmupMs) {
      await run();
      warmed++;
    }
    const times = new Array(runs);
    for (let i = 0; i < runs; i++) {
      const s = process.hrtime.bigint();
      await run();
      times[i] = Number(process.hrtime.bigint() - s) / 1e6;
    }

    const ans = { ok: true, times_ms: times, create_ms: createMs, input_shapes: shapes };
    if (profile) {
      // endProfiling() writes the trace file (it returns nothing in 1.30,
      // so find the file in our private dir).
      session.endProfiling();
      const files = fs.readdirSync(profDir).filter((f) => f.endsWith('.json'));
      if (files.length !== 1) fail(`expected one profiler file in ${profDir}, found ${files.length}`);
      const events = JSON.parse(fs.readFileSync(path.join(profDir, files[0]), 'utf8'));
      const red = reduceProfile(events, warmed, runs);
      ans.profile = red.profile;
      ans.run_us = red.runUs;
      if (red.warning) ans.profile_warning = red.warning;
    }
    await session.release();
    session = null;
    ans.total_ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return ans;
  } finally {
    if (session) {
      try {
        await session.release();
      } catch (e) {
        process.stderr.write(`ort_harness: release failed: ${oneLine(e)}\n`);
      }
    }
    if (profDir) fs.rmSync(profDir, { recursive: true, force: true });
  }
}

// --------------------------------------------------------------- main loop

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `bad request (not JSON): ${oneLine(e)}` };
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return { ok: false, error: 'bad request: expected a JSON object' };
  }
  try {
    switch (req.cmd) {
      case 'info': return cmdInfo();
      case 'time': return await cmdTime(req);
      default: return { ok: false, error: `unknown cmd: ${JSON.stringify(req.cmd)}` };
    }
  } catch (e) {
    if (!(e instanceof RequestError)) {
      process.stderr.write(`ort_harness: unexpected error: ${(e && e.stack) || e}\n`);
    }
    return { ok: false, error: oneLine(e) };
  }
}

// Exit once everything written to stdout has been flushed.
function exitClean(code) {
  process.stdout.write('', () => process.exit(code));
}

async function main() {
  // If the reader goes away, there is nobody to answer: leave quietly.
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`ort_harness: stdout error: ${oneLine(e)}\n`);
    process.exit(1);
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  // `for await` handles one request at a time, in order; later lines wait.
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '') continue;
    let cmd;
    try {
      cmd = JSON.parse(line).cmd;
    } catch (_) {
      cmd = undefined;
    }
    if (cmd === 'quit') return exitClean(0);
    reply(await handle(line));
  }
  exitClean(0); // EOF
}

main().catch((e) => {
  process.stderr.write(`ort_harness: fatal: ${(e && e.stack) || e}\n`);
  process.exit(1);
});
