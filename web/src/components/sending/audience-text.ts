import type { Segment } from '../../types';
import type { Campaign } from './types';

type Snapshot = { segments?: Record<string, { name: string }> };

/** "In VIPs or Engaged, not in Bought": names as frozen at launch, else as they are now. */
function segmentText(c: Campaign, segments: Segment[]): string | null {
  const include = c.audience.include_segment_ids ?? [];
  const exclude = c.audience.exclude_segment_ids ?? [];
  if (include.length + exclude.length === 0) return null;
  const frozen = (c.audience as { snapshot?: Snapshot }).snapshot?.segments ?? {};
  const name = (id: string) =>
    `“${frozen[id]?.name ?? segments.find((s) => s.id === id)?.name ?? 'a deleted segment'}”`;
  const parts = [
    include.length ? `Contacts in ${include.map(name).join(' or ')}` : 'All contacts',
    exclude.length ? `not in ${exclude.map(name).join(' or ')}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

export function audienceText(c: Campaign, segments: Segment[] = []): string {
  const bySegment = segmentText(c, segments);
  if (bySegment) return bySegment;
  if (c.audience.import_batch_id) return 'Contacts of one import';
  if (c.audience.custom_field)
    return `Contacts whose “${c.audience.custom_field.key}” is “${c.audience.custom_field.value}”`;
  return 'All eligible contacts';
}
