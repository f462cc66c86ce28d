// Sorting every name of a huge table without holding the event loop: sorted runs of a bounded size,
// then pairwise merges, with a PAUSE between slices of work so the HTTP stream can yield. /v1/axfr
// needs this because Go prints map keys sorted while the table iterates in generation order. Pure.
import { PAUSE, type Pause } from './json.js';

/** Names per sorted run, and roughly the merge steps per slice. */
export const SORT_SLICE = 8192;

/**
 * Go orders map keys by their UTF-8 bytes; UTF-16 code-unit order is the same except between astral
 * characters and U+E000..U+FFFF, which DNS names built from Mesos labels do not mix.
 */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Yields PAUSE between slices of work; returns the names sorted. */
export function* sortNamesInSlices(names: Iterable<string>, slice = SORT_SLICE): Generator<Pause, string[], undefined> {
  let runs: string[][] = [];
  let run: string[] = [];
  for (const name of names) {
    run.push(name);
    if (run.length >= slice) {
      run.sort(compareNames);
      runs.push(run);
      run = [];
      yield PAUSE;
    }
  }
  if (run.length > 0) runs.push(run.sort(compareNames));

  let budget = 0;
  while (runs.length > 1) {
    const next: string[][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const a = runs[r] as string[];
      const b = runs[r + 1];
      if (!b) {
        next.push(a);
        continue;
      }
      const merged: string[] = new Array<string>(a.length + b.length);
      let i = 0;
      let j = 0;
      let k = 0;
      while (i < a.length && j < b.length) {
        const x = a[i] as string;
        const y = b[j] as string;
        if (compareNames(x, y) <= 0) {
          merged[k++] = x;
          i++;
        } else {
          merged[k++] = y;
          j++;
        }
        if (++budget >= slice * 4) {
          budget = 0;
          yield PAUSE;
        }
      }
      while (i < a.length) merged[k++] = a[i++] as string;
      while (j < b.length) merged[k++] = b[j++] as string;
      next.push(merged);
    }
    runs = next;
  }
  return runs[0] ?? [];
}
