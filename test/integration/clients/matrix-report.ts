/**
 * Collects pass/fail per command per client while the matrix runs, and writes the table to
 * results/tests/client-matrix.md for the README and the closing note.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Outcome = 'pass' | 'fail' | 'skipped';

export interface Row {
  command: string;
  outcomes: Partial<Record<string, { outcome: Outcome; detail?: string }>>;
}

export class MatrixReport {
  private readonly rows = new Map<string, Row>();

  constructor(readonly clients: readonly string[]) {}

  record(client: string, command: string, outcome: Outcome, detail?: string): void {
    let row = this.rows.get(command);
    if (!row) {
      row = { command, outcomes: {} };
      this.rows.set(command, row);
    }
    row.outcomes[client] = { outcome, detail };
  }

  /** Runs one matrix step, records its outcome and rethrows a failure so the test fails too. */
  async step(client: string, command: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
      this.record(client, command, 'pass');
    } catch (err) {
      this.record(client, command, 'fail', (err as Error).message.split('\n')[0]);
      throw err;
    }
  }

  markdown(header: string): string {
    const lines = [
      header,
      '',
      `| command | ${this.clients.join(' | ')} |`,
      `|---|${this.clients.map(() => '---').join('|')}|`,
    ];
    const notes: string[] = [];
    for (const row of this.rows.values()) {
      const cells = this.clients.map((client) => {
        const cell = row.outcomes[client];
        if (!cell) return 'n/a';
        if (cell.detail) notes.push(`- ${client} \`${row.command}\` (${cell.outcome}): ${cell.detail}`);
        return cell.outcome === 'pass' ? 'pass' : cell.outcome === 'fail' ? '**FAIL**' : 'skipped';
      });
      lines.push(`| \`${row.command}\` | ${cells.join(' | ')} |`);
    }
    if (notes.length > 0) lines.push('', 'Notes:', ...notes);
    return `${lines.join('\n')}\n`;
  }

  write(path: string, header: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, this.markdown(header));
  }
}
