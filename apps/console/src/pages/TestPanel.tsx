import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNote, Badge } from '../components/common.tsx';
import { ActionOutcomes, ConditionOutcomes, type ActionOutcomeView } from '../components/Outcomes.tsx';
import { sampleData, type ConditionOutcome, type Draft, type Trigger, type Warning } from '../model.ts';
import { useSession } from '../session.tsx';

/** `POST /api/v1/automation/rules/test`'s answer, as far as the console shows it. */
interface TestResult {
  matched: boolean;
  /** False when the sample's type is not the rule's trigger. */
  trigger_matched?: boolean;
  outcome?: string;
  conditions?: ConditionOutcome[];
  actions?: ActionOutcomeView[];
  missing_placeholders?: string[];
  warnings?: Warning[];
}

/**
 * The rule as drafted against a sample event, without saving or publishing anything (the dry
 * run): each condition with the value it saw, and the actions as they would be sent.
 */
export function TestPanel({ draft, trigger, ruleId, onWarnings }: { draft: Draft; trigger: Trigger | undefined; ruleId: string | undefined; onWarnings(w: Warning[]): void }) {
  const { call } = useSession();
  const [sample, setSample] = useState('');
  const [edited, setEdited] = useState(false);
  const [result, setResult] = useState<TestResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // The sample follows the trigger until the author edits it.
  useEffect(() => {
    if (!edited) setSample(JSON.stringify(sampleData(trigger), null, 2));
  }, [trigger, edited]);

  async function run(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setResult(null);
    let data: unknown;
    try {
      data = JSON.parse(sample);
    } catch (e) {
      setError(new Error(`The sample event data is not JSON: ${(e as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const { module_type, trigger_id, ...rest } = draft;
      const body = { rule: { ...rest, module_type, trigger_id }, event: { type: trigger_id, data } };
      const answer = (await call<TestResult>('POST', '/automation/rules/test', { body })).body;
      setResult(answer);
      // Warnings about the rule go inline in the editor; those about the sample stay here.
      if (answer.warnings) onWarnings(answer.warnings.filter((w) => !w.path.startsWith('event')));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="test-panel" aria-labelledby="test-title">
      <h2 id="test-title">Test this rule</h2>
      <p className="muted">Runs the rule as drafted{ruleId ? '' : ' (unsaved)'} against a sample event. Nothing is stored, published or sent.</p>
      <form onSubmit={(e) => void run(e)}>
        <label className="field">
          Sample event data ({trigger ? trigger.id : 'choose a trigger'})
          <textarea
            className="mono"
            rows={10}
            value={sample}
            spellCheck={false}
            onChange={(e) => {
              setSample(e.target.value);
              setEdited(true);
            }}
          />
        </label>
        <div className="row">
          <button type="submit" disabled={busy || !trigger}>
            {busy ? 'Testing…' : 'Run test'}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setEdited(false);
              setSample(JSON.stringify(sampleData(trigger), null, 2));
            }}
          >
            Reset sample
          </button>
        </div>
      </form>
      {error ? <ErrorNote error={error} what="Testing a rule (dry run)" /> : null}
      {result ? (
        <div className="test-result" role="region" aria-label="Test result" aria-live="polite">
          <p>
            <Badge tone={result.matched ? 'ok' : 'bad'}>{result.matched ? 'matched' : 'not matched'}</Badge>{' '}
            {result.matched ? 'The conditions hold:' : 'No action would run. Why:'}
          </p>
          {result.trigger_matched === false ? <p className="warning">The sample's type is not this rule's trigger, so the engine would not run the rule for it.</p> : null}
          <ConditionOutcomes outcomes={result.conditions ?? []} />
          <h3>Actions, as they would be rendered</h3>
          <ActionOutcomes actions={result.actions ?? []} />
          {(result.warnings ?? [])
            .filter((w) => w.path.startsWith('event'))
            .map((w, i) => (
              <p key={i} className="warning">
                Sample <code>{w.path}</code>: {w.message}
              </p>
            ))}
          {result.missing_placeholders?.length ? (
            <p className="warning">Missing placeholders: {result.missing_placeholders.map((p) => `{{${p}}}`).join(', ')}</p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
