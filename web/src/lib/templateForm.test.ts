import { emptyForm, fromTemplate, localErrors, splitFamilies, toBody } from "./templateForm";

describe("template form", () => {
  it("an empty form names every missing field by the API's field name", () => {
    const errors = localErrors({ ...emptyForm(), architectures: [], capacityTypes: [], maxNodes: "0" });
    expect(Object.keys(errors).sort()).toEqual(["architectures", "capacity_types", "families", "max_nodes", "name"]);
  });

  it("splits families on commas and spaces, lower-cases and de-duplicates them", () => {
    expect(splitFamilies(" M6G, c6g  m6g,,r7g ")).toEqual(["m6g", "c6g", "r7g"]);
  });

  it("builds the API body: no limit is null, a typed limit is a number", () => {
    const form = { ...emptyForm(), name: " arm ", families: "m6g c6g", architectures: ["arm64"], maxNodes: "12" };
    expect(localErrors(form)).toEqual({});
    expect(toBody(form)).toEqual({
      name: "arm",
      families: ["m6g", "c6g"],
      architectures: ["arm64"],
      capacity_types: ["spot", "on-demand"],
      strategy: "balanced",
      gpu: false,
      max_nodes: 12,
      disruption_budget_percent: 10,
    });
    expect(toBody({ ...form, maxNodes: "" }).max_nodes).toBeNull();
  });

  it("round-trips a stored template", () => {
    const stored = { name: "g", families: ["g5g"], architectures: ["arm64"], capacity_types: ["on-demand"], strategy: "stability", gpu: true, max_nodes: null, disruption_budget_percent: 5 };
    expect(toBody(fromTemplate(stored))).toEqual({ ...stored, max_nodes: null });
  });
});
