import { expect } from 'chai';
import fc from 'fast-check';
import { wordWindows } from '@fets/pipeline';

/** Sub-tokens of words [a, b). */
const tokens = (c: readonly number[], a: number, b: number) => c.slice(a, b).reduce((s, x) => s + x, 0);

describe('pipeline/text: wordWindows', () => {
  it('a sentence that fits is one window owning every word', () => {
    expect(wordWindows([1, 2, 3], 6, 2)).to.deep.equal([{ start: 0, end: 3, ownStart: 0, ownEnd: 3 }]);
    expect(wordWindows([], 6, 2)).to.deep.equal([{ start: 0, end: 0, ownStart: 0, ownEnd: 0 }]);
  });

  it('cuts on word boundaries, overlaps by at most the stride and gives each word to its best-context window', () => {
    // 10 words of one sub-token, room 4, stride 2: [0,4) [2,6) [4,8) [6,10).
    const w = wordWindows(new Array(10).fill(1), 4, 2);
    expect(w.map((x) => [x.start, x.end])).to.deep.equal([
      [0, 4],
      [2, 6],
      [4, 8],
      [6, 10],
    ]);
    // Word 2 has context min(2, 1) = 1 in window 0 and min(0, 3) = 0 in window 1: window 0 scores it.
    expect(w.map((x) => [x.ownStart, x.ownEnd])).to.deep.equal([
      [0, 3],
      [3, 5],
      [5, 7],
      [7, 10],
    ]);
  });

  it('a word longer than the room gets a window of its own; words without sub-tokens stay with their neighbours', () => {
    // Word 1 (9 sub-tokens) is alone with the sub-token-less word 2; word 2 then opens the last window.
    expect(wordWindows([1, 9, 0, 1, 1], 4, 1)).to.deep.equal([
      { start: 0, end: 1, ownStart: 0, ownEnd: 1 },
      { start: 1, end: 3, ownStart: 1, ownEnd: 3 },
      { start: 2, end: 5, ownStart: 3, ownEnd: 5 },
    ]);
  });

  it('property: every word is owned by exactly one window, windows advance, fit the room and share at most the stride', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        (counts, room, stride) => {
          const ws = wordWindows(counts, room, stride);
          const owned = new Array(counts.length).fill(0);
          let prevStart = -1;
          let prevEnd = -1;
          let prevOwnEnd = 0;
          for (const w of ws) {
            expect(w.start).to.be.above(prevStart);
            if (prevEnd >= 0) expect(w.end).to.be.above(prevEnd);
            expect(w.start <= w.ownStart && w.ownStart <= w.ownEnd && w.ownEnd <= w.end).to.equal(true);
            // Owned runs are contiguous and in order.
            if (w.ownEnd > w.ownStart) {
              expect(w.ownStart).to.equal(prevOwnEnd);
              prevOwnEnd = w.ownEnd;
            }
            const t = tokens(counts, w.start, w.end);
            const single = counts.slice(w.start, w.end).filter((c) => c > 0).length <= 1;
            expect(t <= room || single, `window [${w.start}, ${w.end}) holds ${t} > ${room}`).to.equal(true);
            if (prevEnd > w.start) expect(tokens(counts, w.start, prevEnd)).to.be.at.most(stride);
            for (let i = w.ownStart; i < w.ownEnd; i++) owned[i]++;
            prevStart = w.start;
            prevEnd = w.end;
          }
          expect(owned.every((n) => n === 1)).to.equal(true);
          if (ws.length > 0) expect(ws.at(-1)!.end).to.equal(counts.length);
          if (tokens(counts, 0, counts.length) <= room) expect(ws).to.have.length(1);
        },
      ),
      { numRuns: 500 },
    );
  });
});
