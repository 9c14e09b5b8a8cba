// client-audit-drawer-unique-dep-view-diff: the before/after field changes of one audit record.
import { diffRows, type Change } from "../lib/diff";

export function DiffView({ changes }: { changes: readonly Change[] }) {
  const rows = diffRows(changes);
  if (!rows.length) return <p className="muted">This record changed no fields.</p>;
  return (
    <table className="diff" aria-label="Field changes">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path} className={`diff-${r.kind}`}>
            <th scope="row">
              <code>{r.path}</code> <span className="badge">{r.kind}</span>
            </th>
            <td className="before">
              <code>{r.before}</code>
            </td>
            <td className="after">
              <code>{r.after}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
