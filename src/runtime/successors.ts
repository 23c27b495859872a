/**
 * Successors: how a finished copy hands its slot on without a full listing.
 *
 * Copy throughput is bounded by the copies in flight, so a slot that frees up
 * must be used at once, and by the stalest database waiting. Only a sweep,
 * which lists the whole account, knows who waits. So each sweep writes the
 * queue of waiting databases, stalest first, into a tag on the copies in
 * flight, dealt out in turn (each copy gets its own successors, no database
 * is on two copies). When a copy finishes, RDS-EVENT-0197 wakes a pass about
 * that one copy; it starts the copy of the first successor that still needs
 * one, hands it the rest of the list, and clears the finished copy's list, so
 * that a repeated event starts nothing more. A lost event leaves the slot to
 * the next sweep. Pure. In the shipper the names are database identifiers;
 * in the vault they are shipped snapshots (`shippedRef`).
 */
import { TagKeys } from './tags';

/** A pass over a finished copy's successors tries at most this many of them, in turn, to find one that needs a copy. */
export const MAX_SUCCESSOR_TRIES = 3;

/** RDS tag values hold at most 256 characters. */
export const MAX_SUCCESSORS_CHARS = 256;

/** Reads a successor list from its tag value. */
export function decodeSuccessors(value: string | undefined): string[] {
  return (value ?? '').split(' ').filter((s) => s !== '');
}

/** Writes a successor list as a tag value, keeping as many as fit. */
export function encodeSuccessors(names: readonly string[]): string {
  let out = '';
  for (const name of names) {
    const next = out === '' ? name : `${out} ${name}`;
    if (next.length > MAX_SUCCESSORS_CHARS) break;
    out = next;
  }
  return out;
}

/**
 * Deals the waiting databases (stalest first) out to the carriers in turn:
 * carrier i gets waiting[i], waiting[i + n], ... as far as its tag holds.
 */
export function dealSuccessors(waiting: readonly string[], carriers: readonly string[]): Map<string, string> {
  const lists = new Map<string, string[]>(carriers.map((c) => [c, []]));
  waiting.forEach((name, i) => lists.get(carriers[i % carriers.length])?.push(name));
  return new Map([...lists].map(([carrier, names]) => [carrier, encodeSuccessors(names)]));
}

/** A copy in flight that can carry a successor list. */
interface Carrier {
  readonly identifier: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What a sweep writes: the lists of the copies it starts, and the changed lists of copies already in flight. */
export interface HandOn {
  /** Per copy started in this pass, its list (empty when nobody waits). */
  readonly started: ReadonlyMap<string, string>;
  /** Copies in flight whose list changes, with the new list. */
  readonly changed: ReadonlyArray<{ readonly copy: Carrier; readonly successors: string }>;
}

/**
 * Deals `waiting` (stalest first) out to the copies in flight (sorted by
 * name, so that every pass deals alike) and to the copies this pass starts.
 * A copy in flight whose list is already right is not written again.
 */
export function planHandOn<C extends Carrier>(inFlight: readonly C[], started: readonly string[], waiting: readonly string[]): HandOn {
  const sorted = [...inFlight].sort((a, b) => a.identifier.localeCompare(b.identifier));
  const carriers = [...sorted.map((c) => c.identifier), ...started];
  if (carriers.length === 0) return { started: new Map(), changed: [] };
  const dealt = dealSuccessors(waiting, carriers);
  return {
    started: new Map(started.map((t) => [t, dealt.get(t)!])),
    changed: sorted.filter((c) => (c.tags[TagKeys.SUCCESSORS] ?? '') !== dealt.get(c.identifier)).map((copy) => ({ copy, successors: dealt.get(copy.identifier)! })),
  };
}

/** A shipped snapshot in a vault successor list: `<account>:<region>:<identifier>`. */
export function shippedRef(s: { readonly account: string; readonly region: string; readonly identifier: string }): string {
  return `${s.account}:${s.region}:${s.identifier}`;
}

/** Reads a `shippedRef`, or undefined if it is not one. */
export function parseShippedRef(ref: string): { readonly account: string; readonly region: string; readonly identifier: string } | undefined {
  const m = /^(\d{12}):([a-z0-9-]+):([a-zA-Z][a-zA-Z0-9-]*)$/.exec(ref);
  return m ? { account: m[1], region: m[2], identifier: m[3] } : undefined;
}
