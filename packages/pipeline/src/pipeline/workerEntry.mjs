// Worker bootstrap used when fets runs from TypeScript source (tests, examples under tsx): Node 20 does not carry
// the parent's `--import tsx` loader hooks into worker threads, so register them here, then load the real worker.
const { register } = await import('tsx/esm/api');
register();
const mod = await import('./worker.ts');
export default mod.default;
