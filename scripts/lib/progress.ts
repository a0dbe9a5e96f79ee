// A progress display for long command-line jobs: one line redrawn in place on a terminal, plain
// lines every few seconds otherwise (CI logs, `| tee`), so both stay readable.

/** Returns `update(done, total)` and `finish()`; writes to `stream` (default stderr). */
export function progressBar({ label, stream = process.stderr, everyMs = 5_000 }: { label: string; stream?: NodeJS.WriteStream; everyMs?: number }) {
  const started = Date.now();
  const tty = Boolean(stream.isTTY);
  let lastLine = 0;
  let drawn = false;
  const format = (done: number, total: number) => {
    const seconds = (Date.now() - started) / 1000;
    const share = total > 0 ? done / total : 1;
    const eta = done > 0 && done < total ? ` ETA ${Math.round((seconds / done) * (total - done))} s` : '';
    const rss = Math.round(process.memoryUsage().rss / 1_048_576);
    const width = 30;
    const bar = tty ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ` : '';
    return `${label} ${bar}${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${(share * 100).toFixed(0)} %) ${seconds.toFixed(0)} s${eta}, ${rss} MB`;
  };
  return {
    update(done: number, total: number) {
      if (tty) {
        stream.write(`\r\x1b[2K${format(done, total)}`);
        drawn = true;
      } else if (Date.now() - lastLine >= everyMs || done >= total) {
        stream.write(`${format(done, total)}\n`);
        lastLine = Date.now();
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
