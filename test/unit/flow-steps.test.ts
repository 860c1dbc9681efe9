import { describe, expect, it } from 'vitest';
import {
  assignStepIds,
  type BranchStep,
  branchTarget,
  checkSteps,
  describeMinutes,
  type FlowStep,
  findStep,
  firstStepId,
  flatSteps,
  nextStepId,
} from '../../workers/domain/flow-steps';

const T = '0190aaaa-0000-7000-8000-000000000001';
const send = (id?: string) => ({ id, type: 'send' as const, template_id: T });

// welcome → clicked within 2 days? (then: thanks) (else: reminder → wait → last call) → goodbye
const tree = assignStepIds([
  send(),
  {
    type: 'branch',
    on: 'clicked',
    within_minutes: 2880,
    // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm
    then: [send()],
    else: [send(), { type: 'wait', minutes: 60 }, send()],
  },
  send(),
]);

describe('flow steps: ids', () => {
  it('gives new steps ids in order, keeps well-formed given ids, never reuses an id a previous version had', () => {
    expect(flatSteps(tree).map((s) => s.step.id)).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 's7']);
    const edited = assignStepIds([{ type: 'wait', minutes: 5 }, ...tree.slice(0, 1)], tree);
    expect(edited.map((s) => s.id)).toEqual(['s8', 's1']);
    // A duplicated or malformed id is replaced, not shared.
    const dup = assignStepIds([send('s1'), send('s1'), send('x; drop')]);
    expect(dup.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
  });
});

describe('flow steps: order', () => {
  it('the next step is the next of its list, then after the branch that holds it, then the end', () => {
    expect(firstStepId(tree)).toBe('s1');
    expect(nextStepId(tree, 's1')).toBe('s2');
    expect(nextStepId(tree, 's3')).toBe('s7'); // end of the then-arm: after the branch
    expect(nextStepId(tree, 's4')).toBe('s5');
    expect(nextStepId(tree, 's6')).toBe('s7');
    expect(nextStepId(tree, 's7')).toBeNull();
    expect(nextStepId(tree, 'gone')).toBeNull();
  });

  it('a branch goes into the arm taken, or past itself when that arm is empty', () => {
    const b = findStep(tree, 's2') as BranchStep;
    expect(branchTarget(tree, b, true)).toBe('s3');
    expect(branchTarget(tree, b, false)).toBe('s4');
    const noThen = assignStepIds([
      { type: 'branch', on: 'replied', within_minutes: 60, else: [send()] },
      send(),
    ]);
    expect(branchTarget(noThen, noThen[0] as BranchStep, true)).toBe('s3');
  });

  it('the report order is depth first, with each step’s depth and arm', () => {
    expect(flatSteps(tree).map((s) => [s.step.id, s.depth, s.arm])).toEqual([
      ['s1', 0, null],
      ['s2', 0, null],
      ['s3', 1, 'then'],
      ['s4', 1, 'else'],
      ['s5', 1, 'else'],
      ['s6', 1, 'else'],
      ['s7', 0, null],
    ]);
  });
});

describe('flow steps: rules', () => {
  it('a valid tree has no problems', () => {
    expect(checkSteps(tree)).toEqual([]);
  });

  it('error: empty, no send at all, waits and windows out of range, too deep, too many', () => {
    expect(checkSteps([]).map((p) => p.path)).toEqual(['steps']);
    expect(checkSteps(assignStepIds([{ type: 'wait', minutes: 5 }]))[0]!.message).toMatch(/sends a message/);
    const bad = assignStepIds([
      send(),
      { type: 'wait', minutes: 0 },
      { type: 'wait', minutes: 90 * 24 * 60 + 1 },
      { type: 'branch', on: 'clicked', within_minutes: 0 },
    ]);
    expect(checkSteps(bad).map((p) => p.path)).toEqual([
      'steps.1.minutes',
      'steps.2.minutes',
      'steps.3.within_minutes',
    ]);
    let deep: FlowStep[] = assignStepIds([send()]);
    for (let i = 0; i < 5; i++)
      // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm
      deep = [{ id: `s${90 + i}`, type: 'branch', on: 'clicked', within_minutes: 5, then: deep, else: [] }];
    expect(checkSteps(deep).some((p) => /nest/.test(p.message))).toBe(true);
    expect(checkSteps(assignStepIds(Array.from({ length: 51 }, () => send())))[0]!.message).toMatch(
      /At most 50/,
    );
  });

  it('names durations the way people say them', () => {
    expect(describeMinutes(2880)).toBe('2 days');
    expect(describeMinutes(60)).toBe('1 hour');
    expect(describeMinutes(90)).toBe('90 minutes');
  });
});
