// Tags as removable chips plus an input that suggests the tenant's tags; Enter, comma or
// semicolon adds what was typed. Tags match without regard to case (VIP = vip), as the API does.
import { useId, useState } from 'preact/hooks';
import '../segments.css';

const key = (t: string) => t.replace(/[A-Z]/g, (c) => c.toLowerCase());

export function TagChips({ tags }: { tags: string[] }) {
  if (tags.length === 0) return <span class="muted">No tags</span>;
  return (
    <ul class="tag-chips" aria-label="Tags">
      {tags.map((t) => (
        <li key={t} class="tag-chip">
          {t}
        </li>
      ))}
    </ul>
  );
}

export function TagEditor({
  label,
  tags,
  onTags,
  suggestions = [],
  hint,
}: {
  label: string;
  tags: string[];
  onTags: (tags: string[]) => void;
  suggestions?: string[];
  hint?: string;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const add = (raw: string) => {
    const fresh = raw
      .split(/[;,]/)
      .map((t) => t.trim().replace(/\s+/g, ' '))
      .filter((t) => t && !tags.some((x) => key(x) === key(t)));
    if (fresh.length) onTags([...tags, ...fresh]);
    setText('');
  };
  return (
    <div class="field tag-editor">
      <label for={id}>{label}</label>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {tags.length > 0 && (
        <ul class="tag-chips">
          {tags.map((t) => (
            <li key={t} class="tag-chip">
              {t}
              <button
                type="button"
                class="tag-chip__remove"
                aria-label={`Remove tag ${t}`}
                onClick={() => onTags(tags.filter((x) => x !== t))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="tag-editor__row">
        <input
          id={id}
          type="text"
          list={`${id}-options`}
          maxLength={200}
          aria-describedby={hint ? `${id}-hint` : undefined}
          placeholder="Type a tag and press Enter"
          value={text}
          onInput={(e) => {
            const v = (e.currentTarget as HTMLInputElement).value;
            if (/[;,]/.test(v)) add(v);
            else setText(v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add(text);
            }
          }}
        />
        <button
          type="button"
          class="btn btn--secondary btn--small"
          onClick={() => add(text)}
          disabled={!text.trim()}
        >
          Add
        </button>
      </div>
      <datalist id={`${id}-options`}>
        {suggestions
          .filter((s) => !tags.some((t) => key(t) === key(s)))
          .map((s) => (
            <option key={s} value={s} />
          ))}
      </datalist>
    </div>
  );
}
