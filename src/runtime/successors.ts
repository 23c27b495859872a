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
 * the next sweep. Pure; the names are database identifiers.
 */

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
