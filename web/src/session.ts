import { computed, signal } from '@preact/signals';
import { api } from './api';
import type { Me, Role } from './types';

/** Who is signed in (from GET /api/v1/me); null until loaded or when signed out. */
export const me = signal<Me | null>(null);

const RANK: Record<Role, number> = { viewer: 0, staff: 1, admin: 2 };

export const role = computed<Role>(() => me.value?.user.role ?? 'viewer');

/** Whether the signed-in role may write; the server enforces the same rule, this only hides controls. */
export function can(min: Role): boolean {
  return RANK[role.value] >= RANK[min];
}

export async function loadMe(): Promise<Me> {
  const m = await api<Me>('/api/v1/me');
  me.value = m;
  return m;
}

export async function logout(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
  me.value = null;
}
