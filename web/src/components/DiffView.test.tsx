import { render, screen, within } from "@testing-library/react";
import { diffRows, kindOf, show } from "../lib/diff";
import { DiffView } from "./DiffView";

describe("diff rows", () => {
  it("classifies additions, removals and changes and sorts by path", () => {
    const rows = diffRows([
      { path: "max_nodes", before: 10, after: 15 },
      { path: "exclusions.namespaces", before: ["kube-system"], after: ["kube-system", "monitoring"] },
      { path: "deleted_at", before: null, after: "2026-12-01T00:00:00Z" },
      { path: "template_id", before: "tpl-1", after: null },
    ]);
    expect(rows.map((r) => [r.path, r.kind])).toEqual([
      ["deleted_at", "added"],
      ["exclusions.namespaces", "changed"],
      ["max_nodes", "changed"],
      ["template_id", "removed"],
    ]);
    expect(rows[1].after).toBe('["kube-system","monitoring"]');
  });

  it("shows absence as a dash but keeps false and zero", () => {
    expect(show(undefined)).toBe("—");
    expect(show(false)).toBe("false");
    expect(show(0)).toBe("0");
    expect(kindOf({ path: "enabled", before: true, after: false })).toBe("changed");
  });
});

describe("DiffView", () => {
  it("renders max_nodes: 10 → 15 as a row with both values", () => {
    render(<DiffView changes={[{ path: "max_nodes", before: 10, after: 15 }]} />);
    const row = screen.getByRole("row", { name: /max_nodes/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent)).toEqual(["10", "15"]);
  });

  it("says so when a record changed nothing", () => {
    render(<DiffView changes={[]} />);
    expect(screen.getByText("This record changed no fields.")).toBeInTheDocument();
  });
});
