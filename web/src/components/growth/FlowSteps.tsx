// The flow builder's step list: each step in a card (send a template, wait, or branch on a click or
// a reply within a time), with its own controls to move, remove and add steps; a branch holds two
// lists of its own ("then" and "else"). Errors from the API land on their step by path.
import { ApiProblem } from '../../api';
import {
  type BranchStep,
  type DurationUnit,
  type FlowStep,
  newBranch,
  newSend,
  newWait,
  splitMinutes,
  UNIT_MINUTES,
  usesLink,
} from '../../flows';
import { Button } from '../Button';
import { Field, SelectField, TextField } from '../Field';
import type { Template } from '../sending/types';

type Ctx = { templates: Template[]; error: unknown; depth: number };

function Duration({
  label,
  minutes,
  onMinutes,
  error,
}: {
  label: string;
  minutes: number;
  onMinutes: (m: number) => void;
  error?: string;
}) {
  const { amount, unit } = splitMinutes(minutes);
  return (
    <Field label={label} error={error}>
      {(p) => (
        <span class="flow-duration">
          <input
            {...p}
            type="number"
            min={1}
            inputMode="numeric"
            value={String(amount)}
            onInput={(e) =>
              onMinutes(Number((e.currentTarget as HTMLInputElement).value || 0) * UNIT_MINUTES[unit])
            }
          />
          <select
            aria-label={`${label}: unit`}
            value={unit}
            onChange={(e) =>
              onMinutes(amount * UNIT_MINUTES[(e.currentTarget as HTMLSelectElement).value as DurationUnit])
            }
          >
            <option value="minutes">minutes</option>
            <option value="hours">hours</option>
            <option value="days">days</option>
          </select>
        </span>
      )}
    </Field>
  );
}

function StepEditor({
  step,
  path,
  ctx,
  onChange,
}: {
  step: FlowStep;
  path: string;
  ctx: Ctx;
  onChange: (s: FlowStep) => void;
}) {
  const fe = (p: string) =>
    ctx.error instanceof ApiProblem ? ctx.error.fieldError(`${path}.${p}`) : undefined;
  if (step.type === 'send') {
    const template = ctx.templates.find((t) => t.id === step.template_id);
    const linked = template ? usesLink(template.body) : false;
    return (
      <>
        <SelectField
          label="Template"
          required
          value={step.template_id}
          onValue={(v) => onChange({ ...step, template_id: v })}
          error={fe('template_id')}
          options={[
            { value: '', label: 'Choose a template…' },
            ...ctx.templates.map((t) => ({ value: t.id, label: t.media_url ? `${t.name} (MMS)` : t.name })),
          ]}
        />
        {template && <p class="flow-step__preview">{template.body}</p>}
        {(linked || step.target_url || fe('target_url')) && (
          <TextField
            label="Where {{link}} goes"
            type="url"
            required={linked}
            hint="Each person gets their own short link to it, so clicks are counted (and “clicked” branches work)."
            value={step.target_url ?? ''}
            onValue={(v) => onChange({ ...step, target_url: v || null })}
            error={fe('target_url')}
          />
        )}
      </>
    );
  }
  if (step.type === 'wait')
    return (
      <Duration
        label="Wait"
        minutes={step.minutes}
        onMinutes={(m) => onChange({ ...step, minutes: m })}
        error={fe('minutes')}
      />
    );
  const b = step as BranchStep;
  return (
    <>
      <div class="grid-2">
        <SelectField
          label="If the person"
          value={b.on}
          onValue={(v) => onChange({ ...b, on: v as BranchStep['on'] })}
          options={[
            { value: 'clicked', label: 'clicked a link from this flow' },
            { value: 'replied', label: 'replied' },
          ]}
        />
        <Duration
          label="Within"
          minutes={b.within_minutes}
          onMinutes={(m) => onChange({ ...b, within_minutes: m })}
          error={fe('within_minutes')}
        />
      </div>
      <p class="field-hint">The flow waits until the time is up, then goes on with one of the two lists.</p>
      <fieldset class="flow-arm">
        <legend>Then (they did)</legend>
        <StepList
          steps={b.then}
          path={`${path}.then`}
          ctx={{ ...ctx, depth: ctx.depth + 1 }}
          onChange={(then) => onChange({ ...b, then })}
        />
      </fieldset>
      <fieldset class="flow-arm">
        <legend>Otherwise</legend>
        <StepList
          steps={b.else}
          path={`${path}.else`}
          ctx={{ ...ctx, depth: ctx.depth + 1 }}
          onChange={(e) => onChange({ ...b, else: e })}
        />
      </fieldset>
    </>
  );
}

const TITLES: Record<FlowStep['type'], string> = { send: 'Send a message', wait: 'Wait', branch: 'Branch' };

export function StepList({
  steps,
  path,
  ctx,
  onChange,
}: {
  steps: FlowStep[];
  path: string;
  ctx: Ctx;
  onChange: (s: FlowStep[]) => void;
}) {
  const set = (i: number, s: FlowStep) => onChange(steps.map((x, j) => (j === i ? s : x)));
  const move = (i: number, by: number) => {
    const next = [...steps];
    const [s] = next.splice(i, 1);
    if (s) next.splice(i + by, 0, s);
    onChange(next);
  };
  const add = (s: FlowStep) => onChange([...steps, s]);
  const where = path === 'steps' ? '' : ` (${path.endsWith('then') ? 'then' : 'otherwise'})`;
  return (
    <div class="flow-steps">
      {steps.length === 0 && <p class="muted">No steps{where}: the flow goes straight on.</p>}
      <ol class="flow-steps__list">
        {steps.map((s, i) => (
          <li class={`flow-step flow-step--${s.type}`} key={s.id ?? `${path}.${i}`}>
            <div class="flow-step__head">
              <strong>
                {i + 1}. {TITLES[s.type]}
              </strong>
              <span class="flow-step__tools">
                <Button
                  small
                  disabled={i === 0}
                  onClick={() => move(i, -1)}
                  aria-label={`Move step ${i + 1} up`}
                >
                  ↑
                </Button>
                <Button
                  small
                  disabled={i === steps.length - 1}
                  onClick={() => move(i, 1)}
                  aria-label={`Move step ${i + 1} down`}
                >
                  ↓
                </Button>
                <Button
                  small
                  variant="danger"
                  onClick={() => onChange(steps.filter((_, j) => j !== i))}
                  aria-label={`Remove step ${i + 1}`}
                >
                  Remove
                </Button>
              </span>
            </div>
            <StepEditor step={s} path={`${path}.${i}`} ctx={ctx} onChange={(x) => set(i, x)} />
          </li>
        ))}
      </ol>
      <div class="actions">
        <Button small onClick={() => add(newSend())}>
          + Send{where}
        </Button>
        <Button small onClick={() => add(newWait())}>
          + Wait{where}
        </Button>
        {ctx.depth < 3 && (
          <Button small onClick={() => add(newBranch())}>
            + Branch{where}
          </Button>
        )}
      </div>
    </div>
  );
}
