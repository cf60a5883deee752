/**
 * The listing's order, written once. The compound index (post.model.ts), the query's sort, the keyset range
 * filter and the cursor's sort id are all built from this one spec, so they can never drift apart.
 * Newest first; _id breaks ties between posts created in the same millisecond (it is unique).
 */
export const LISTING_SORT = [
  ['createdAt', -1],
  ['_id', -1],
] as const satisfies SortSpec;

export type SortDirection = 1 | -1;
export type SortSpec = readonly (readonly [field: string, direction: SortDirection])[];

/** { createdAt: -1, _id: -1 }: the shape both Schema#index() and Query#sort() take (key order is kept). */
export function sortObject(spec: SortSpec): Record<string, SortDirection> {
  return Object.fromEntries(spec);
}

/** "createdAt:-1,_id:-1": names a sort inside a cursor, so a cursor made for another sort is refused. */
export function sortId(spec: SortSpec): string {
  return spec.map(([field, direction]) => `${field}:${direction}`).join(',');
}

/**
 * The documents strictly after `values` in `spec`'s order (keyset pagination). For (createdAt -1, _id -1):
 *   { $or: [ { createdAt: { $lt: c } }, { createdAt: c, _id: { $lt: id } } ] }
 * `wrap` marks each operator object as trusted (the app runs Mongoose with sanitizeFilter on).
 */
export function afterFilter(
  spec: SortSpec,
  values: readonly unknown[],
  wrap: <T extends object>(operator: T) => T = (o) => o,
): { $or: Record<string, unknown>[] } {
  if (values.length !== spec.length) throw new RangeError('one value per sort key is needed');
  const clauses = spec.map(([field, direction], i) => {
    const clause: Record<string, unknown> = {};
    for (let k = 0; k < i; k++) clause[spec[k]![0]] = values[k];
    clause[field] = wrap(direction === -1 ? { $lt: values[i] } : { $gt: values[i] });
    return clause;
  });
  return { $or: clauses };
}
