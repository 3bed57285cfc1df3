import { formatSignificant, formatValue } from '../tabular/common.js';
import { finite } from './summary.js';

/**
 * One colour per method, the same in every picture of a report: matplotlib's tab10 (Tableau's
 * categorical palette), which stays distinguishable for the usual handful of methods.
 */
const TAB10 = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function methodColor(methods: readonly string[], method: string): string {
  const i = methods.indexOf(method);
  return TAB10[(i < 0 ? 0 : i) % TAB10.length];
}

/** Dash patterns for methods past the palette's ten colours, so the eleventh differs from the first. */
export function methodDash(methods: readonly string[], method: string): string | undefined {
  const round = Math.floor(Math.max(0, methods.indexOf(method)) / TAB10.length);
  return round === 0 ? undefined : ['6 3', '2 2', '8 3 2 3'][(round - 1) % 3];
}

/** A score: three significant digits, "n/a" when not finite. */
export function formatScore(v: number | null | undefined): string {
  const x = finite(v);
  return x === undefined ? 'n/a' : formatSignificant(x, 3);
}

/**
 * A mean with its confidence interval: "0.412 ± 0.031", the half-width to two significant digits and
 * the mean to the same decimal place; "[lo, hi]" when the interval is not symmetric; the mean alone
 * when there is no interval (one row).
 */
export function formatMeanInterval(mean: number | null | undefined, low: number | null | undefined, high: number | null | undefined): string {
  const m = finite(mean);
  if (m === undefined) return 'n/a';
  const lo = finite(low);
  const hi = finite(high);
  if (lo === undefined || hi === undefined || hi - lo <= 1e-12 * Math.max(1, Math.abs(m))) return formatScore(m);
  const half = (hi - lo) / 2;
  const symmetric = Math.abs(hi - m - (m - lo)) <= 1e-6 * Math.max(half, 1e-300);
  const decimals = 1 - Math.floor(Math.log10(half));
  if (!symmetric) return `${formatScore(m)} [${formatScore(lo)}, ${formatScore(hi)}]`;
  if (decimals > 8 || decimals < -6 || Math.abs(m) >= 1e7) return `${formatSignificant(m, 3)} ± ${formatSignificant(half, 2)}`;
  const d = Math.max(0, decimals);
  return `${fixed(m, d)} ± ${fixed(half, d)}`;
}

/** Fixed decimals, trailing zeros kept (a column of scores lines up), with a real minus sign. */
function fixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  if (/^-0(\.0*)?$/.test(s)) return s.slice(1);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

/** Milliseconds as "850 ms", "12.3 s" or "4.1 min". */
export function formatDuration(ms: number | null | undefined): string {
  const t = finite(ms);
  if (t === undefined) return 'n/a';
  if (t < 1000) return `${Math.round(t)} ms`;
  if (t < 60_000) return `${formatValue(t / 1000, t < 10_000 ? 2 : 1)} s`;
  return `${formatValue(t / 60_000, 1)} min`;
}
