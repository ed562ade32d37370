/** Averages a precision/recall/F1 score like scikit-learn's `average` (plus 'none': one score per label). */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | 'none';

/** Per-label counts: true positives, predicted positives, actual positives. */
export interface LabelCount {
  tp: number;
  pred: number;
  true: number;
}

/**
 * Accumulates per-label counts over batches, enough for precision, recall and F1 with any average.
 *
 * @example
 * const c = new ClassCounts();
 * c.add(Int32Array.of(0, 1, 1), Int32Array.of(0, 1, 0));
 * c.scores('micro').f1; // 2/3
 */
export class ClassCounts {
  readonly counts = new Map<number, LabelCount>();

  private entry(label: number): LabelCount {
    let e = this.counts.get(label);
    if (!e) this.counts.set(label, (e = { tp: 0, pred: 0, true: 0 }));
    return e;
  }

  /** Adds aligned true and predicted ids. */
  add(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
    for (let i = 0; i < yTrue.length; i++) {
      const t = yTrue[i]!;
      const p = yPred[i]!;
      this.entry(t).true++;
      this.entry(p).pred++;
      if (t === p) this.entry(t).tp++;
    }
  }

  /** Labels seen in either the true or predicted ids, ascending (scikit-learn's `unique_labels`). */
  labels(): number[] {
    return [...this.counts.keys()].sort((a, b) => a - b);
  }

  /**
   * Precision, recall and F1 as scikit-learn computes them with `zero_division` (an undefined ratio becomes
   * `zeroDivision`). `labels` restricts the labels averaged over (default: every label seen); `posLabel` is the
   * class scored by `'binary'`. For `'none'` each score is an array, one entry per label.
   */
  scores(
    average: Average,
    options: { labels?: readonly number[] | undefined; posLabel?: number; zeroDivision?: number } = {},
  ): { precision: number | number[]; recall: number | number[]; f1: number | number[]; labels: number[] } {
    const zd = options.zeroDivision ?? 0;
    const labels = average === 'binary' ? [options.posLabel ?? 1] : [...(options.labels ?? this.labels())];
    const get = (l: number) => this.counts.get(l) ?? { tp: 0, pred: 0, true: 0 };
    const ratio = (a: number, b: number) => (b === 0 ? zd : a / b);
    const prf = (c: LabelCount) => ({
      p: ratio(c.tp, c.pred),
      r: ratio(c.tp, c.true),
      // scikit-learn >= 1.3: F = 2tp / (2tp + fp + fn) = 2tp / (pred + true).
      f: ratio(2 * c.tp, c.pred + c.true),
    });
    if (average === 'micro' || average === 'binary') {
      const sum = labels.reduce(
        (s, l) => {
          const c = get(l);
          return { tp: s.tp + c.tp, pred: s.pred + c.pred, true: s.true + c.true };
        },
        { tp: 0, pred: 0, true: 0 },
      );
      const { p, r, f } = prf(sum);
      return { precision: p, recall: r, f1: f, labels };
    }
    const per = labels.map((l) => prf(get(l)));
    if (average === 'none') return { precision: per.map((x) => x.p), recall: per.map((x) => x.r), f1: per.map((x) => x.f), labels };
    const weights = average === 'weighted' ? labels.map((l) => get(l).true) : labels.map(() => 1);
    const wsum = weights.reduce((a, b) => a + b, 0);
    const avg = (k: 'p' | 'r' | 'f') => (wsum === 0 ? zd : per.reduce((s, x, i) => s + x[k] * weights[i]!, 0) / wsum);
    return { precision: avg('p'), recall: avg('r'), f1: avg('f'), labels };
  }
}
