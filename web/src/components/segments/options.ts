// What the segment builder offers in its menus: the tenant's tags, segments, imports and custom fields.
import { useEffect, useState } from 'preact/hooks';
import { api, type Page } from '../../api';
import { formatDate } from '../../format';
import type { ImportBatch, Segment, TagCount } from '../../types';
import type { BuilderOptions } from './SegmentBuilder';

const EMPTY: BuilderOptions = { tags: [], segments: [], imports: [], customKeys: [] };

/** Loads the menus once; `exceptSegment` (the one being edited) is left out of "another segment". */
export function useBuilderOptions(exceptSegment?: string): BuilderOptions {
  const [options, setOptions] = useState<BuilderOptions>(EMPTY);
  useEffect(() => {
    const none =
      <T>(fallback: T) =>
      () =>
        fallback;
    Promise.all([
      api<{ data: TagCount[] }>('/api/v1/contacts/tags').catch(none({ data: [] as TagCount[] })),
      api<Page<Segment>>('/api/v1/segments', { query: { limit: 500 } }).catch(
        none({ data: [] as Segment[], next_cursor: null }),
      ),
      api<Page<ImportBatch>>('/api/v1/imports', { query: { limit: 100 } }).catch(
        none({ data: [] as ImportBatch[], next_cursor: null }),
      ),
      api<{ data: string[] }>('/api/v1/contacts/custom-fields').catch(none({ data: [] as string[] })),
    ]).then(([tags, segments, imports, keys]) =>
      setOptions({
        tags: tags.data.map((t) => t.tag),
        segments: segments.data
          .filter((s) => s.id !== exceptSegment)
          .map((s) => ({ id: s.id, name: s.name })),
        imports: imports.data.map((b) => ({
          id: b.id,
          label: `${b.file_name} · ${formatDate(b.created_at)}`,
        })),
        customKeys: keys.data,
      }),
    );
  }, [exceptSegment]);
  return options;
}
