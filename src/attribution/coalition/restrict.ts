import type { CoalitionGame } from './game.js';

/**
 * The game over a subset of the players, the others always absent. Used to skip players that
 * cannot change the value (a feature equal to every background row): their Shapley value is 0 and
 * leaving them out makes the estimators cheaper and their regressions better conditioned.
 */
export function restrictGame(game: CoalitionGame, keep: readonly number[]): CoalitionGame {
  if (keep.length === game.players) return game;
  const m = game.players;
  const k = keep.length;
  return {
    players: k,
    playerNames: keep.map((i) => game.playerNames[i]),
    async value(masks: Uint8Array, n: number): Promise<Float64Array> {
      const full = new Uint8Array(n * m);
      for (let c = 0; c < n; c++) for (let i = 0; i < k; i++) full[c * m + keep[i]] = masks[c * k + i];
      return game.value(full, n);
    },
  };
}
