// client-hib-grid-unique-indep-drag-paint: the 7 × 24 week painted by click-and-drag or by keyboard.
// Mouse: press on a cell and drag; the rectangle takes the opposite of the first cell's state.
// Keyboard: arrows move, Space/Enter toggles, Shift+arrow paints the cell moved to with the cursor's state.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { DAYS, HOURS, index, move, paintRect, type Cell } from "../lib/schedule";

interface Props {
  value: readonly number[];
  onChange: (matrix: number[]) => void;
  disabled?: boolean;
}

interface Drag {
  anchor: Cell;
  current: Cell;
  paint: 0 | 1;
}

export function ScheduleGrid({ value, onChange, disabled = false }: Props) {
  const [drag, setDrag] = useState<Drag | null>(null);
  const [cursor, setCursor] = useState<Cell>({ day: 0, hour: 0 });
  const cells = useRef(new Map<number, HTMLDivElement>());
  const dragRef = useRef<Drag | null>(null);
  dragRef.current = drag;

  useEffect(() => {
    const finish = () => {
      const d = dragRef.current;
      if (!d) return;
      setDrag(null);
      onChange(paintRect(value, d.anchor, d.current, d.paint));
    };
    window.addEventListener("mouseup", finish);
    return () => window.removeEventListener("mouseup", finish);
  }, [value, onChange]);

  const shown = drag ? paintRect(value, drag.anchor, drag.current, drag.paint) : value;

  const focusCell = (cell: Cell) => {
    setCursor(cell);
    cells.current.get(index(cell))?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>, cell: Cell) => {
    if (disabled) return;
    if (e.key === " " || e.key === "Enter") {
      e.preventDefault();
      onChange(paintRect(value, cell, cell, value[index(cell)] ? 0 : 1));
      return;
    }
    const next = move(cell, e.key);
    if (next === cell) return;
    e.preventDefault();
    if (e.shiftKey) onChange(paintRect(value, next, next, value[index(cell)] ? 1 : 0));
    focusCell(next);
  };

  return (
    <div className="schedule" role="grid" aria-label="Weekly schedule: awake hours are filled" aria-readonly={disabled} aria-rowcount={7} aria-colcount={25}>
      <div role="row" className="schedule-row schedule-head">
        <span role="columnheader" className="schedule-day" />
        {Array.from({ length: HOURS }, (_, h) => (
          <span role="columnheader" key={h} className="schedule-hour">
            {h % 3 === 0 ? String(h).padStart(2, "0") : ""}
          </span>
        ))}
      </div>
      {DAYS.map((dayName, day) => (
        <div role="row" className="schedule-row" key={dayName}>
          <span role="rowheader" className="schedule-day">
            {dayName}
          </span>
          {Array.from({ length: HOURS }, (_, hour) => {
            const cell = { day, hour };
            const i = index(cell);
            const awake = shown[i] === 1;
            const focused = cursor.day === day && cursor.hour === hour;
            return (
              <div
                key={hour}
                role="gridcell"
                ref={(el) => {
                  if (el) cells.current.set(i, el);
                }}
                data-cell={i}
                tabIndex={focused ? 0 : -1}
                aria-selected={awake}
                aria-label={`${dayName} ${String(hour).padStart(2, "0")}:00 ${awake ? "awake" : "asleep"}`}
                className={`schedule-cell ${awake ? "awake" : "asleep"}`}
                onMouseDown={(e) => {
                  if (disabled || e.button !== 0) return;
                  e.preventDefault();
                  setCursor(cell);
                  setDrag({ anchor: cell, current: cell, paint: value[i] ? 0 : 1 });
                }}
                onMouseOver={() => {
                  if (dragRef.current) setDrag({ ...dragRef.current, current: cell });
                }}
                onFocus={() => setCursor(cell)}
                onKeyDown={(e) => onKeyDown(e, cell)}
              />
            );
          })}
        </div>
      ))}
    </div>
  );
}
