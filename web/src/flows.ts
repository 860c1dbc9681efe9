/** Automation flows (issue 14): the API's shapes, the builder's draft steps and its starter recipes. */

export type FlowTrigger = {
  type: 'keyword' | 'form' | 'tag_added' | 'api';
  keyword_id: string | null;
  form_id: string | null;
  tag: string | null;
};

export type SendStep = { id?: string; type: 'send'; template_id: string; target_url?: string | null };
export type WaitStep = { id?: string; type: 'wait'; minutes: number };
export type BranchStep = {
  id?: string;
  type: 'branch';
  on: 'clicked' | 'replied';
  within_minutes: number;
  then: FlowStep[];
  else: FlowStep[];
};
export type FlowStep = SendStep | WaitStep | BranchStep;

export type Flow = {
  id: string;
  name: string;
  is_active: boolean;
  allow_reentry: boolean;
  trigger: FlowTrigger;
  steps: FlowStep[];
  quiet_hours_start: string;
  quiet_hours_end: string;
  enrolments: { active: number; completed: number; exited: number };
  created_at: string;
  updated_at: string;
};

export type StepFigures = {
  step_id: string;
  type: FlowStep['type'];
  label: string;
  depth: number;
  arm: 'then' | 'else' | null;
  entered: number;
  sent: number;
  clicked: number;
  exited: number;
  then_count: number | null;
  else_count: number | null;
};

export type FlowStats = {
  steps: StepFigures[];
  enrolments: { active: number; completed: number; exited: number; total: number };
  messages_sent: number;
  cost_cents: number;
  conversions: number;
  revenue_cents: number;
  revenue_currency: string;
  other_currencies: { currency: string; conversions: number; revenue_cents: number }[];
};

export const TRIGGER_LABELS: Record<FlowTrigger['type'], string> = {
  keyword: 'Joins by keyword',
  form: 'Joins by signup form',
  tag_added: 'Gets a tag',
  api: 'Enrolled by API (or by hand)',
};

export type DurationUnit = 'minutes' | 'hours' | 'days';
export const UNIT_MINUTES: Record<DurationUnit, number> = { minutes: 1, hours: 60, days: 1440 };

/** A duration in the largest unit that divides it: 2880 → 2 days. */
export function splitMinutes(minutes: number): { amount: number; unit: DurationUnit } {
  if (minutes > 0 && minutes % 1440 === 0) return { amount: minutes / 1440, unit: 'days' };
  if (minutes > 0 && minutes % 60 === 0) return { amount: minutes / 60, unit: 'hours' };
  return { amount: minutes, unit: 'minutes' };
}

export const newSend = (): SendStep => ({ type: 'send', template_id: '', target_url: null });
export const newWait = (): WaitStep => ({ type: 'wait', minutes: 1440 });
export const newBranch = (): BranchStep => ({
  type: 'branch',
  on: 'clicked',
  within_minutes: 2880,
  // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm (an array)
  then: [],
  else: [],
});

/** Starter recipes the builder can fill in; the person then picks the templates. */
export const RECIPES: { key: string; label: string; hint: string; steps: () => FlowStep[] }[] = [
  {
    key: 'welcome',
    label: 'Welcome series',
    hint: 'A welcome now, a tip the next day, an offer three days later.',
    steps: () => [
      newSend(),
      { type: 'wait', minutes: 1440 },
      newSend(),
      { type: 'wait', minutes: 2 * 1440 },
      newSend(),
    ],
  },
  {
    key: 'reminder',
    label: 'No click after 2 days → reminder',
    hint: 'A message with a link; whoever has not clicked it two days later gets a reminder.',
    steps: () => [newSend(), { ...newBranch(), else: [newSend()] }],
  },
];

/** Whether a template body uses the personal link (`{{link}}`, with or without a fallback). */
export function usesLink(body: string): boolean {
  return /\{\{\s*link\s*(\|[^}]*)?\}\}/.test(body);
}
