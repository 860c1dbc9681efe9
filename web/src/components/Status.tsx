import { signal } from '@preact/signals';
import type { ComponentChildren } from 'preact';
import { ApiProblem } from '../api';

type Toast = { id: number; kind: 'success' | 'error'; text: string };

const toasts = signal<Toast[]>([]);
let nextId = 1;

/** A short status message, announced by screen readers and dismissed after a few seconds. */
export function toast(text: string, kind: Toast['kind'] = 'success') {
  const id = nextId++;
  toasts.value = [...toasts.value, { id, kind, text }];
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 5000);
}

function dismiss(id: number) {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}

/** Always-present live regions, so messages added later are announced. */
export function Toasts() {
  const list = toasts.value;
  return (
    <div class="toasts">
      <div role="status" aria-live="polite">
        {list
          .filter((t) => t.kind === 'success')
          .map((t) => (
            <ToastItem key={t.id} t={t} />
          ))}
      </div>
      <div role="alert" aria-live="assertive">
        {list
          .filter((t) => t.kind === 'error')
          .map((t) => (
            <ToastItem key={t.id} t={t} />
          ))}
      </div>
    </div>
  );
}

function ToastItem({ t }: { t: Toast }) {
  return (
    <div class={`toast toast--${t.kind}`}>
      <span>{t.text}</span>
      <button type="button" class="toast__close" aria-label="Dismiss message" onClick={() => dismiss(t.id)}>
        ×
      </button>
    </div>
  );
}

/** An inline error box for a failed load or submit: the problem's title, detail and field errors. */
export function ProblemAlert({ error, children }: { error: unknown; children?: ComponentChildren }) {
  if (!error) return null;
  const p =
    error instanceof ApiProblem
      ? error
      : new ApiProblem(0, 'Error', error instanceof Error ? error.message : String(error));
  const unnamed = p.errors.filter((e) => e.path && e.path !== '(root)');
  return (
    <div class="alert alert--error" role="alert">
      <p class="alert__title">{p.title}</p>
      {p.detail && p.detail !== p.title && <p>{p.detail}</p>}
      {unnamed.length > 0 && (
        <ul>
          {unnamed.map((e) => (
            <li key={e.path}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {children}
    </div>
  );
}

export function Notice({
  kind = 'info',
  children,
}: {
  kind?: 'info' | 'warning' | 'success' | 'error';
  children: ComponentChildren;
}) {
  return <div class={`alert alert--${kind}`}>{children}</div>;
}

export function Badge({ tone = 'neutral', children }: { tone?: string; children: ComponentChildren }) {
  return <span class={`badge badge--${tone}`}>{children}</span>;
}
