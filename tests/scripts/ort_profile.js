#!/usr/bin/env node
// ort_profile.js SRC_DIR MODEL.onnx OUT_DIR RUNS -- writes ONNX Runtime's raw
// profiler trace for RUNS runs of MODEL (float inputs, dynamic batch = 1) to
// OUT_DIR and prints its path: the file `nnmeter-tui --report --profile`
// reads, as any onnxruntime-node user with enableProfiling gets it.
'use strict';
const path = require('path');
const fs = require('fs');
const [src, model, outDir, runsArg] = process.argv.slice(2);
process.env.ORT_DISABLE_TELEMETRY = '1';
let ort;
try {
  ort = require(path.join(src, 'node_modules', 'onnxruntime-node'));
} catch (e) {
  process.stderr.write(`ort_profile: onnxruntime-node missing (${e.message.split('\n')[0]})\n`);
  process.exit(77);
}
(async () => {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableProfiling: true,
    profileFilePrefix: path.join(outDir, 'ort'),
  });
  const feeds = {};
  for (const meta of session.inputMetadata) {
    const dims = meta.shape.map((d, i) => (typeof d === 'number' ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 7919) % 200) / 100 - 1;
    feeds[meta.name] = new ort.Tensor('float32', data, dims);
  }
  for (let i = 0; i < Number(runsArg); i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const files = fs.readdirSync(outDir).filter((f) => f.startsWith('ort') && f.endsWith('.json'));
  if (files.length !== 1) throw new Error(`expected one profile in ${outDir}, found ${files.length}`);
  process.stdout.write(path.join(outDir, files[0]) + '\n');
})().catch((e) => {
  process.stderr.write(`ort_profile: ${e.message}\n`);
  process.exit(1);
});
