import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { formatShape } from '../tensor.js';
import type { BackwardRule, GradientRequest, Gradients, LayerActivations, LayerInfo, Model, ModelDescription, ModelInfo } from './model.js';
import { selectOutputs } from './select.js';

export interface TfjsGraphModelOptions extends ModelDescription {
  /** Input shape without batch, when the graph leaves it unknown. */
  inputShape?: number[];
}

interface GraphNode {
  name: string;
  op: string;
}

/** Ops whose outputs are not useful "layers" to offer for Grad-CAM. */
const HIDDEN_OPS = new Set(['Const', 'Placeholder', 'Identity', 'NoOp']);

/**
 * A TF.js GraphModel (from tensorflowjs_converter) behind the Model interface. Layers are graph nodes:
 * their activations come from executing the graph up to the node, and their gradients from feeding the
 * node's value back in and differentiating the rest of the graph.
 */
export class TfjsGraphModel implements Model {
  readonly info: ModelInfo;
  private readonly inputName: string;
  private readonly outputName: string;
  private readonly nodes: Map<string, GraphNode>;

  constructor(readonly net: tf.GraphModel, options: TfjsGraphModelOptions = {}) {
    if (net.inputs.length !== 1 || net.outputs.length !== 1) {
      throw new UsageError(`graph model has ${net.inputs.length} inputs and ${net.outputs.length} outputs`,
        'Glassbox explains models with one input and one output');
    }
    const input = net.inputs[0];
    this.inputName = input.name;
    this.outputName = net.outputs[0].name;
    const declared = (input.shape ?? []).slice(1);
    const inputShape = options.inputShape ?? declared;
    if (inputShape.length === 0 || inputShape.some((d) => d === null || d < 0)) {
      throw new UsageError(`graph model input ${this.inputName} has shape ${formatShape(input.shape ?? [])}`,
        'give the input shape (inputShape option, --input-shape) since the graph does not fix it');
    }
    const topology = (net as unknown as { artifacts?: { modelTopology?: { node?: GraphNode[] } } }).artifacts?.modelTopology;
    const nodeList = topology?.node ?? [];
    this.nodes = new Map(nodeList.map((n) => [n.name, n]));
    const probe = tf.tidy(() => net.execute(tf.zeros([1, ...inputShape])) as tf.Tensor);
    const numOutputs = probe.shape[1];
    probe.dispose();
    if (probe.rank !== 2 || numOutputs === undefined) {
      throw new UsageError(`graph model output ${this.outputName} has rank ${probe.rank}`, 'the output must be [batch, outputs]');
    }
    const layers: LayerInfo[] = nodeList
      .filter((n) => !HIDDEN_OPS.has(n.op))
      .map((n) => ({ name: n.name, className: n.op, outputShape: [] }));
    this.info = {
      name: options.name ?? 'graph-model',
      engine: 'tfjs-graph',
      inputShape,
      numOutputs,
      outputKind: options.outputKind ?? 'logits',
      classNames: options.classNames,
      layers,
      preprocessing: options.preprocessing,
      description: options.description,
    };
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    return this.forwardSync(inputs);
  }

  private forwardSync(inputs: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.net.execute({ [this.inputName]: inputs }, this.outputName) as tf.Tensor2D);
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return kind === 'standard';
  }

  async activations(inputs: tf.Tensor, layer: string, options: { output?: boolean } = {}): Promise<LayerActivations> {
    this.checkNode(layer);
    if (!options.output) return { activations: tf.tidy(() => this.net.execute({ [this.inputName]: inputs }, layer) as tf.Tensor) };
    const [activations, output] = this.net.execute({ [this.inputName]: inputs }, [layer, this.outputName]) as tf.Tensor[];
    return { activations, output: output as tf.Tensor2D };
  }

  private checkNode(layer: string): void {
    if (!this.nodes.has(layer)) {
      throw new UsageError(`graph model ${this.info.name} has no node named "${layer}"`,
        `choose one of: ${this.info.layers.map((l) => l.name).slice(0, 30).join(', ')}`);
    }
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    if (request.rule && request.rule.kind !== 'standard') {
      throw new UsageError(`${request.rule.kind} is not available for graph models`,
        'convert the model as a LayersModel, or use saliency, integrated-gradients or a perturbation method');
    }
    const layer = request.layer;
    if (layer !== undefined) this.checkNode(layer);
    return tf.tidy(() => {
      let selected: tf.Tensor1D | undefined;
      const explain = (out: tf.Tensor) => {
        selected = tf.keep(selectOutputs(out, request.target));
        return tf.sum(selected) as tf.Scalar;
      };
      const inputGradients = tf.grad((x: tf.Tensor) => explain(this.forwardSync(x)))(inputs);
      const result: Gradients = { selected: selected!, inputGradients };
      if (layer !== undefined) {
        // Feeding the node's value in cuts the graph there: what follows is a function of the layer alone.
        const activations = this.net.execute({ [this.inputName]: inputs }, layer) as tf.Tensor;
        result.selected.dispose();
        result.layerGradients = tf.grad((a: tf.Tensor) =>
          explain(this.net.execute({ [layer]: a }, this.outputName) as tf.Tensor))(activations);
        result.selected = selected!;
        result.layerActivations = activations;
      }
      return result as unknown as tf.TensorContainer;
    }) as unknown as Gradients;
  }

  dispose(): void {
    this.net.dispose();
  }
}
