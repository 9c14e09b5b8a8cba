import { alwaysAwake, asleepHours, estimatedMonthlySaving, index, isValidMatrix, move, paintRect, workHours } from "./schedule";

describe("paintRect", () => {
  it("given an awake week, when Mon 00:00 to Fri 07:00 is painted asleep, then exactly those 40 cells sleep", () => {
    const painted = paintRect(alwaysAwake(), { day: 0, hour: 0 }, { day: 4, hour: 7 }, 0);
    expect(asleepHours(painted)).toBe(40);
    expect(painted[index({ day: 4, hour: 7 })]).toBe(0);
    expect(painted[index({ day: 4, hour: 8 })]).toBe(1);
    expect(painted[index({ day: 5, hour: 0 })]).toBe(1);
  });

  it("paints the same rectangle whichever corner the drag starts from, and leaves the input alone", () => {
    const week = alwaysAwake();
    const a = paintRect(week, { day: 3, hour: 20 }, { day: 1, hour: 18 }, 0);
    const b = paintRect(week, { day: 1, hour: 18 }, { day: 3, hour: 20 }, 0);
    expect(a).toEqual(b);
    expect(asleepHours(a)).toBe(9);
    expect(asleepHours(week)).toBe(0);
  });
});

describe("keyboard cursor", () => {
  it("moves by arrows and stays inside the week", () => {
    expect(move({ day: 0, hour: 0 }, "ArrowLeft")).toEqual({ day: 0, hour: 0 });
    expect(move({ day: 0, hour: 0 }, "ArrowDown")).toEqual({ day: 1, hour: 0 });
    expect(move({ day: 6, hour: 23 }, "ArrowRight")).toEqual({ day: 6, hour: 23 });
    expect(move({ day: 2, hour: 5 }, "End")).toEqual({ day: 2, hour: 23 });
  });
});

describe("saving estimate", () => {
  it("work hours sleep 108 of 168 hours, so a $1,680 cluster saves $1,080 a month", () => {
    expect(asleepHours(workHours())).toBe(108);
    expect(estimatedMonthlySaving(workHours(), 1680)).toBeCloseTo(1080, 6);
  });

  it("accepts only 168 zeros and ones", () => {
    expect(isValidMatrix(workHours())).toBe(true);
    expect(isValidMatrix(workHours().slice(1))).toBe(false);
    expect(isValidMatrix([...workHours().slice(1), 2])).toBe(false);
  });
});
