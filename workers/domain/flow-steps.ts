// Automation flow steps (issue 14): a tree of send / wait / branch steps, each with a stable id so
// an enrolment's position and the per-step report survive edits. Pure: no I/O.
//
// Order: a step's successor is the next step of its own list; after a list ends, the successor of
// the branch that holds it (both arms join again after the branch); after the top list, the end.

export type SendStep = {
  id: string;
  type: 'send';
  template_id: string;
  /** Where `{{link}}` points (each recipient gets a personal short link to it). */
  target_url?: string | null;
};
export type WaitStep = { id: string; type: 'wait'; minutes: number };
export type BranchStep = {
  id: string;
  type: 'branch';
  on: 'clicked' | 'replied';
  within_minutes: number;
  then: FlowStep[];
  else: FlowStep[];
};
export type FlowStep = SendStep | WaitStep | BranchStep;

/** What an API caller writes: ids are optional (new steps get one). */
export type FlowStepInput =
  | (Omit<SendStep, 'id'> & { id?: string })
  | (Omit<WaitStep, 'id'> & { id?: string })
  | (Omit<BranchStep, 'id' | 'then' | 'else'> & {
      id?: string;
      then?: FlowStepInput[];
      else?: FlowStepInput[];
    });

export const MAX_STEPS = 50;
export const MAX_DEPTH = 4;
export const MIN_WAIT_MINUTES = 1;
/** 90 days: a flow is a series of messages, not a reminder for next year. */
export const MAX_WAIT_MINUTES = 90 * 24 * 60;
export const MAX_BRANCH_MINUTES = 30 * 24 * 60;

const STEP_ID = /^s[0-9]{1,4}$/;

export type StepProblem = { path: string; message: string };

/** Every step in order (depth first), with where it sits. */
export function walkSteps(
  steps: readonly FlowStep[],
  visit: (step: FlowStep, path: string, depth: number) => void,
  prefix = 'steps',
  depth = 0,
): void {
  steps.forEach((s, i) => {
    const path = `${prefix}.${i}`;
    visit(s, path, depth);
    if (s.type === 'branch') {
      walkSteps(s.then, visit, `${path}.then`, depth + 1);
      walkSteps(s.else, visit, `${path}.else`, depth + 1);
    }
  });
}

/**
 * Gives every step without a (well-formed, unused) id a new one (`s1`, `s2`…, never reusing an id
 * of `previous`, so a deleted step's report rows are never mistaken for a new step's).
 */
export function assignStepIds(
  input: readonly FlowStepInput[],
  previous: readonly FlowStep[] = [],
): FlowStep[] {
  const used = new Set<string>();
  walkSteps(previous, (s) => used.add(s.id));
  const kept = new Set<string>();
  const claim = (id: string | undefined) => {
    if (id && STEP_ID.test(id) && !kept.has(id)) {
      kept.add(id);
      return true;
    }
    return false;
  };
  // First pass: which given ids are kept (first use wins).
  const keepIds = (list: readonly FlowStepInput[]) => {
    for (const s of list) {
      claim(s.id);
      if (s.type === 'branch') {
        keepIds(s.then ?? []);
        keepIds(s.else ?? []);
      }
    }
  };
  keepIds(input);
  let n = 0;
  for (const id of [...used, ...kept]) n = Math.max(n, Number(id.slice(1)) || 0);
  const given = new Set<string>();
  const build = (list: readonly FlowStepInput[]): FlowStep[] =>
    list.map((s) => {
      let id = s.id && kept.has(s.id) && !given.has(s.id) ? s.id : undefined;
      if (!id) id = `s${++n}`;
      given.add(id);
      if (s.type === 'branch')
        return {
          id,
          type: 'branch',
          on: s.on,
          within_minutes: s.within_minutes,
          // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm (an array)
          then: build(s.then ?? []),
          else: build(s.else ?? []),
        };
      if (s.type === 'wait') return { id, type: 'wait', minutes: s.minutes };
      return { id, type: 'send', template_id: s.template_id, target_url: s.target_url ?? null };
    });
  return build(input);
}

/** Structural rules (templates and URLs are checked by the caller, which can read them). */
export function checkSteps(steps: readonly FlowStep[]): StepProblem[] {
  const problems: StepProblem[] = [];
  if (steps.length === 0) problems.push({ path: 'steps', message: 'A flow needs at least one step.' });
  let count = 0;
  let sends = 0;
  walkSteps(steps, (s, path, depth) => {
    count++;
    if (depth >= MAX_DEPTH) problems.push({ path, message: `Branches nest at most ${MAX_DEPTH} deep.` });
    if (s.type === 'send') sends++;
    if (
      s.type === 'wait' &&
      !(Number.isInteger(s.minutes) && s.minutes >= MIN_WAIT_MINUTES && s.minutes <= MAX_WAIT_MINUTES)
    )
      problems.push({ path: `${path}.minutes`, message: 'Wait between 1 minute and 90 days.' });
    if (
      s.type === 'branch' &&
      !(Number.isInteger(s.within_minutes) && s.within_minutes >= 1 && s.within_minutes <= MAX_BRANCH_MINUTES)
    )
      problems.push({ path: `${path}.within_minutes`, message: 'Decide within 1 minute to 30 days.' });
  });
  if (count > MAX_STEPS) problems.push({ path: 'steps', message: `At most ${MAX_STEPS} steps.` });
  if (steps.length > 0 && sends === 0)
    problems.push({ path: 'steps', message: 'A flow needs at least one step that sends a message.' });
  return problems;
}

export function findStep(steps: readonly FlowStep[], id: string): FlowStep | null {
  let found: FlowStep | null = null;
  walkSteps(steps, (s) => {
    if (s.id === id) found = s;
  });
  return found;
}

export function firstStepId(steps: readonly FlowStep[]): string | null {
  return steps[0]?.id ?? null;
}

/** The step after `id` (see the header), or null when the flow ends there (or `id` is gone). */
export function nextStepId(steps: readonly FlowStep[], id: string): string | null {
  const search = (
    list: readonly FlowStep[],
    after: string | null,
  ): { found: boolean; next: string | null } => {
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as FlowStep;
      const follow = list[i + 1]?.id ?? after;
      if (s.id === id) return { found: true, next: follow };
      if (s.type === 'branch') {
        for (const arm of [s.then, s.else]) {
          const r = search(arm, follow);
          if (r.found) return r;
        }
      }
    }
    return { found: false, next: null };
  };
  return search(steps, null).next;
}

/** Where a branch goes: the first step of the arm taken, or past the branch when that arm is empty. */
export function branchTarget(steps: readonly FlowStep[], branch: BranchStep, took: boolean): string | null {
  const arm = took ? branch.then : branch.else;
  return arm[0]?.id ?? nextStepId(steps, branch.id);
}

/** The template ids the steps send. */
export function templateIdsOf(steps: readonly FlowStep[]): string[] {
  const ids = new Set<string>();
  walkSteps(steps, (s) => {
    if (s.type === 'send') ids.add(s.template_id);
  });
  return [...ids];
}

/** Steps in report order with their depth, for per-step figures. */
export function flatSteps(
  steps: readonly FlowStep[],
): { step: FlowStep; depth: number; arm: string | null }[] {
  const out: { step: FlowStep; depth: number; arm: string | null }[] = [];
  walkSteps(steps, (step, path, depth) => {
    const m = /\.(then|else)\.\d+$/.exec(path);
    out.push({ step, depth, arm: m ? (m[1] as string) : null });
  });
  return out;
}

/** "2 days", "90 minutes", "3 hours": how the UI and the report name a duration. */
export function describeMinutes(minutes: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}
