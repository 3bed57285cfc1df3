/** What the coalition estimators (KernelSHAP, exact and permutation Shapley values) return for one game. */
export interface CoalitionShapleyResult {
  /** One value per player; they add up to fullValue - baseValue (efficiency). */
  values: Float64Array;
  /**
   * Standard error per player for sampled estimates (0 where exact, also for players a selection
   * left out); absent when the estimator cannot tell (one permutation).
   */
  standardErrors?: Float64Array;
  /** v(no player), in the output space of the values (after the link). */
  baseValue: number;
  /** v(all players), likewise. */
  fullValue: number;
  /** Coalitions the game was asked to value. */
  evaluations: number;
  /** True when every coalition the method needs was evaluated (no sampling error). */
  exact: boolean;
  /** Method-specific details (KernelSHAP: selected players, sample counts; notes such as a singular fit). */
  details?: Record<string, number | boolean | string | number[]>;
}
