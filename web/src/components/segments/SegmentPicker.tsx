// A campaign audience from segments: include any of some, exclude any of others, with the live count.
import type { Segment } from '../../types';
import { audienceFilter } from './fields';
import { SegmentCount } from './SegmentCount';

const toggle = (list: string[], id: string) =>
  list.includes(id) ? list.filter((x) => x !== id) : [...list, id];

/** Include any of these segments, minus any of those; the live count shows who that is now. */
export function SegmentPicker({
  segments,
  include,
  exclude,
  onInclude,
  onExclude,
  error,
}: {
  segments: Segment[];
  include: string[];
  exclude: string[];
  onInclude: (ids: string[]) => void;
  onExclude: (ids: string[]) => void;
  error?: string;
}) {
  if (segments.length === 0) {
    return (
      <p>
        No segments yet. <a href="/segments/new">Build one</a> first.
      </p>
    );
  }
  const list = (
    legend: string,
    hint: string,
    chosen: string[],
    other: string[],
    onChosen: (ids: string[]) => void,
  ) => (
    <fieldset>
      <legend>{legend}</legend>
      <p class="field-hint">{hint}</p>
      <ul class="sending-checklist">
        {segments.map((s) => (
          <li key={s.id}>
            <label>
              <input
                type="checkbox"
                checked={chosen.includes(s.id)}
                disabled={other.includes(s.id)}
                onChange={() => onChosen(toggle(chosen, s.id))}
              />
              <span>{s.name}</span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
  return (
    <>
      <div class="grid-2">
        {list('Include', 'Contacts in any of these (none ticked: everyone).', include, exclude, onInclude)}
        {list('Exclude', 'Minus contacts in any of these.', exclude, include, onExclude)}
      </div>
      {error && <p class="field-error">{error}</p>}
      {include.length + exclude.length > 0 && (
        <SegmentCount filter={audienceFilter(include, exclude)} label="This audience now" />
      )}
      <p class="field-hint">
        The segments are read when the campaign launches; editing a segment later does not change a launched
        campaign.
      </p>
    </>
  );
}
