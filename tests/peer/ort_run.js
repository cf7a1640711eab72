// The peer runtime: run an ONNX model with onnxruntime (npm onnxruntime-node) on a raw float32
// input and write the first output as raw float32. Used by tests and bench to compare with omni.
//   node ort_run.js MODEL INPUT.f32 SHAPE(1,3,8,8) OUTPUT.f32 [THREADS] [REPEAT]
const ort = require('onnxruntime-node');
const fs = require('fs');
const [model, input, shapeText, output, threads = '2', repeat = '1'] = process.argv.slice(2);
const shape = shapeText.split(',').map(Number);
const buf = fs.readFileSync(input);
const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
(async () => {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: Number(threads), interOpNumThreads: 1 });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) };
  let result = await session.run(feeds);  // warm-up
  const times = [];
  for (let i = 0; i < Number(repeat); i++) {
    const t0 = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const out = result[session.outputNames[0]];
  fs.writeFileSync(output, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  console.log(`onnxruntime ${ort.env.versions.node}: ${times[Math.floor(times.length / 2)].toFixed(1)} ms (median of ${times.length}, ${threads} threads)`);
})().catch((e) => { console.error(`ort_run: ${e.message}`); process.exit(1); });
