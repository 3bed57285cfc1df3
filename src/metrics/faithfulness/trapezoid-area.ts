/** Area under the polyline through (x[i], y[i]) by the trapezoid rule (x increasing), as numpy's trapz. */
export function trapezoidArea(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new RangeError(`trapezoid: ${x.length} x values and ${y.length} y values`);
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}
