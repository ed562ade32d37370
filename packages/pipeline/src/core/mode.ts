import { ConfigError } from './errors.js';

/** The four execution modes of FastEstimator. */
export const MODES = ['train', 'eval', 'test', 'infer'] as const;
/** One execution mode. */
export type Mode = (typeof MODES)[number];
/** A mode selector as users write it: a mode, `!mode` (all but it), or a list of either kind (not mixed). */
export type ModeSpec = Mode | `!${Mode}` | readonly (Mode | `!${Mode}`)[] | null | undefined;
/** A data-set id selector: an id, `!id` (all but it), or a list of either kind (not mixed). */
export type DsIdSpec = string | readonly string[] | null | undefined;

/** Characters a data-set id may not contain (FastEstimator's rule). */
const FORBIDDEN_DS_ID_CHARS = [':', ';', '|'];

/**
 * Parses a mode selector into the set of modes it selects; `null` means "every mode".
 * Follows FastEstimator's `parse_modes`: `!x` entries negate and cannot be mixed with plain entries.
 *
 * @example
 * parseModes('!infer'); // Set {'train', 'eval', 'test'}
 * parseModes(['train', 'eval']); // Set {'train', 'eval'}
 */
export function parseModes(spec: ModeSpec, owner = 'op'): ReadonlySet<Mode> | null {
  if (spec === null || spec === undefined) return null;
  const list = typeof spec === 'string' ? [spec] : [...spec];
  if (list.length === 0) return null;
  const negated = list.map((m) => m.startsWith('!'));
  if (negated.some((n) => n) && !negated.every((n) => n)) {
    throw new ConfigError(owner, [], `${owner}: mode cannot mix "!mode" and "mode" entries, received ${JSON.stringify(list)}`);
  }
  const bare = list.map((m) => (m.startsWith('!') ? m.slice(1) : m));
  for (const m of bare) {
    if (!(MODES as readonly string[]).includes(m)) {
      throw new ConfigError(
        owner,
        [],
        `${owner}: unknown mode "${m}", expected one of ${MODES.map((x) => `"${x}"`).join(', ')} (optionally prefixed with "!")`,
      );
    }
  }
  if (negated[0]) return new Set(MODES.filter((m) => !bare.includes(m)));
  return new Set(bare as Mode[]);
}

/** Parsed data-set id selector: a whitelist, a blacklist, or `null` (every data set). */
export type DsIdSelector = { readonly kind: 'allow' | 'deny'; readonly ids: ReadonlySet<string> } | null;

/**
 * Parses a data-set id selector (FastEstimator's `ds_id` rule): plain ids whitelist, `!id` ids blacklist,
 * the two kinds cannot be mixed, and ids cannot contain `:`, `;` or `|`.
 *
 * @example
 * parseDsIds('!noisy'); // { kind: 'deny', ids: Set {'noisy'} }
 */
export function parseDsIds(spec: DsIdSpec, owner = 'op'): DsIdSelector {
  if (spec === null || spec === undefined) return null;
  const list = typeof spec === 'string' ? [spec] : [...spec];
  if (list.length === 0) return null;
  const negated = list.map((d) => d.startsWith('!'));
  if (negated.some((n) => n) && !negated.every((n) => n)) {
    throw new ConfigError(owner, [], `${owner}: dsId cannot mix "!id" and "id" entries, received ${JSON.stringify(list)}`);
  }
  const ids = list.map((d) => (d.startsWith('!') ? d.slice(1) : d));
  for (const id of ids) {
    checkDsId(id, owner);
  }
  return { kind: negated[0] ? 'deny' : 'allow', ids: new Set(ids) };
}

/** Throws unless `id` is a valid data-set id (non-empty, no `:`, `;`, `|`, not starting with `!`). */
export function checkDsId(id: string, owner = 'Pipeline'): void {
  if (id.length === 0) throw new ConfigError(owner, [], `${owner}: a data-set id cannot be empty`);
  if (id.startsWith('!')) throw new ConfigError(owner, [], `${owner}: a data-set id cannot start with "!", received "${id}"`);
  const bad = FORBIDDEN_DS_ID_CHARS.find((c) => id.includes(c));
  if (bad) throw new ConfigError(owner, [], `${owner}: a data-set id cannot contain "${bad}", received "${id}"`);
}

/** Anything the shared rule can select: ops, traces, schedulers' values. */
export interface Selectable {
  readonly modes?: ReadonlySet<Mode> | null;
  readonly dsIds?: DsIdSelector;
}

/** True when an item with these `modes` runs in `mode` (`mode` undefined: any mode matches). */
export function modeMatches(modes: ReadonlySet<Mode> | null | undefined, mode: Mode | undefined): boolean {
  return mode === undefined || !modes || modes.has(mode);
}

/** True when an item with this selector runs for data set `dsId` (`dsId` undefined or '': any matches). */
export function dsIdMatches(sel: DsIdSelector | undefined, dsId: string | undefined): boolean {
  if (!dsId || !sel) return true;
  return sel.kind === 'allow' ? sel.ids.has(dsId) : !sel.ids.has(dsId);
}
