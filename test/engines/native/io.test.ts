import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlassboxError, UsageError } from '../../../src/errors.js';
import { GraphBuilder, attr, emptyGraph, type AttrValue, type Graph, type TensorValue } from '../../../src/engines/native/graph.js';
import { ModelProto, TensorProto, type ModelMsg, type TensorMsg } from '../../../src/engines/native/onnx-schema.js';
import { readOnnx, readOnnxFile } from '../../../src/engines/native/read.js';
import { FLOAT32_ONLY_OPS, FLOAT64_OPS, OnnxSession } from '../../../src/engines/native/runtime.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { writeOnnx } from '../../../src/engines/native/write.js';
import { readIdx } from '../../../src/io/idx.js';

const MODEL = 'test/data/models/mnist-onnx/mnist-cntk-opset7.onnx';
const reference = JSON.parse(readFileSync('test/data/models/mnist-onnx/reference_outputs.json', 'utf8')) as {
  input: { name: string; shape: number[] };
  output: { name: string };
  first_10_test_images: { index: number; label: number; logits: number[] }[];
};

/** MNIST test images 0-9 as the model wants them: pixel / 255, NCHW [1,1,28,28]. */
function mnistInputs(): TensorValue[] {
  const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
  return Array.from({ length: 10 }, (_, i) => ({
    dtype: 'float32' as const, shape: [1, 1, 28, 28], data: Float32Array.from(images.data.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
  }));
}

const usage = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
  assert.match(e.message, pattern);
  assert.match(e.message, /fix: /);
  return true;
};

/** y = Relu(x) + b: a small valid graph to break in various ways. */
function tinyGraph(opset = 13): Graph {
  const g = emptyGraph('tiny', opset);
  g.inputs.push({ name: 'x', dtype: 'float32', shape: ['N', 3] });
  const b = new GraphBuilder(g);
  const bias = b.constant({ dtype: 'float32', shape: [3], data: Float32Array.of(1, 2, 3) }, 'bias');
  const y = b.op('Add', [b.op('Relu', ['x']), bias], {}, 'y');
  g.outputs.push({ name: y, dtype: 'float32', shape: ['N', 3] });
  return g;
}

/** The model as protobufjs objects, to corrupt before encoding. */
function decode(bytes: Uint8Array): ModelMsg {
  return ModelProto.toObject(ModelProto.decode(bytes), { defaults: false, arrays: true }) as ModelMsg;
}
const encode = (m: object) => ModelProto.encode(ModelProto.fromObject(m)).finish();

describe('reading ONNX', () => {
  it('reads the real MNIST model (IR 3, opset 7, weights in float_data)', () => {
    const g = readOnnxFile(MODEL);
    assert.equal(g.opset, 7);
    assert.equal(g.name, 'CNTKGraph');
    // IR 3 lists initializers as inputs; only the image is a real input.
    assert.deepEqual(g.inputs, [{ name: 'Input3', dtype: 'float32', shape: [1, 1, 28, 28] }]);
    assert.deepEqual(g.outputs, [{ name: 'Plus214_Output_0', dtype: 'float32', shape: [1, 10] }]);
    assert.deepEqual(g.nodes.map((n) => n.op), ['Reshape', 'Conv', 'Add', 'Relu', 'MaxPool', 'Conv', 'Add', 'Relu', 'MaxPool', 'Reshape', 'MatMul', 'Add']);
    const conv = g.nodes[1];
    assert.deepEqual(conv.attrs, {
      kernel_shape: attr.ints([5, 5]), strides: attr.ints([1, 1]), auto_pad: attr.string('SAME_UPPER'), group: attr.int(1), dilations: attr.ints([1, 1]),
    });
    const w = g.initializers.get('Parameter5')!;
    assert.equal(w.dtype, 'float32');
    assert.deepEqual(w.shape, [8, 1, 5, 5]);
    assert.ok(w.data instanceof Float32Array && w.data.length === 200);
    const shape = g.initializers.get('Pooling160_Output_0_reshape0_shape')!;
    assert.deepEqual([shape.dtype, [...shape.data]], ['int64', [1n, 256n]]);
    // 5998 values in all, as the data set says: 5994 float weights and the two int64 Reshape targets.
    const count = (dtype: string) => [...g.initializers.values()].filter((t) => t.dtype === dtype).reduce((n, t) => n + t.data.length, 0);
    assert.deepEqual([count('float32'), count('int64')], [5994, 4]);
  });

  it('runs the MNIST model on onnxruntime with the reference logits for test images 0-9', async () => {
    assert.equal(reference.input.name, 'Input3');
    assert.deepEqual(reference.input.shape, [1, 1, 28, 28]);
    const session = await OnnxSession.create(readOnnxFile(MODEL));
    try {
      assert.deepEqual([session.inputNames, session.outputNames], [['Input3'], ['Plus214_Output_0']]);
      const inputs = mnistInputs();
      for (const ref of reference.first_10_test_images) {
        const out = await session.run({ Input3: inputs[ref.index] });
        const logits = out.Plus214_Output_0;
        assert.deepEqual([logits.dtype, logits.shape], ['float32', [1, 10]]);
        // The reference is rounded to 4 decimals.
        ref.logits.forEach((v, j) => assert.ok(Math.abs((logits.data[j] as number) - v) <= 6e-5, `image ${ref.index} logit ${j}: ${logits.data[j]} vs ${v}`));
        const predicted = [...(logits.data as Float32Array)].indexOf(Math.max(...(logits.data as Float32Array)));
        assert.equal(predicted, ref.label);
      }
    } finally {
      await session.release();
    }
  });

  it('reads tensors from raw_data (little-endian) and from each typed field', () => {
    const tensor = (t: object) => {
      const g = tinyGraph();
      const bytes = writeOnnx(g);
      const m = decode(bytes);
      m.graph!.initializer.push(TensorProto.toObject(TensorProto.fromObject({ name: 'extra', ...t })) as TensorMsg);
      return readOnnx(encode(m)).initializers.get('extra')!;
    };
    const raw = new Uint8Array(new Float64Array([1.5, -2.25]).buffer);
    assert.deepEqual(tensor({ data_type: 11, dims: [2], raw_data: raw }), { dtype: 'float64', shape: [2], data: Float64Array.of(1.5, -2.25) });
    const le = new Uint8Array(12);
    new DataView(le.buffer).setInt32(0, -7, true);
    new DataView(le.buffer).setInt32(4, 65536, true);
    new DataView(le.buffer).setInt32(8, 3, true);
    assert.deepEqual([...tensor({ data_type: 6, dims: [3], raw_data: le }).data], [-7, 65536, 3]);
    assert.deepEqual(tensor({ data_type: 1, dims: [2, 1], float_data: [0.5, 2] }), { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.5, 2) });
    assert.deepEqual(tensor({ data_type: 11, dims: [1], double_data: [Math.PI] }).data, Float64Array.of(Math.PI));
    assert.deepEqual(tensor({ data_type: 7, dims: [2], int64_data: ['9223372036854775807', '-3'] }).data, BigInt64Array.of(9223372036854775807n, -3n));
    assert.deepEqual(tensor({ data_type: 9, dims: [3], int32_data: [1, 0, 1] }), { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) });
    assert.deepEqual(tensor({ data_type: 3, dims: [2], int32_data: [-5, 7] }).data, Int8Array.of(-5, 7));
    assert.deepEqual(tensor({ data_type: 1, dims: [], float_data: [4] }).shape, []);
    assert.throws(() => tensor({ data_type: 1, dims: [3], float_data: [1, 2] }), usage(/initializer 'extra' has shape \[3\] \(3 values\) but 2 values in float_data/));
    assert.throws(() => tensor({ data_type: 1, dims: [2], raw_data: new Uint8Array(7) }), usage(/raw_data/));
    assert.throws(() => tensor({ data_type: 8, dims: [1], string_data: [new Uint8Array(1)] }), usage(/data type STRING/));
  });

  it('keeps Constant nodes as nodes, and orders nodes topologically', () => {
    const g = tinyGraph();
    const b = new GraphBuilder(g);
    const c = b.op('Constant', [], { value: attr.tensor({ dtype: 'float32', shape: [], data: Float32Array.of(2) }) }, 'two');
    const z = b.op('Mul', [g.outputs[0].name, c], {}, 'z');
    g.outputs = [{ name: z, dtype: 'float32', shape: ['N', 3] }];
    g.nodes.reverse();
    const back = readOnnx(writeOnnx(g));
    assert.deepEqual(back.nodes.map((n) => n.op).sort(), ['Add', 'Constant', 'Mul', 'Relu']);
    const position = (name: string) => back.nodes.findIndex((n) => n.outputs.includes(name));
    for (const n of back.nodes) for (const i of n.inputs) if (position(i) >= 0) assert.ok(position(i) < back.nodes.indexOf(n), `${n.name} before its input ${i}`);
    assert.deepEqual(back.nodes.find((n) => n.op === 'Constant')!.attrs.value, attr.tensor({ dtype: 'float32', shape: [], data: Float32Array.of(2) }));
  });
});

describe('writing ONNX', () => {
  it('round-trips read -> write -> read with the same nodes, attributes and initializers', () => {
    const first = readOnnxFile(MODEL);
    const bytes = writeOnnx(first);
    const second = readOnnx(bytes, 'rewritten');
    assert.deepEqual(second.nodes, first.nodes);
    assert.deepEqual(second.inputs, first.inputs);
    assert.deepEqual(second.outputs, first.outputs);
    assert.equal(second.opset, 7);
    assert.deepEqual([...second.initializers.keys()], [...first.initializers.keys()]);
    for (const [name, t] of first.initializers) assert.deepEqual(second.initializers.get(name), t, name);
    // Written with raw_data, IR 8 by default, and graph inputs/outputs typed.
    const m = decode(bytes);
    assert.equal(Number(m.ir_version), 8);
    assert.ok(m.graph!.initializer.every((t) => t.raw_data && t.raw_data.length > 0 && !t.float_data?.length));
    assert.deepEqual(m.graph!.input.map((v) => v.name), ['Input3']);
    assert.equal(m.graph!.output[0].type!.tensor_type!.elem_type, 1);
    assert.deepEqual(m.opset_import.map((o) => [o.domain ?? '', Number(o.version)]), [['', 7]]);
    // IR 3 lists initializers among the inputs again.
    assert.equal(decode(writeOnnx(first, { irVersion: 3 })).graph!.input.length, 9);
    assert.equal(Number(decode(writeOnnx(first, { irVersion: 3 })).ir_version), 3);
  });

  it('writes every attribute type and dtype back exactly (int64 extremes, symbolic dims)', () => {
    const g = emptyGraph('attrs', 13);
    g.inputs.push({ name: 'x', dtype: 'float32', shape: ['batch', null, 4] });
    const attrs: Record<string, AttrValue> = {
      i: attr.int(-3), f: attr.float(0.25), s: attr.string('héllo'), ints: attr.ints([1, -1, 2 ** 40, 9223372036854775807]),
      floats: attr.floats([0.5, -1.5]), strings: { type: 'strings', value: ['a', 'b'] },
      t: attr.tensor({ dtype: 'int64', shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) }),
    };
    g.nodes.push({ op: 'Identity', domain: '', name: 'id', inputs: ['x'], outputs: ['y'], attrs });
    g.outputs.push({ name: 'y', dtype: 'float32', shape: ['batch', null, 4] });
    const dtypes: TensorValue[] = [
      { dtype: 'float64', shape: [2], data: Float64Array.of(1e-300, -0) },
      { dtype: 'int32', shape: [1], data: Int32Array.of(-2147483648) },
      { dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 255) },
      { dtype: 'int8', shape: [1], data: Int8Array.of(-128) },
      { dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) },
      { dtype: 'float16', shape: [1], data: Uint16Array.of(0x3c00) },
    ];
    dtypes.forEach((t, i) => g.initializers.set(`c${i}`, t));
    const back = readOnnx(writeOnnx(g));
    // INT64_MAX is not a double; it comes back as the nearest one, 2^63, and is written saturated.
    assert.deepEqual(back.nodes[0].attrs, { ...attrs, ints: attr.ints([1, -1, 2 ** 40, 2 ** 63]) });
    assert.deepEqual(back.inputs, g.inputs);
    dtypes.forEach((t, i) => assert.deepEqual(back.initializers.get(`c${i}`), t));
    const again = decode(writeOnnx(back));
    assert.equal(String(again.graph!.node[0].attribute.find((a) => a.name === 'ints')!.ints[3]), '9223372036854775807');
  });

  it('the rewritten MNIST model gives identical outputs on onnxruntime', async () => {
    const original = readOnnxFile(MODEL);
    const rewritten = readOnnx(writeOnnx(original));
    const [a, b] = await Promise.all([OnnxSession.create(original), OnnxSession.create(rewritten, { threads: 1 })]);
    try {
      for (const x of mnistInputs().slice(0, 3)) {
        const [ya, yb] = await Promise.all([a.run({ Input3: x }), b.run({ Input3: x })]);
        assert.deepEqual(yb.Plus214_Output_0, ya.Plus214_Output_0);
      }
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });
});

describe('bad ONNX input', () => {
  const valid = writeOnnx(tinyGraph());

  it('a file that is not ONNX: images, JSON, archives, random bytes, other protobuf', () => {
    assert.throws(() => readOnnx(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0), 'digit.png'), usage(/digit\.png is not an ONNX file: it looks like a PNG image/));
    assert.throws(() => readOnnx(new TextEncoder().encode('{"modelTopology": {}}'), 'model.json'), usage(/model\.json is not an ONNX file: it looks like JSON \(a TF\.js model\.json\?\)/));
    assert.throws(() => readOnnx(Uint8Array.of(0x50, 0x4b, 3, 4, 20, 0), 'model.pt'), usage(/ZIP archive \(a PyTorch \.pt checkpoint\?\)[\s\S]*torch\.onnx\.export/));
    assert.throws(() => readOnnx(new Uint8Array(0), 'empty.onnx'), usage(/empty\.onnx is empty/));
    assert.throws(() => readOnnx(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3), 'noise.bin'), usage(/noise\.bin is not an ONNX file, or is corrupted: its bytes are not valid protobuf/));
    // Valid protobuf, but not a model: no ir_version, or no graph.
    assert.throws(() => readOnnx(encode({ producer_name: 'x' }), 'other.pb'), usage(/other\.pb is not an ONNX model: it has no ir_version/));
    assert.throws(() => readOnnx(encode({ ir_version: 8 }), 'header.onnx'), usage(/header\.onnx is not an ONNX model: it has no graph/));
  });

  it('a truncated file', () => {
    for (const cut of [valid.length - 1, Math.floor(valid.length / 2), 3]) {
      assert.throws(() => readOnnx(valid.subarray(0, cut), 'cut.onnx'), usage(/cut\.onnx is truncated or not an ONNX file: the protobuf data ends in the middle of a field[\s\S]*fix: the file was cut short/));
    }
    // Cut at a field boundary: just after the graph, the opset declaration (written after it) is gone;
    // just before the graph, the graph is.
    const opsetBytes = encode({ opset_import: decode(valid).opset_import }).length;
    assert.throws(() => readOnnx(valid.subarray(0, valid.length - opsetBytes), 'cut.onnx'), usage(/cut\.onnx declares no opset for the default ONNX domain[\s\S]*cut short/));
    const header = encode({ ir_version: 8, producer_name: 'glassbox' }).length;
    assert.throws(() => readOnnx(valid.subarray(0, header), 'cut.onnx'), usage(/cut\.onnx is not an ONNX model: it has no graph[\s\S]*cut short/));
  });

  it('an opset too old or too new', () => {
    assert.throws(() => readOnnx(writeOnnx(tinyGraph(6)), 'old.onnx'), usage(/old\.onnx uses ONNX opset 6; the native engine reads opsets 7 to 21[\s\S]*version_converter/));
    assert.throws(() => readOnnx(writeOnnx(tinyGraph(22)), 'new.onnx'), usage(/new\.onnx uses ONNX opset 22, newer than the native engine knows \(opsets 7 to 21\)/));
    assert.equal(readOnnx(writeOnnx(tinyGraph(21))).opset, 21);
  });

  it('a graph with no inputs or no outputs', () => {
    const noInputs = tinyGraph();
    noInputs.initializers.set('x', { dtype: 'float32', shape: [1, 3], data: new Float32Array(3) });
    noInputs.inputs = [];
    assert.throws(() => readOnnx(writeOnnx(noInputs), 'const.onnx'), usage(/const\.onnx has a graph with no inputs/));
    const noOutputs = tinyGraph();
    noOutputs.outputs = [];
    assert.throws(() => readOnnx(writeOnnx(noOutputs), 'sink.onnx'), usage(/sink\.onnx has a graph with no outputs/));
  });

  it('malformed graphs: dangling inputs, subgraphs, unsupported dtypes', () => {
    const dangling = tinyGraph();
    dangling.nodes[0].inputs = ['nowhere'];
    assert.throws(() => readOnnx(writeOnnx(dangling), 'd.onnx'), usage(/node 'relu_node' \(Relu\) reads 'nowhere', which no node, input or initializer provides/));
    const m = decode(valid);
    m.graph!.node[0].attribute = [{ name: 'then_branch', type: 5, g: { name: 'sub' } } as never];
    assert.throws(() => readOnnx(encode(m), 'if.onnx'), usage(/node 'relu_node' \(Relu\) has a subgraph \(control flow: If, Loop, Scan\)/));
    const strings = decode(valid);
    strings.graph!.input[0].type!.tensor_type!.elem_type = 8;
    assert.throws(() => readOnnx(encode(strings), 's.onnx'), usage(/graph input 'x' has data type STRING/));
  });

  it('weights in external data', () => {
    const m = decode(valid);
    const t = m.graph!.initializer[0];
    m.graph!.initializer[0] = { name: t.name, dims: t.dims, data_type: 1, data_location: 1, external_data: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }] } as never;
    assert.throws(() => readOnnx(encode(m), 'big.onnx'), usage(/big\.onnx: initializer 'bias' keeps its data in an external file \('weights\.bin'\)[\s\S]*save_as_external_data=False/));
  });

  it('a file over 2 GB, refused before it is read; missing files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-onnx-'));
    try {
      const path = join(dir, 'huge.onnx');
      const fd = openSync(path, 'w');
      ftruncateSync(fd, 2 ** 31 + 10); // sparse: no disk used
      closeSync(fd);
      assert.throws(() => readOnnxFile(path), usage(/huge\.onnx is 2\.0 GB: a single ONNX protobuf cannot exceed 2 GB[\s\S]*external data/));
      assert.throws(() => readOnnxFile(join(dir, 'missing.onnx')), usage(/missing\.onnx: no such file/));
      assert.throws(() => readOnnxFile(dir), usage(/is a directory/));
      writeFileSync(join(dir, 'ok.onnx'), valid);
      assert.equal(readOnnxFile(join(dir, 'ok.onnx')).nodes.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('OnnxSession', () => {
  it('checks feeds before onnxruntime does, with the model named', async () => {
    const session = await OnnxSession.create(tinyGraph());
    const x = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.of(-1, 0, 1, 2, -2, 3) };
    try {
      const out = await session.run({ x });
      assert.deepEqual([...out[session.outputNames[0]].data], [1, 2, 4, 3, 2, 6]);
      await assert.rejects(session.run({}), usage(/input 'x' of model 'tiny' is missing/));
      await assert.rejects(session.run({ x, z: x }), usage(/model 'tiny' has no input 'z'/));
      await assert.rejects(session.run({ x: { ...x, dtype: 'float64', data: new Float64Array(6) } }), usage(/input 'x' of model 'tiny' must be float32, got float64/));
      await assert.rejects(session.run({ x: { ...x, shape: [3, 2] } }), usage(/must have shape \[N,3\], got \[3,2\]/));
      await assert.rejects(session.run({ x }, ['nope']), usage(/has no output 'nope'/));
      await assert.rejects(session.run({ x: { ...x, data: new Float64Array(6) } }), usage(/a float32 tensor needs a Float32Array, got a Float64Array/));
    } finally {
      await session.release();
    }
    await assert.rejects(session.run({ x }), usage(/was released/));
  });

  it('writes an onnxruntime profile to the temp directory on request', async () => {
    const session = await OnnxSession.create(tinyGraph(), { profile: true, threads: 1 });
    await session.run({ x: { dtype: 'float32', shape: [1, 3], data: new Float32Array(3) } });
    await session.release();
    assert.ok(session.profileFile && session.profileFile.startsWith(tmpdir()), String(session.profileFile));
    const events = JSON.parse(readFileSync(session.profileFile, 'utf8')) as { name: string }[];
    assert.ok(events.some((e) => /relu_node/.test(e.name)));
    rmSync(session.profileFile);
  });

  it('wraps onnxruntime errors in a GlassboxError naming the node', async () => {
    // Conv has no float64 kernel on the CPU provider: a load-time error.
    const g = emptyGraph('conv64', 13);
    g.inputs.push({ name: 'x', dtype: 'float64', shape: [1, 1, 4, 4] }, { name: 'w', dtype: 'float64', shape: [1, 1, 3, 3] });
    g.nodes.push({ op: 'Conv', domain: '', name: 'my_conv', inputs: ['x', 'w'], outputs: ['y'], attrs: {} });
    g.outputs.push({ name: 'y', dtype: 'float64', shape: [1, 1, 2, 2] });
    await assert.rejects(OnnxSession.create(g), (e: unknown) => {
      assert.ok(e instanceof GlassboxError && !(e instanceof UsageError));
      assert.match(e.message, /onnxruntime could not load model 'conv64' at node 'my_conv' \(Conv\): Could not find an implementation/);
      return true;
    });
    // A Reshape whose target comes from data fails at run time.
    const r = emptyGraph('reshaper', 13);
    r.inputs.push({ name: 'x', dtype: 'float32', shape: [6] }, { name: 's', dtype: 'int64', shape: [2] });
    r.nodes.push({ op: 'Reshape', domain: '', name: 'the_reshape', inputs: ['x', 's'], outputs: ['y'], attrs: {} });
    r.outputs.push({ name: 'y', dtype: 'float32', shape: [null, null] });
    const session = await OnnxSession.create(r);
    try {
      await assert.rejects(
        session.run({ x: { dtype: 'float32', shape: [6], data: new Float32Array(6) }, s: { dtype: 'int64', shape: [2], data: BigInt64Array.of(4n, 2n) } }),
        (e: unknown) => e instanceof GlassboxError && /onnxruntime failed running model 'reshaper' at node 'the_reshape' \(Reshape\)/.test(e.message),
      );
    } finally {
      await session.release();
    }
  });

  it('runs the ops of FLOAT64_OPS in float64, and not those of FLOAT32_ONLY_OPS', async () => {
    const probe = async (op: string, dtype: 'float64' | 'float32') => {
      const g = emptyGraph(`probe_${op}`, op === 'Gelu' ? 20 : 17);
      const b = new GraphBuilder(g);
      const x = (name: string, shape: number[]) => { g.inputs.push({ name, dtype, shape }); return name; };
      const float = (values: number[]) => b.constant(dtype === 'float64' ? { dtype, shape: [values.length], data: Float64Array.from(values) } : { dtype, shape: [values.length], data: Float32Array.from(values) });
      // [inputs, attributes, number of outputs, output shape where shape inference has no rule]
      const specs: Record<string, () => [string[], Record<string, AttrValue>, number?, number[]?]> = {
        Conv: () => [[x('x', [1, 2, 5, 5]), x('w', [3, 2, 3, 3])], {}],
        ConvTranspose: () => [[x('x', [1, 2, 5, 5]), x('w', [2, 3, 3, 3])], {}],
        MaxPool: () => [[x('x', [1, 2, 4, 4])], { kernel_shape: attr.ints([2, 2]) }, 2],
        GlobalAveragePool: () => [[x('x', [1, 2, 4, 4])], {}],
        GlobalMaxPool: () => [[x('x', [1, 2, 4, 4])], {}],
        AveragePool: () => [[x('x', [1, 2, 4, 4])], { kernel_shape: attr.ints([2, 2]) }],
        MaxUnpool: () => [[x('x', [1, 1, 2, 2]), b.constant({ dtype: 'int64', shape: [1, 1, 2, 2], data: BigInt64Array.of(0n, 3n, 8n, 15n) })], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, 1, [1, 1, 4, 4]],
        BatchNormalization: () => [[x('x', [1, 2, 4, 4]), float([1, 2]), float([0, 1]), float([0, 0]), float([1, 1])], {}],
        InstanceNormalization: () => [[x('x', [1, 2, 4]), float([1, 2]), float([0, 1])], {}],
        LayerNormalization: () => [[x('x', [2, 3]), float([1, 1, 1]), float([0, 0, 0])], {}],
        LRN: () => [[x('x', [1, 2, 4, 4])], { size: attr.int(3) }],
        Resize: () => [[x('x', [1, 1, 2, 2]), '', b.constant({ dtype: 'float32', shape: [4], data: Float32Array.of(1, 1, 2, 2) })], {}, 1, [1, 1, 4, 4]],
        MatMul: () => [[x('a', [2, 3]), x('b', [3, 4])], {}],
        Gemm: () => [[x('a', [2, 3]), x('b', [3, 4])], {}],
        Einsum: () => [[x('a', [2, 3]), x('b', [3, 4])], { equation: attr.string('ij,jk->ik') }, 1, [2, 4]],
        Reshape: () => [[x('x', [2, 3]), b.int64s([3, 2])], {}],
        Squeeze: () => [[x('x', [2, 1, 3]), b.int64s([1])], {}],
        Unsqueeze: () => [[x('x', [2, 3]), b.int64s([1])], {}],
        Slice: () => [[x('x', [2, 4]), b.int64s([1]), b.int64s([3])], {}],
        Gather: () => [[x('x', [4, 3]), b.int64s([0, 2])], {}],
        GatherElements: () => [[x('x', [2, 2]), b.constant({ dtype: 'int64', shape: [2, 2], data: BigInt64Array.of(0n, 1n, 1n, 0n) })], {}],
        ScatterElements: () => [[x('x', [2, 3]), b.constant({ dtype: 'int64', shape: [1, 2], data: BigInt64Array.of(0n, 1n) }), x('u', [1, 2])], { axis: attr.int(1) }],
        ScatterND: () => [[x('x', [2, 3]), b.constant({ dtype: 'int64', shape: [1, 1], data: BigInt64Array.of(1n) }), x('u', [1, 3])], {}],
        Expand: () => [[x('x', [1, 3]), b.int64s([2, 3])], {}],
        Tile: () => [[x('x', [1, 3]), b.int64s([2, 1])], {}],
        Pad: () => [[x('x', [2, 3]), b.int64s([1, 1, 1, 1])], {}],
        CumSum: () => [[x('x', [2, 3]), b.constant({ dtype: 'int64', shape: [], data: BigInt64Array.of(1n) })], {}],
        TopK: () => [[x('x', [2, 3]), b.int64s([2])], {}, 2],
        Where: () => [[b.constant({ dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) }), x('a', [2, 3]), x('b', [2, 3])], {}],
        Cast: () => [[x('x', [2, 3])], { to: attr.int(1) }],
        ConstantOfShape: () => [[b.int64s([2, 3])], { value: attr.tensor(dtype === 'float64' ? { dtype, shape: [1], data: Float64Array.of(1) } : { dtype, shape: [1], data: Float32Array.of(1) }) }],
        Split: () => [[x('x', [2, 4])], { axis: attr.int(1) }, 2],
        Concat: () => [[x('a', [2, 3]), x('b', [2, 3])], { axis: attr.int(0) }],
        Clip: () => [[x('x', [2, 3]), float([0])], {}],
        Pow: () => [[x('a', [2, 3]), x('b', [3])], {}],
        PRelu: () => [[x('a', [2, 3]), x('b', [3])], {}],
      };
      const binary = ['Add', 'Sub', 'Mul', 'Div', 'Sum', 'Max', 'Min', 'Mean', 'Equal', 'Less', 'Greater'];
      const [inputs, attrs, outputs, shape] = specs[op]?.() ?? (binary.includes(op) ? [[x('a', [2, 3]), x('b', [2, 3])], {}] : [[x('x', [2, 3])], {}]);
      const outs = b.add(op, inputs, attrs, outputs ?? 1);
      if (shape) {
        g.outputs = outs.map((name) => ({ name, dtype, shape }));
      } else {
        g.outputs = outs.map((name) => ({ name, dtype, shape: [] }));
        inferShapes(g);
        g.outputs = g.outputs.map((o) => g.values.get(o.name)!);
      }
      const feeds: Record<string, TensorValue> = {};
      for (const v of g.inputs) {
        const n = (v.shape as number[]).reduce((p, d) => p * d, 1);
        const data = Array.from({ length: n }, (_, i) => Math.sin(i) + 0.1);
        feeds[v.name] = { dtype, shape: v.shape as number[], data: dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data) };
      }
      try {
        const session = await OnnxSession.create(g, { threads: 1 });
        await session.run(feeds);
        await session.release();
        return true;
      } catch (e) {
        if (e instanceof GlassboxError && /Could not find an implementation/.test(e.message)) return false;
        throw e;
      }
    };
    for (const op of FLOAT64_OPS) assert.equal(await probe(op, 'float64'), true, `${op} in float64`);
    for (const op of FLOAT32_ONLY_OPS) {
      assert.equal(await probe(op, 'float64'), false, `${op} has no float64 kernel`);
      assert.equal(await probe(op, 'float32'), true, `${op} in float32`);
    }
  });
});
