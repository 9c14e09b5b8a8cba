// TheLab (super admin): upload a LightGBM model (POST /api/admin/models/upload), admin-lab-button-reuse-dep-click-grad
// (POST /api/lab/graduate) and rollback (POST /api/lab/rollback), the live switch (admin-lab-form-reuse-dep-submit-live,
// components/LiveSwitch), the A/B config (admin-lab-form-reuse-dep-config-parallel) and its comparison
// (admin-lab-chart-unique-indep-view-abtest, components/AbTest).
import { useState, type FormEvent } from "react";
import { api, call } from "../api/client";
import { AbTestPanel } from "../components/AbTest";
import { LiveSwitchPanel } from "../components/LiveSwitch";
import { ModelTable, useModels } from "../components/ModelTable";
import { ErrorNote } from "../components/States";

export default function TheLab() {
  const models = useModels();
  const [file, setFile] = useState<File | null>(null);
  const [version, setVersion] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const act = async (label: string, work: () => Promise<unknown>) => {
    setError(null);
    setNote(null);
    try {
      await work();
      setNote(label);
      models.reload();
    } catch (err) {
      setError(err);
    }
  };
  const upload = (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    void act("Model uploaded", () =>
      call(
        api.POST("/api/admin/models/upload", {
          body: { file: file as unknown as string, version: version || undefined },
          bodySerializer: (body: { file: string; version?: string | null }) => {
            const form = new FormData();
            form.append("file", body.file as unknown as Blob);
            if (body.version) form.append("version", body.version);
            return form;
          },
        }),
      ),
    );
  };
  return (
    <div className="page">
      <h1>The Lab</h1>
      <ErrorNote error={error} />
      {note ? <p className="ok" role="status">{note}</p> : null}
      <form className="card row-form" onSubmit={upload} aria-label="Upload a model">
        <div className="field">
          <label htmlFor="model-file">LightGBM model (text, never pickle)</label>
          <input id="model-file" type="file" accept=".txt,.json,.model" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
        <div className="field">
          <label htmlFor="model-version">Version (optional)</label>
          <input id="model-version" value={version} maxLength={64} onChange={(e) => setVersion(e.target.value)} />
        </div>
        <button type="submit" disabled={!file}>
          Upload
        </button>
      </form>
      <section className="card" aria-labelledby="registry">
        <div className="page-head">
          <h2 id="registry">Registry</h2>
          <button type="button" className="secondary" onClick={() => void act("Rolled back to the previous production model", () => call(api.POST("/api/lab/rollback", { body: { model_id: null } })))}>
            Roll back production
          </button>
        </div>
        <ModelTable
          models={models}
          actions={(m) =>
            m.model_id && m.status !== "production" ? (
              <button type="button" className="small" onClick={() => void act(`Graduated ${m.model_id}`, () => call(api.POST("/api/lab/graduate", { body: { model_id: String(m.model_id) } })))}>
                Graduate
              </button>
            ) : null
          }
        />
      </section>
      <section className="card" aria-labelledby="live">
        <h2 id="live">Live switch</h2>
        <p className="muted">Stop an On-Demand instance, move its volumes to a Spot copy with its network, profile, key, user data and tags, health-check it, roll back on failure.</p>
        <LiveSwitchPanel models={models} />
      </section>
      <section className="card" aria-labelledby="abtest">
        <h2 id="abtest">A/B test</h2>
        <AbTestPanel models={models} />
      </section>
    </div>
  );
}
