// The template wizard's form: parse what a person typed into the API's TemplateBody, and check it locally
// before asking POST /api/templates/validate for the compatibility rules.
export interface TemplateForm {
  name: string;
  families: string;
  architectures: string[];
  capacityTypes: ("spot" | "on-demand")[];
  strategy: "cost" | "balanced" | "stability";
  gpu: boolean;
  maxNodes: string;
  disruptionBudget: number;
}

export const emptyForm = (): TemplateForm => ({
  name: "",
  families: "",
  architectures: ["amd64"],
  capacityTypes: ["spot", "on-demand"],
  strategy: "balanced",
  gpu: false,
  maxNodes: "",
  disruptionBudget: 10,
});

export const splitFamilies = (text: string): string[] => [...new Set(text.split(/[\s,]+/).map((f) => f.trim().toLowerCase()).filter(Boolean))];

/** Problems the form can see without the API, keyed by the API's field name. */
export function localErrors(form: TemplateForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!form.name.trim()) errors.name = "give the template a name";
  if (!splitFamilies(form.families).length) errors.families = "name at least one instance family (e.g. m5, c6g)";
  if (!form.architectures.length) errors.architectures = "choose at least one architecture";
  if (!form.capacityTypes.length) errors.capacity_types = "choose Spot, On-Demand or both";
  if (form.maxNodes && !(Number.isInteger(Number(form.maxNodes)) && Number(form.maxNodes) > 0)) errors.max_nodes = "a whole number above 0, or empty for no limit";
  if (form.disruptionBudget < 0 || form.disruptionBudget > 100) errors.disruption_budget_percent = "0 to 100";
  return errors;
}

export function toBody(form: TemplateForm) {
  return {
    name: form.name.trim(),
    families: splitFamilies(form.families),
    architectures: form.architectures,
    capacity_types: form.capacityTypes,
    strategy: form.strategy,
    gpu: form.gpu,
    max_nodes: form.maxNodes ? Number(form.maxNodes) : null,
    disruption_budget_percent: form.disruptionBudget,
  };
}

export function fromTemplate(t: {
  name: string;
  families: string[];
  architectures: string[];
  capacity_types: string[];
  strategy: string;
  gpu: boolean;
  max_nodes?: number | null;
  disruption_budget_percent: number;
}): TemplateForm {
  return {
    name: t.name,
    families: t.families.join(", "),
    architectures: t.architectures,
    capacityTypes: t.capacity_types.filter((c): c is "spot" | "on-demand" => c === "spot" || c === "on-demand"),
    strategy: (["cost", "balanced", "stability"].includes(t.strategy) ? t.strategy : "balanced") as TemplateForm["strategy"],
    gpu: t.gpu,
    maxNodes: t.max_nodes ? String(t.max_nodes) : "",
    disruptionBudget: t.disruption_budget_percent,
  };
}
