// Creating or changing a flow: its name, what starts it, its quiet hours, whether people may go
// through it again, and its steps (built from scratch or from a recipe).
import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api, type Page, saveResource } from '../../api';
import { type Flow, type FlowStep, type FlowTrigger, RECIPES, TRIGGER_LABELS } from '../../flows';
import type { Keyword, SignupForm } from '../../growth';
import { Button } from '../Button';
import { CheckboxField, SelectField, TextField } from '../Field';
import { ProblemAlert } from '../Status';
import type { Template } from '../sending/types';
import { StepList } from './FlowSteps';

function useList<T>(path: string): T[] {
  const [items, setItems] = useState<T[]>([]);
  useEffect(() => {
    api<Page<T>>(path, { query: { limit: 200 } })
      .then((p) => setItems(p.data))
      .catch(() => setItems([]));
  }, [path]);
  return items;
}

export function FlowEditor({
  flow,
  onSaved,
  onCancel,
}: {
  flow?: Flow;
  onSaved: (f: Flow) => void;
  onCancel: () => void;
}) {
  const templates = useList<Template>('/api/v1/templates');
  const keywords = useList<Keyword>('/api/v1/keywords');
  const forms = useList<SignupForm>('/api/v1/forms');
  const [name, setName] = useState(flow?.name ?? '');
  const [trigger, setTrigger] = useState<FlowTrigger>(
    flow?.trigger ?? { type: 'api', keyword_id: null, form_id: null, tag: null },
  );
  const [steps, setSteps] = useState<FlowStep[]>(flow?.steps ?? []);
  const [quietStart, setQuietStart] = useState(flow?.quiet_hours_start ?? '20:00');
  const [quietEnd, setQuietEnd] = useState(flow?.quiet_hours_end ?? '09:00');
  const [reentry, setReentry] = useState(flow?.allow_reentry ?? false);
  const [active, setActive] = useState(flow?.is_active ?? false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = (p: string) => (error instanceof ApiProblem ? error.fieldError(p) : undefined);
  // About the list as a whole (empty, no send, too many); a step's own errors show on the step.
  const stepsError =
    error instanceof ApiProblem ? error.errors.find((x) => x.path === 'steps')?.message : undefined;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const json = {
      name,
      is_active: active,
      allow_reentry: reentry,
      trigger: {
        type: trigger.type,
        ...(trigger.type === 'keyword' ? { keyword_id: trigger.keyword_id || null } : {}),
        ...(trigger.type === 'form' ? { form_id: trigger.form_id || null } : {}),
        ...(trigger.type === 'tag_added' ? { tag: trigger.tag ?? '' } : {}),
      },
      steps,
      quiet_hours_start: quietStart,
      quiet_hours_end: quietEnd,
    };
    try {
      onSaved(await saveResource<Flow>('/api/v1/flows', flow, json));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="card flow-editor"
      onSubmit={submit}
      noValidate
      aria-label={flow ? `Edit ${flow.name}` : 'New flow'}
    >
      {error ? <ProblemAlert error={error} /> : null}
      <TextField label="Name" required value={name} onValue={setName} error={fe('name')} maxLength={120} />
      <div class="grid-2">
        <SelectField
          label="Starts when a contact…"
          value={trigger.type}
          onValue={(v) => setTrigger({ ...trigger, type: v as FlowTrigger['type'] })}
          options={Object.entries(TRIGGER_LABELS).map(([value, label]) => ({ value, label }))}
        />
        {trigger.type === 'keyword' && (
          <SelectField
            label="Keyword"
            required
            value={trigger.keyword_id ?? ''}
            onValue={(v) => setTrigger({ ...trigger, keyword_id: v })}
            error={fe('trigger.keyword_id')}
            options={[
              { value: '', label: 'Choose…' },
              ...keywords.map((k) => ({ value: k.id, label: k.keyword })),
            ]}
          />
        )}
        {trigger.type === 'form' && (
          <SelectField
            label="Signup form"
            required
            value={trigger.form_id ?? ''}
            onValue={(v) => setTrigger({ ...trigger, form_id: v })}
            error={fe('trigger.form_id')}
            options={[{ value: '', label: 'Choose…' }, ...forms.map((f) => ({ value: f.id, label: f.name }))]}
          />
        )}
        {trigger.type === 'tag_added' && (
          <TextField
            label="Tag"
            required
            value={trigger.tag ?? ''}
            onValue={(v) => setTrigger({ ...trigger, tag: v })}
            error={fe('trigger.tag')}
            maxLength={64}
          />
        )}
      </div>
      <p class="field-hint">
        People join after they confirm (double opt-in). Nobody on do-not-contact, or without consent, is
        texted.
      </p>

      <fieldset class="fieldset-plain">
        <legend>Steps</legend>
        {steps.length === 0 && (
          <div class="flow-recipes">
            <p class="muted">Start from a recipe, or add steps below.</p>
            {RECIPES.map((r) => (
              <Button key={r.key} onClick={() => setSteps(r.steps())}>
                {r.label}
              </Button>
            ))}
            <ul class="muted">
              {RECIPES.map((r) => (
                <li key={r.key}>
                  <strong>{r.label}:</strong> {r.hint}
                </li>
              ))}
            </ul>
          </div>
        )}
        {stepsError && <p class="field-error">{stepsError}</p>}
        <StepList steps={steps} path="steps" ctx={{ templates, error, depth: 0 }} onChange={setSteps} />
      </fieldset>

      <div class="grid-2">
        <TextField
          label="Quiet hours start"
          hint="No flow message in the recipient's own night (their time zone, else yours)."
          value={quietStart}
          onValue={setQuietStart}
          error={fe('quiet_hours_start')}
          maxLength={5}
        />
        <TextField
          label="Quiet hours end"
          value={quietEnd}
          onValue={setQuietEnd}
          error={fe('quiet_hours_end')}
          maxLength={5}
        />
      </div>
      <CheckboxField
        label="People may go through it again"
        hint="Off: each contact goes through this flow once, ever."
        checked={reentry}
        onChecked={setReentry}
      />
      <CheckboxField
        label="Active"
        hint="Paused flows enrol nobody and hold the people in them until resumed."
        checked={active}
        onChecked={setActive}
      />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {flow ? 'Save flow' : 'Create flow'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
