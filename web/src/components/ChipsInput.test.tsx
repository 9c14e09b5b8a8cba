import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { ChipsInput } from "./ChipsInput";

function Harness({ seen }: { seen: (v: string[]) => void }) {
  const [values, setValues] = useState(["kube-system"]);
  return (
    <ChipsInput
      label="Never touch pods in"
      values={values}
      locked={["kube-system"]}
      onChange={(v) => {
        setValues(v);
        seen(v);
      }}
    />
  );
}

describe("ChipsInput", () => {
  it("adds on Enter, refuses a bad name with a message, removes with ×, keeps the locked one", async () => {
    const user = userEvent.setup();
    let last: string[] = [];
    render(<Harness seen={(v) => (last = v)} />);
    const input = screen.getByRole("textbox", { name: "Never touch pods in" });
    await user.type(input, "monitoring{Enter}");
    expect(last).toEqual(["kube-system", "monitoring"]);
    await user.type(input, "Bad_Name{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("Bad_Name");
    expect(input).toHaveAttribute("aria-invalid", "true");
    await user.clear(input);
    await user.click(screen.getByRole("button", { name: "Remove monitoring" }));
    expect(last).toEqual(["kube-system"]);
    expect(screen.queryByRole("button", { name: "Remove kube-system" })).toBeNull();
    await user.type(input, "{Backspace}");
    expect(last).toEqual(["kube-system"]);
  });
});
