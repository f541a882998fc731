import { QueryBuilder, type Field, type FieldSelectorProps, type RuleGroupType } from 'react-querybuilder';
import { OPERATORS, type DataField, type ModuleType } from '../model.ts';

/**
 * The field of a condition: free text (any dotted path into the event data) with the trigger's
 * described fields offered through a shared datalist.
 */
function FieldInput({ value, handleOnChange, className, disabled, context, path }: FieldSelectorProps) {
  return (
    <input
      className={className}
      value={value ?? ''}
      disabled={disabled}
      list={(context as { datalistId: string }).datalistId}
      aria-label={`Field of condition ${path.map((p) => p + 1).join('.')}`}
      title="Field (a dotted path into the event data)"
      onChange={(e) => handleOnChange(e.target.value)}
      spellCheck={false}
    />
  );
}

const COMBINATORS = [
  { name: 'and', label: 'all of' },
  { name: 'or', label: 'any of' },
];

/** Nested all/any groups of conditions (react-querybuilder), over the trigger's data fields. */
export function ConditionBuilder({
  query,
  onChange,
  fields,
  moduleType,
  datalistId,
}: {
  query: RuleGroupType;
  onChange(query: RuleGroupType): void;
  fields: DataField[];
  moduleType: ModuleType | undefined;
  datalistId: string;
}) {
  const operators = OPERATORS.filter((o) => !o.modules || (moduleType !== undefined && o.modules.includes(moduleType))).map((o) => ({
    name: o.name,
    value: o.name,
    label: o.label,
    ...(o.arity ? { arity: o.arity } : {}),
  }));
  const qbFields: Field[] = (fields.length ? fields : [{ name: 'value', type: 'number' }]).map((f) => ({ name: f.name, value: f.name, label: f.name }));
  return (
    <>
      <datalist id={datalistId}>
        {fields.map((f) => (
          <option key={f.name} value={f.name}>
            {f.type}
            {f.description ? `: ${f.description}` : ''}
          </option>
        ))}
      </datalist>
      <QueryBuilder
        fields={qbFields}
        operators={operators}
        combinators={COMBINATORS}
        query={query}
        onQueryChange={onChange}
        controlElements={{ fieldSelector: FieldInput }}
        context={{ datalistId }}
        // `value` first when the trigger has it: the field Sales' threshold reads.
        {...(fields.some((f) => f.name === 'value') ? { getDefaultField: 'value' } : {})}
        resetOnFieldChange={false}
        resetOnOperatorChange={false}
        addRuleToNewGroups
        // libs/contracts allows groups 4 deep (MAX_CONDITION_NESTING); the root list is not one of them.
        maxLevels={5}
        translations={{
          addRule: { label: '+ Condition', title: 'Add condition' },
          addGroup: { label: '+ Group', title: 'Add group (any / all)' },
          removeRule: { label: 'Remove', title: 'Remove condition' },
          removeGroup: { label: 'Remove group', title: 'Remove group' },
          combinators: { title: 'Match' },
          operators: { title: 'Condition' },
          value: { title: 'Value' },
        }}
      />
    </>
  );
}
