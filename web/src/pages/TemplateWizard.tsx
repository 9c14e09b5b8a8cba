// TemplateWizard: client-tmpl-logic-unique-indep-run-validate — live compatibility warnings from
// POST /api/templates/validate as families and architectures change ("g4dn incompatible with ARM64").
import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, call, type Schemas } from "../api/client";
import { ErrorNote, fieldError, Loading } from "../components/States";
import { emptyForm, fromTemplate, localErrors, splitFamilies, toBody, type TemplateForm } from "../lib/templateForm";

type Validation = Schemas["ValidateResponse"];

export function useLiveValidation(families: string, architectures: string[], gpu: boolean, delayMs = 300): Validation | null {
  const [result, setResult] = useState<Validation | null>(null);
  useEffect(() => {
    const list = splitFamilies(families);
    if (!list.length || !architectures.length) {
      setResult(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      call(api.POST("/api/templates/validate", { body: { families: list, architectures, gpu } }))
        .then((r) => live && setResult(r))
        .catch(() => live && setResult(null));
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [families, architectures, gpu, delayMs]);
  return result;
}

export function TemplateFormView({ initial, onSubmit, submitLabel }: { initial: TemplateForm; onSubmit: (form: TemplateForm) => Promise<void>; submitLabel: string }) {
  const [form, setForm] = useState<TemplateForm>(initial);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const validation = useLiveValidation(form.families, form.architectures, form.gpu);
  const local = localErrors(form);
  const set = <K extends keyof TemplateForm>(key: K, value: TemplateForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const toggle = <T extends string>(list: T[], v: T): T[] => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);
  const problem = (field: string) => (touched ? local[field] : undefined) ?? fieldError(error, field);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(local).length || (validation && !validation.valid)) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(form);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const note = (field: string) => {
    const p = problem(field);
    return p ? (
      <p className="field-error" id={`${field}-err`}>
        {p}
      </p>
    ) : null;
  };

  return (
    <form onSubmit={submit} noValidate className="card form" aria-label="Node template">
      <div className="field">
        <label htmlFor="name">Name</label>
        <input id="name" value={form.name} maxLength={64} onChange={(e) => set("name", e.target.value)} aria-invalid={problem("name") ? true : undefined} aria-describedby="name-err" />
        {note("name")}
      </div>
      <div className="field">
        <label htmlFor="families">Instance families</label>
        <input id="families" value={form.families} placeholder="m6g, c6g, m5" onChange={(e) => set("families", e.target.value)} aria-invalid={problem("families") ? true : undefined} aria-describedby="families-err validation" />
        {note("families")}
      </div>
      <fieldset>
        <legend>Architectures</legend>
        {(["amd64", "arm64"] as const).map((a) => (
          <label key={a} className="check">
            <input type="checkbox" checked={form.architectures.includes(a)} onChange={() => set("architectures", toggle(form.architectures, a))} /> {a}
          </label>
        ))}
        {note("architectures")}
      </fieldset>
      <fieldset>
        <legend>Capacity types</legend>
        {(["spot", "on-demand"] as const).map((c) => (
          <label key={c} className="check">
            <input type="checkbox" checked={form.capacityTypes.includes(c)} onChange={() => set("capacityTypes", toggle(form.capacityTypes, c))} /> {c}
          </label>
        ))}
        {note("capacity_types")}
      </fieldset>
      <div className="field">
        <label htmlFor="strategy">Strategy</label>
        <select id="strategy" value={form.strategy} onChange={(e) => set("strategy", e.target.value as TemplateForm["strategy"])}>
          <option value="cost">cost</option>
          <option value="balanced">balanced</option>
          <option value="stability">stability</option>
        </select>
      </div>
      <label className="check">
        <input type="checkbox" checked={form.gpu} onChange={(e) => set("gpu", e.target.checked)} /> Needs GPUs
      </label>
      <div className="field">
        <label htmlFor="max_nodes">Maximum nodes (empty: no limit)</label>
        <input id="max_nodes" inputMode="numeric" value={form.maxNodes} onChange={(e) => set("maxNodes", e.target.value)} aria-invalid={problem("max_nodes") ? true : undefined} />
        {note("max_nodes")}
      </div>
      <div className="field">
        <label htmlFor="budget">Disruption budget: {form.disruptionBudget}%</label>
        <input id="budget" type="range" min={0} max={100} step={5} value={form.disruptionBudget} onChange={(e) => set("disruptionBudget", Number(e.target.value))} />
      </div>
      <div id="validation" aria-live="polite" className="validation">
        {validation?.errors.map((m) => (
          <p key={m} className="field-error">
            ✖ {m}
          </p>
        ))}
        {validation?.warnings.map((m) => (
          <p key={m} className="warning">
            ⚠ {m}
          </p>
        ))}
        {validation?.valid && !validation.warnings.length ? <p className="ok">✔ Compatible</p> : null}
      </div>
      <ErrorNote error={error} />
      <div className="buttons">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
        <Link to="/templates" className="button secondary">
          Cancel
        </Link>
      </div>
    </form>
  );
}

export default function TemplateWizard() {
  const { templateId } = useParams();
  const navigate = useNavigate();
  const [initial, setInitial] = useState<TemplateForm | null>(templateId ? null : emptyForm());
  const [loadError, setLoadError] = useState<unknown>(null);
  useEffect(() => {
    if (!templateId) return;
    call(api.GET("/api/templates/{template_id}", { params: { path: { template_id: templateId } } })).then((t) => setInitial(fromTemplate(t)), setLoadError);
  }, [templateId]);
  if (loadError) return <ErrorNote error={loadError} />;
  if (!initial) return <Loading />;
  return (
    <div className="page narrow">
      <h1>{templateId ? "Edit template" : "New node template"}</h1>
      <TemplateFormView
        initial={initial}
        submitLabel={templateId ? "Save" : "Create template"}
        onSubmit={async (form) => {
          if (templateId) await call(api.PUT("/api/templates/{template_id}", { params: { path: { template_id: templateId } }, body: toBody(form) }));
          else await call(api.POST("/api/templates", { body: toBody(form) }));
          navigate("/templates");
        }}
      />
    </div>
  );
}
