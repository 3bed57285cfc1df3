/**
 * An orthonormal basis of the columns of a column-major [rows, cols] matrix, in place: modified
 * Gram-Schmidt, run twice ("twice is enough") so the basis stays orthogonal to rounding even when the
 * columns are nearly dependent, as power iterations make them. A column with nothing left becomes zero.
 */
export function orthonormalizeColumns(m: Float64Array, rows: number, cols: number): Float64Array {
  for (let j = 0; j < cols; j++) {
    const cj = j * rows;
    let before = 0;
    for (let r = 0; r < rows; r++) before += m[cj + r] * m[cj + r];
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const cp = p * rows;
        let s = 0;
        for (let r = 0; r < rows; r++) s += m[cp + r] * m[cj + r];
        for (let r = 0; r < rows; r++) m[cj + r] -= s * m[cp + r];
      }
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += m[cj + r] * m[cj + r];
    norm = Math.sqrt(norm);
    const scale = norm > 1e-12 * Math.sqrt(before) && norm > 0 ? 1 / norm : 0;
    for (let r = 0; r < rows; r++) m[cj + r] *= scale;
  }
  return m;
}
