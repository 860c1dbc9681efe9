// `npm run ops -- prices set --country C --per-part-cents N --from ISO [--until ISO]`: the platform
// price list (`costs` rows with tenant_id NULL, in the control database). A new price closes the
// open-ended row it follows at --from; prices are effective from <= t < until (workers/db/costs.ts).
import { checkCents, checkCountry, checkInstant, required, UsageError, uuidv7 } from './ops-args.mjs';
import { bindSql, insertStatements } from './ops-db.mjs';
import { CONTROL } from './ops-tenants.mjs';

const PROVIDERS = ['twilio'];

export async function pricesSet(ctx, flags) {
  const country = checkCountry(required(flags, 'country', 'ISO code, e.g. AU'));
  const cents = checkCents(required(flags, 'per-part-cents', 'whole cents per SMS part'), 'per-part-cents');
  const from = checkInstant(required(flags, 'from', 'when the price starts, e.g. 2027-01-01'), 'from');
  const until = flags.until !== undefined ? checkInstant(flags.until, 'until') : null;
  const provider = (flags.provider ?? 'twilio').trim().toLowerCase();
  if (!PROVIDERS.includes(provider))
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}.`);
  if (until && until <= from) throw new UsageError(`--until (${until}) must be after --from (${from}).`);

  const rows = await ctx.target.rows(
    CONTROL,
    bindSql(
      `SELECT id, per_part_cents, effective_from, effective_until FROM costs
        WHERE tenant_id IS NULL AND provider = ? AND country = ? ORDER BY effective_from`,
      [provider, country],
    ),
  );
  const same = rows.find((r) => r.effective_from === from);
  const others = rows.filter((r) => r !== same);
  // A later price already exists: an open-ended row from here would overlap it.
  const later = others.find((r) => r.effective_from > from);
  if (later && (!until || until > later.effective_from)) {
    throw new UsageError(
      `A platform price for ${country} already starts at ${later.effective_from}, after --from: add --until ${later.effective_from} (or earlier) so the two do not overlap.`,
    );
  }
  // An earlier price that ends after --from (other than the open one we close) would overlap too.
  const overlapping = others.find(
    (r) => r.effective_from < from && r.effective_until !== null && r.effective_until > from,
  );
  if (overlapping) {
    throw new UsageError(
      `The ${country} price from ${overlapping.effective_from} runs until ${overlapping.effective_until}, after --from ${from}.`,
    );
  }
  const stmts = [
    // The open-ended price before this one ends where this one starts.
    bindSql(
      `UPDATE costs SET effective_until = ? WHERE tenant_id IS NULL AND provider = ? AND country = ?
          AND effective_until IS NULL AND effective_from < ?`,
      [from, provider, country, from],
    ),
  ];
  const id = same?.id ?? uuidv7();
  if (same) {
    stmts.push(
      bindSql('UPDATE costs SET per_part_cents = ?, effective_until = ? WHERE id = ?', [
        cents,
        until,
        same.id,
      ]),
    );
  } else {
    stmts.push(
      ...insertStatements('costs', [
        {
          id,
          tenant_id: null,
          provider,
          country,
          per_part_cents: cents,
          effective_from: from,
          effective_until: until,
        },
      ]),
    );
  }
  // One call: the close and the new row commit together.
  await ctx.target.run(CONTROL, stmts);
  const closed = others.filter((r) => r.effective_until === null && r.effective_from < from);
  ctx.out(
    JSON.stringify({
      id,
      country,
      provider,
      per_part_cents: cents,
      effective_from: from,
      effective_until: until,
      closed: closed.map((r) => ({ id: r.id, effective_from: r.effective_from, effective_until: from })),
      updated: Boolean(same),
    }),
  );
  return 0;
}
