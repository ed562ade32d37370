import { initBackend } from '../../../packages/network/src/backend/init.js';
import { benchmarkKernels } from '../../../packages/network/src/kernels/bench.js';
const info = await initBackend();
const rows = await benchmarkKernels({ repeats: 5 });
console.log(info.threads, 'threads');
for (const r of rows) console.log(`${r.kernel.padEnd(30)} ${r.case.padEnd(55)} orig ${r.originalMs.toFixed(1).padStart(8)} ms ${r.originalGflops.toFixed(2).padStart(7)} GF/s | new ${r.replacedMs.toFixed(1).padStart(7)} ms ${r.replacedGflops.toFixed(2).padStart(7)} GF/s  x${r.speedup.toFixed(1)}`);
