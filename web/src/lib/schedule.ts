// The hibernation week: 168 cells, `weekday * 24 + hour`, Monday 00:00 first, 1 = awake (docs/config-api.md).
export const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export const HOURS = 24;
export const CELLS = DAYS.length * HOURS;

export interface Cell {
  day: number;
  hour: number;
}

export const index = ({ day, hour }: Cell): number => day * HOURS + hour;

export const alwaysAwake = (): number[] => Array.from({ length: CELLS }, () => 1);

/** Work hours: Monday to Friday 08:00–19:59 awake, everything else asleep. */
export const workHours = (): number[] =>
  Array.from({ length: CELLS }, (_, i) => (Math.floor(i / HOURS) < 5 && i % HOURS >= 8 && i % HOURS < 20 ? 1 : 0));

/** Fill the rectangle spanned by two cells (a click-and-drag) with `value`; a new matrix. */
export function paintRect(matrix: readonly number[], a: Cell, b: Cell, value: 0 | 1): number[] {
  const next = matrix.slice();
  const [d0, d1] = [Math.min(a.day, b.day), Math.max(a.day, b.day)];
  const [h0, h1] = [Math.min(a.hour, b.hour), Math.max(a.hour, b.hour)];
  for (let d = d0; d <= d1; d++) for (let h = h0; h <= h1; h++) next[index({ day: d, hour: h })] = value;
  return next;
}

/** Move a keyboard cursor by arrow keys, staying inside the week. */
export function move(cell: Cell, key: string): Cell {
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max, v));
  switch (key) {
    case "ArrowLeft":
      return { ...cell, hour: clamp(cell.hour - 1, HOURS - 1) };
    case "ArrowRight":
      return { ...cell, hour: clamp(cell.hour + 1, HOURS - 1) };
    case "ArrowUp":
      return { ...cell, day: clamp(cell.day - 1, DAYS.length - 1) };
    case "ArrowDown":
      return { ...cell, day: clamp(cell.day + 1, DAYS.length - 1) };
    case "Home":
      return { ...cell, hour: 0 };
    case "End":
      return { ...cell, hour: HOURS - 1 };
    default:
      return cell;
  }
}

export const asleepHours = (matrix: readonly number[]): number => matrix.filter((v) => v === 0).length;

/** Monthly saving of sleeping: the cluster's monthly cost times the share of the week it sleeps. */
export const estimatedMonthlySaving = (matrix: readonly number[], monthlyCost: number): number =>
  (monthlyCost * asleepHours(matrix)) / CELLS;

/** Whether the matrix is the 168 × 0/1 shape the API accepts. */
export const isValidMatrix = (matrix: unknown): matrix is number[] =>
  Array.isArray(matrix) && matrix.length === CELLS && matrix.every((v) => v === 0 || v === 1);
