import { UsageError } from '../../errors.js';
import type { CoalitionGame } from './game.js';

/**
 * shap's link functions: the space the attributions add up in. 'logit' turns probabilities into
 * log-odds, so the values of a probability model add up to the change in log-odds.
 */
export type Link = 'identity' | 'logit';

export function applyLink(link: Link, value: number): number {
  if (link === 'identity') return value;
  if (!(value > 0 && value < 1)) {
    throw new UsageError(`the logit link needs probabilities strictly between 0 and 1, got ${value}`,
      "use link 'identity' for margins and regression outputs (or explain the probability output)");
  }
  return Math.log(value / (1 - value));
}

export function checkLink(link: unknown): Link {
  if (link !== 'identity' && link !== 'logit') throw new UsageError(`unknown link '${String(link)}'`, "use 'identity' or 'logit'");
  return link;
}

/** The game whose values are link(v(S)). */
export function linkedGame(game: CoalitionGame, link: Link): CoalitionGame {
  if (link === 'identity') return game;
  return {
    players: game.players,
    playerNames: game.playerNames,
    async value(masks: Uint8Array, n: number): Promise<Float64Array> {
      const v = await game.value(masks, n);
      for (let i = 0; i < n; i++) v[i] = applyLink(link, v[i]);
      return v;
    },
  };
}
