/** A one-line progress bar on stderr (redrawn in place on a terminal, every 10% otherwise). */
export class Progress {
  private last = -1;
  private readonly began = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, note = ''): void {
    const fraction = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const step = this.tty ? Math.floor(fraction * 200) : Math.floor(fraction * 10);
    if (step === this.last && done < this.total) return;
    this.last = step;
    const width = 30;
    const filled = Math.round(fraction * width);
    const seconds = ((Date.now() - this.began) / 1000).toFixed(0);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${seconds}s ${note}`;
    process.stderr.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  finish(note = ''): void {
    this.last = -1;
    this.update(this.total, note);
    if (this.tty) process.stderr.write('\n');
  }
}
