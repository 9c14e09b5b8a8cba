import { fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { alwaysAwake, asleepHours } from "../lib/schedule";
import { ScheduleGrid } from "./ScheduleGrid";

function Harness({ onMatrix }: { onMatrix: (m: number[]) => void }) {
  const [matrix, setMatrix] = useState(alwaysAwake());
  return (
    <ScheduleGrid
      value={matrix}
      onChange={(m) => {
        setMatrix(m);
        onMatrix(m);
      }}
    />
  );
}

const cell = (label: string) => screen.getByRole("gridcell", { name: new RegExp(`^${label}`) });

describe("ScheduleGrid", () => {
  it("given an awake week, when dragging from Tue 09:00 to Wed 11:00, then those six hours sleep on release", () => {
    let last: number[] = [];
    render(<Harness onMatrix={(m) => (last = m)} />);
    fireEvent.mouseDown(cell("Tue 09:00"), { button: 0 });
    fireEvent.mouseOver(cell("Tue 10:00"));
    fireEvent.mouseOver(cell("Wed 11:00"));
    // the preview shows before the release, nothing is committed yet
    expect(cell("Wed 10:00")).toHaveAttribute("aria-selected", "false");
    expect(last).toEqual([]);
    fireEvent.mouseUp(window);
    expect(asleepHours(last)).toBe(6);
    expect(last[1 * 24 + 9]).toBe(0);
    expect(last[2 * 24 + 11]).toBe(0);
    expect(last[2 * 24 + 12]).toBe(1);
    expect(cell("Wed 11:00")).toHaveAccessibleName("Wed 11:00 asleep");
  });

  it("a drag that starts on an asleep cell paints awake", () => {
    let last: number[] = [];
    render(<Harness onMatrix={(m) => (last = m)} />);
    fireEvent.mouseDown(cell("Mon 00:00"), { button: 0 });
    fireEvent.mouseUp(window);
    expect(last[0]).toBe(0);
    fireEvent.mouseDown(cell("Mon 00:00"), { button: 0 });
    fireEvent.mouseOver(cell("Mon 02:00"));
    fireEvent.mouseUp(window);
    expect(asleepHours(last)).toBe(0);
  });

  it("is usable by keyboard: arrows move the single tab stop, Space toggles, Shift+arrow paints", () => {
    let last: number[] = [];
    render(<Harness onMatrix={(m) => (last = m)} />);
    const start = cell("Mon 00:00");
    expect(start).toHaveAttribute("tabindex", "0");
    start.focus();
    fireEvent.keyDown(start, { key: "ArrowRight" });
    expect(cell("Mon 01:00")).toHaveFocus();
    expect(cell("Mon 01:00")).toHaveAttribute("tabindex", "0");
    expect(start).toHaveAttribute("tabindex", "-1");
    fireEvent.keyDown(cell("Mon 01:00"), { key: " " });
    expect(last[1]).toBe(0);
    fireEvent.keyDown(cell("Mon 01:00"), { key: "ArrowRight", shiftKey: true });
    fireEvent.keyDown(cell("Mon 02:00"), { key: "ArrowRight", shiftKey: true });
    expect(last.slice(0, 5)).toEqual([1, 0, 0, 0, 1]);
    expect(cell("Mon 03:00")).toHaveFocus();
  });

  it("does nothing when disabled", () => {
    const onChange = vi.fn();
    render(<ScheduleGrid value={alwaysAwake()} onChange={onChange} disabled />);
    fireEvent.mouseDown(cell("Mon 00:00"), { button: 0 });
    fireEvent.mouseUp(window);
    fireEvent.keyDown(cell("Mon 00:00"), { key: " " });
    expect(onChange).not.toHaveBeenCalled();
  });
});
