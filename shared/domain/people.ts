/**
 * Who is one person (R5 self-review, R7 flags; contract v1.2): a reviewerId
 * and an employeeId name the same person when they are equal after removing
 * white space at both ends, NFKC normalisation and full case folding
 * (`emp-7`, ` EMP-7 ` and `Ｅｍｐ-7` are one person; inner spaces count).
 *
 * Full case folding is approximated by upper- then lower-casing, which
 * applies the full (one-to-many) mappings, e.g. `ß` → `SS` → `ss`, `ﬁ` →
 * `FI` → `fi`. It also joins a few letters that folding keeps apart (the
 * dotless `ı` folds to `i` here): a false match only costs a second
 * reviewer, a missed one pays a bribe. NFKC runs again after folding because
 * folding can produce text that is not normalised.
 */
export function personKey(id: string): string {
  return id.trim().normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC').trim();
}

export function samePerson(a: string, b: string): boolean {
  return personKey(a) === personKey(b);
}
