// ort_sessions.js MODEL.onnx [N] [VARIANT] -- one Node process opens N fresh
// ONNX Runtime sessions of MODEL in turn (1 thread, as the harness does) and
// prints each session's fastest of 20 runs: whether a slow session is a
// state of the process (memory placement, threads) or a moment of the host.
// VARIANT: "noarena" (no CPU memory arena), "nopattern" (no memory
// pattern), anything else the defaults.  Run it pinned, and vary the
// process from outside: taskset -c 1 node [--single-threaded] ...,
// setarch -R (no ASLR), GLIBC_TUNABLES=glibc.malloc.hugetlb=1.
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, n = '15', variant = 'default'] = process.argv.slice(2);
  if (!model) {
    process.stderr.write('usage: node ort_sessions.js MODEL.onnx [N] [noarena|nopattern]\n');
    process.exit(1);
  }
  const best = [];
  for (let s = 0; s < Number(n); s++) {
    const opt = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1,
                  executionMode: 'sequential', graphOptimizationLevel: 'all' };
    if (variant === 'noarena') opt.enableCpuMemArena = false;
    if (variant === 'nopattern') opt.enableMemPattern = false;
    const sess = await ort.InferenceSession.create(model, opt);
    const meta = sess.inputMetadata[0];
    const dims = meta.shape.map((d) => (typeof d === 'number' ? d : 1));
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => Math.random());
    const feeds = { [meta.name]: new ort.Tensor('float32', data, dims) };
    const w0 = Date.now();
    for (let w = 0; w < 5 || Date.now() - w0 < 3; w++) await sess.run(feeds);
    let min = Infinity;
    for (let i = 0; i < 20; i++) {
      const t = process.hrtime.bigint();
      await sess.run(feeds);
      min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
    }
    best.push(min.toFixed(3));
    await sess.release();
  }
  console.log(`${variant} ${best.join(' ')}`);
}
main();
