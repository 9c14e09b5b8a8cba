import { impersonationProblem, lightClass, minutesLeft, usdMonth } from "./admin";

describe("admin helpers", () => {
  it("maps the API's lights to the stylesheet's", () => {
    expect([lightClass("green"), lightClass("yellow"), lightClass("red"), lightClass(undefined)]).toEqual(["green", "amber", "red", ""]);
  });

  it("counts whole minutes left and stops at zero", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    expect(minutesLeft("2026-12-01T10:14:01Z", now)).toBe(15);
    expect(minutesLeft("2026-12-01T09:59:00Z", now)).toBe(0);
    expect(minutesLeft("not a date", now)).toBe(0);
  });

  it("checks an impersonation request as the API does", () => {
    expect(impersonationProblem("short", 15)).toMatch(/10 characters/);
    expect(impersonationProblem("the client asked us to look", 61)).toMatch(/between 1 and 60/);
    expect(impersonationProblem("the client asked us to look", 15)).toBeNull();
  });

  it("formats monthly money", () => {
    expect(usdMonth(12.5)).toBe("$12.50/mo");
    expect(usdMonth(1234.56)).toBe("$1,235/mo");
  });
});
