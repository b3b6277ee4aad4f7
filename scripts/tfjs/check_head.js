// Loads a head exported by `pacnet export --format tfjs` with TF.js (tfjs-layers on the
// pure-JS CPU backend, no native code), feeds it the features pacnet computed, laid out as
// TF.js's MobileNet hands them over (NHWC), and compares its probabilities with pacnet's.
//
// usage: node check_head.js EXPORT_DIR CHECK_DIR [TOLERANCE]
//   EXPORT_DIR: model.json + weights, as exported
//   CHECK_DIR:  check.json ({n, classes, feature_shape: [C, H, W], features, expected}),
//               features (float32 LE, N×C×H×W, pacnet's CHW order) and expected
//               (float32 LE, N×classes, pacnet's probabilities), as the Rust test writes them
// Prints `tfjs max_abs_diff=<x> wrong_layout_diff=<y>`; exits 1 when x > TOLERANCE (1e-4), when
// the topology is not the demo's, or when feeding CHW features unchanged would pass too (then
// the check could not see a layout mistake).
'use strict';

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfl = require('@tensorflow/tfjs-layers');

function fail(msg) {
  console.error(`check_head: ${msg}`);
  process.exit(1);
}

function readF32(file, count) {
  const buf = fs.readFileSync(file);
  if (buf.length !== 4 * count) fail(`${file}: ${buf.length} bytes, expected ${4 * count}`);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(4 * i);
  return out;
}

// What a browser's tf.loadLayersModel(url) does with model.json and its shards, from files.
function fileHandler(dir) {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const weightSpecs = [];
      const buffers = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

async function main() {
  const [exportDir, checkDir, tolArg] = process.argv.slice(2);
  if (!exportDir || !checkDir) fail('usage: node check_head.js EXPORT_DIR CHECK_DIR [TOLERANCE]');
  const tol = tolArg === undefined ? 1e-4 : Number(tolArg);
  await tf.setBackend('cpu');

  const check = JSON.parse(fs.readFileSync(path.join(checkDir, 'check.json'), 'utf8'));
  const [c, h, w] = check.feature_shape;
  const k = check.classes.length;
  const n = check.n;

  const model = await tfl.loadLayersModel(fileHandler(exportDir));
  const kinds = model.layers.map((l) => l.getClassName());
  if (kinds.join() !== 'Flatten,Dense,Dense') fail(`layers ${kinds}, expected Flatten,Dense,Dense`);
  const [, hidden, out] = model.layers.map((l) => l.getConfig());
  if (hidden.activation !== 'relu' || !hidden.useBias) fail(`hidden layer ${JSON.stringify(hidden)}`);
  if (out.activation !== 'softmax' || out.useBias || out.units !== k) fail(`output layer ${JSON.stringify(out)}`);
  const inShape = JSON.stringify(model.inputs[0].shape);
  if (inShape !== JSON.stringify([null, h, w, c])) fail(`input shape ${inShape}, expected [null,${h},${w},${c}]`);

  const chw = tf.tensor4d(readF32(path.join(checkDir, check.features), n * c * h * w), [n, c, h, w]);
  const expected = readF32(path.join(checkDir, check.expected), n * k);
  // TF.js's MobileNet gives [N, H, W, C].
  const nhwc = tf.transpose(chw, [0, 2, 3, 1]);
  const probs = await model.predict(nhwc).data();
  // The same numbers read as if they were NHWC already: a layout mistake must show.
  const wrong = await model.predict(tf.reshape(chw, [n, h, w, c])).data();
  let maxDiff = 0;
  let wrongDiff = 0;
  for (let i = 0; i < n * k; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(probs[i] - expected[i]));
    wrongDiff = Math.max(wrongDiff, Math.abs(wrong[i] - expected[i]));
  }
  console.log(`tfjs max_abs_diff=${maxDiff.toExponential(2)} wrong_layout_diff=${wrongDiff.toExponential(2)} images=${n} classes=${k}`);
  if (!(maxDiff <= tol)) fail(`TF.js probabilities differ from pacnet's by ${maxDiff} > ${tol}`);
  if (!(wrongDiff > 10 * tol)) fail(`unchanged CHW features agree too (${wrongDiff}): the check cannot see the layout`);
}

main().catch((e) => fail(e.stack || String(e)));
