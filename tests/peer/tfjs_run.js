// The peer runtime for TF.js graph models: TensorFlow.js itself in Node (tfjs-core + -converter,
// with the wasm or cpu backend; nothing native). Reads omni's installed container (model.json, a
// NUL byte, the weights), runs it on a raw float32 input and writes each output asked for as raw
// float32 (OUTPUT.0.f32, OUTPUT.1.f32, ...). Used by tests and bench to compare with omni.
//   node tfjs_run.js MODEL.tfjs INPUT.f32 SHAPE(1,256,256,3) OUTPUT_PREFIX OUTPUTS(a,b|-) [BACKEND] [REPEAT]
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const tfconv = require('@tensorflow/tfjs-converter');
const fs = require('fs');
const path = require('path');

console.warn = () => {};  // TF.js's advice to use execute() when a graph has no control flow
const [model, input, shapeText, prefix, outputsText = '-', backend = 'wasm', repeat = '1'] = process.argv.slice(2);
(async () => {
  const file = fs.readFileSync(model);
  const nul = file.indexOf(0);
  const json = JSON.parse(file.subarray(0, nul).toString('utf8'));
  const weights = file.subarray(nul + 1);
  const specs = [].concat(...json.weightsManifest.map((g) => g.weights));
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  if (backend === 'wasm') {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
    wasm.setWasmPaths(dir);
    wasm.setThreadsCount(1);
  }
  await tf.setBackend(backend);
  await tf.ready();
  const m = await tfconv.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: data,
    signature: json.signature, userDefinedMetadata: json.userDefinedMetadata }));
  const shape = shapeText.split(',').map(Number);
  const buf = fs.readFileSync(input);
  const f32 = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  if (m.inputs.some((i) => i.name.startsWith('downsample_ratio'))) return recurrent(m, json, f32, shapeText.split(',').map(Number));
  const inputNode = m.inputs[0];
  const x = inputNode.dtype === 'int32' ? tf.tensor(Int32Array.from(f32, Math.round), shape, 'int32') : tf.tensor(f32, shape, 'float32');
  const names = outputsText === '-' ? m.outputs.map((o) => o.name) : outputsText.split(',');
  const sig = json.signature && json.signature.outputs ? json.signature.outputs : {};
  const resolved = names.map((n) => (sig[n] && sig[n].name ? sig[n].name : n));
  let outs = await m.executeAsync({ [inputNode.name]: x }, resolved);  // warm-up
  const times = [];
  for (let i = 0; i < Number(repeat); i++) {
    tf.dispose(outs);
    const t0 = process.hrtime.bigint();
    outs = await m.executeAsync({ [inputNode.name]: x }, resolved);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  if (!Array.isArray(outs)) outs = [outs];
  for (let i = 0; i < outs.length; i++) {
    const d = Float32Array.from(await outs[i].data());
    fs.writeFileSync(`${prefix}.${i}.f32`, Buffer.from(d.buffer));
  }
  times.sort((a, b) => a - b);
  console.log(`tfjs ${tf.version_core} ${backend}: ${times[Math.floor(times.length / 2)].toFixed(1)} ms (median of ${times.length}, shapes ${outs.map((o) => o.shape.join('x')).join(' ')})`);
})().catch((e) => { console.error(`tfjs_run: ${e.message}`); process.exit(1); });

// RVM: src and a recurrent state (zeros first, then fed back), downsample ratio for ~384 px inside.
async function recurrent(m, json, f32, shape) {
  const sig = json.signature.outputs;
  const outs = ['pha', 'r1o', 'r2o', 'r3o', 'r4o'].map((k) => sig[k].name);
  const dr = Math.min(1, 384 / Math.max(shape[1], shape[2]));
  const name = (p) => m.inputs.find((i) => i.name.startsWith(p)).name;
  const src = tf.tensor(f32, shape, 'float32');
  let state = [0, 1, 2, 3].map(() => tf.scalar(0));
  const run = async () => {
    const feed = { [name('src')]: src, [name('downsample_ratio')]: tf.scalar(dr) };
    ['r1i', 'r2i', 'r3i', 'r4i'].forEach((r, i) => { feed[name(r)] = state[i]; });
    const o = await m.executeAsync(feed, outs);
    state = o.slice(1);
    return o;
  };
  let o = await run();
  o = await run();
  const times = [];
  for (let i = 0; i < Number(repeat); i++) {
    const t0 = process.hrtime.bigint();
    o = await run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  fs.writeFileSync(`${prefix}.0.f32`, Buffer.from(Float32Array.from(await o[0].data()).buffer));
  times.sort((a, b) => a - b);
  console.log(`tfjs ${tf.version_core} ${backend}: ${times[Math.floor(times.length / 2)].toFixed(1)} ms (median of ${times.length}, rvm at ratio ${dr.toFixed(3)}, state fed back)`);
}
