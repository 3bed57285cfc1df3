/**
 * A progress bar on stderr for long work. Drawn only on a terminal, so logs and pipes stay clean;
 * redrawn at most every 100 ms.
 */
export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  private readonly start = Date.now();

  constructor(private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** `stage` names the part of the work under way (e.g. the method), shown after the label. */
  update(done: number, total: number, stage?: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 28;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.start) / 1000;
    const eta = fraction > 0 && fraction < 1 ? ` eta ${((elapsed / fraction) * (1 - fraction)).toFixed(1)}s` : '';
    const label = stage ? `${this.label} ${stage}` : this.label;
    this.stream.write(`\r${label.padEnd(22)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(fraction * 100)
      .toString().padStart(3)}% ${done}/${total}${eta}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
