import type { Model } from '../models/model.js';
import type { Attribution, AttributeOptions } from './base.js';
import { EdgeDetector } from './control/edge-detector.js';
import { DeepLift } from './gradient/deeplift.js';
import { GradCam } from './gradient/grad-cam.js';
import { GradientShap } from './gradient/gradient-shap.js';
import { GuidedBackprop } from './gradient/guided-backprop.js';
import { GuidedGradCam } from './gradient/guided-grad-cam.js';
import { InputXGradient } from './gradient/input-x-gradient.js';
import { IntegratedGradients } from './gradient/integrated-gradients.js';
import { SmoothGrad } from './gradient/noise-tunnel.js';
import { Saliency } from './gradient/saliency.js';
import { FeatureAblation } from './perturbation/feature-ablation.js';
import { KernelShapImage } from './perturbation/kernel-shap.js';
import { Lime } from './perturbation/lime.js';
import { Occlusion } from './perturbation/occlusion.js';
import { ShapleyValues } from './perturbation/shapley-values.js';

export interface MethodEntry {
  name: string;
  summary: string;
  /** `control`: ignores the model (a sanity-check baseline for evaluating the others). */
  family: 'gradient' | 'perturbation' | 'control';
  /** Needs a named layer (--layer). */
  needsLayer: boolean;
  /** Needs a modified backward rule, so a layered model. */
  needsRule: boolean;
  /** Left out of `explain`'s default set: its cost grows exponentially with the number of features. */
  onRequestOnly?: boolean;
  create(model: Model): Attribution<AttributeOptions & Record<string, unknown>>;
}

type AnyAttribution = Attribution<AttributeOptions & Record<string, unknown>>;
const entry = (e: Omit<MethodEntry, 'create'>, create: (m: Model) => unknown): MethodEntry =>
  ({ ...e, create: create as (m: Model) => AnyAttribution });

/** Every attribution method, by its CLI name. A new method is one file and one line here. */
export const METHODS: readonly MethodEntry[] = [
  entry({ name: 'saliency', family: 'gradient', needsLayer: false, needsRule: false,
    summary: 'gradient of the target output w.r.t. each input value (absolute by default)' }, (m) => new Saliency(m)),
  entry({ name: 'input-x-gradient', family: 'gradient', needsLayer: false, needsRule: false,
    summary: 'input times gradient: first-order contribution of each value' }, (m) => new InputXGradient(m)),
  entry({ name: 'integrated-gradients', family: 'gradient', needsLayer: false, needsRule: false,
    summary: 'path-integrated gradients from a baseline; sums to f(x) - f(baseline)' }, (m) => new IntegratedGradients(m)),
  entry({ name: 'smoothgrad', family: 'gradient', needsLayer: false, needsRule: false,
    summary: 'gradients averaged over noisy copies of the input (NoiseTunnel, smoothgrad)' }, (m) => new SmoothGrad(m)),
  entry({ name: 'gradient-shap', family: 'gradient', needsLayer: false, needsRule: false,
    summary: 'expected gradients over random baselines and noise: approximates SHAP values' }, (m) => new GradientShap(m)),
  entry({ name: 'deeplift', family: 'gradient', needsLayer: false, needsRule: true,
    summary: 'DeepLIFT rescale rule: contributions relative to a baseline; sums to f(x) - f(baseline)' }, (m) => new DeepLift(m)),
  entry({ name: 'guided-backprop', family: 'gradient', needsLayer: false, needsRule: true,
    summary: 'gradients where ReLUs pass only positive signals back: sharp, class-insensitive edges' }, (m) => new GuidedBackprop(m)),
  entry({ name: 'grad-cam', family: 'gradient', needsLayer: true, needsRule: false,
    summary: 'class activation map of a layer weighted by its averaged gradients (coarse, class-specific)' }, (m) => new GradCam(m)),
  entry({ name: 'guided-grad-cam', family: 'gradient', needsLayer: true, needsRule: true,
    summary: 'guided backprop times the upsampled Grad-CAM map: sharp and class-specific' }, (m) => new GuidedGradCam(m)),
  entry({ name: 'occlusion', family: 'perturbation', needsLayer: false, needsRule: false,
    summary: 'output change when a sliding window is replaced by a baseline' }, (m) => new Occlusion(m)),
  entry({ name: 'feature-ablation', family: 'perturbation', needsLayer: false, needsRule: false,
    summary: 'output change when each feature (element, block or group) is replaced by a baseline' }, (m) => new FeatureAblation(m)),
  entry({ name: 'shapley-values', family: 'perturbation', needsLayer: false, needsRule: false, onRequestOnly: true,
    summary: 'exact Shapley values over up to 20 features (use blocks or groups); sum to f(x) - f(baseline)' }, (m) => new ShapleyValues(m)),
  entry({ name: 'lime', family: 'perturbation', needsLayer: false, needsRule: false,
    summary: 'lime_image: a weighted ridge surrogate over superpixels (SLIC or a feature mask) switched on and off' }, (m) => new Lime(m)),
  entry({ name: 'kernel-shap', family: 'perturbation', needsLayer: false, needsRule: false,
    summary: 'KernelSHAP over superpixels (SLIC or a feature mask), absent ones at the baseline; sum to f(x) - f(baseline)' }, (m) => new KernelShapImage(m)),
  entry({ name: 'edge-detector', family: 'control', needsLayer: false, needsRule: false, onRequestOnly: true,
    summary: 'control that ignores the model: Sobel edge magnitude of the input (the sanity-check baseline of Adebayo et al.)' }, (m) => new EdgeDetector(m)),
];

export const METHOD_NAMES = METHODS.map((m) => m.name);

export function findMethod(name: string): MethodEntry | undefined {
  return METHODS.find((m) => m.name === name);
}
