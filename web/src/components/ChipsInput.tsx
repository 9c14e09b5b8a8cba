// client-pol-list-reuse-dep-type-exclude: namespace chips; Enter or comma adds, Backspace or × removes.
import { useId, useState, type KeyboardEvent } from "react";
import { namespaceError, parseNamespaces } from "../lib/namespaces";

interface Props {
  label: string;
  values: string[];
  locked?: string[];
  onChange: (values: string[]) => void;
}

export function ChipsInput({ label, values, locked = [], onChange }: Props) {
  const id = useId();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const add = () => {
    const names = parseNamespaces(text, values);
    const bad = names.map((n) => [n, namespaceError(n)] as const).find(([, e]) => e);
    if (bad) {
      setProblem(`${bad[0]}: ${bad[1]}`);
      return;
    }
    setProblem(null);
    setText("");
    if (names.length) onChange([...values, ...names]);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter" || e.key === ",") {
      e.preventDefault();
      add();
    } else if (e.key === "Backspace" && !text && values.length) {
      const last = values[values.length - 1];
      if (!locked.includes(last)) onChange(values.slice(0, -1));
    }
  };
  return (
    <div className="chips-input">
      <label htmlFor={id}>{label}</label>
      <ul className="chips" aria-label={`${label}: current`}>
        {values.map((v) => (
          <li key={v} className="chip">
            {v}
            {locked.includes(v) ? (
              <span className="muted" title="always excluded">
                {" "}
                (always)
              </span>
            ) : (
              <button type="button" className="chip-remove" aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((x) => x !== v))}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      <input
        id={id}
        value={text}
        placeholder="namespace, then Enter"
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-err` : undefined}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
        onBlur={() => text && add()}
      />
      {problem ? (
        <p id={`${id}-err`} className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </div>
  );
}
