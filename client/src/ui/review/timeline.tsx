/** A picture of the plan's history: one row per person, a mark per change. */
import type { ChangeRecord } from "../../api/review"
import { roleName } from "../format"
import { changeMs } from "./history"

const WIDTH = 320
const ROW = 28
const LEFT = 8
const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" })

type Row = { key: string; label: string; times: number[] }

function rows(changes: ChangeRecord[]): Row[] {
  const byPerson = new Map<string, Row>()
  for (const c of changes) {
    const key = c.userId ?? "former"
    const name = c.displayName ?? "a former member"
    const label =
      c.role && c.role !== "person" ? `${name} (${roleName(c.role)})` : name
    const row = byPerson.get(key) ?? { key, label, times: [] }
    row.times.push(changeMs(c))
    byPerson.set(key, row)
  }
  return [...byPerson.values()]
}

export function Timeline({ changes }: { changes: ChangeRecord[] }) {
  const people = rows(changes)
  const times = people.flatMap((r) => r.times)
  if (times.length === 0) return <p class="empty">No changes yet.</p>
  const first = Math.min(...times)
  const last = Math.max(...times)
  const span = Math.max(last - first, 1)
  const x = (t: number) => LEFT + ((t - first) / span) * (WIDTH - 2 * LEFT)
  const height = people.length * ROW * 2 + 24
  return (
    <figure class="timeline">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby="timeline-title"
      >
        <title id="timeline-title">
          Who changed the plan when, from {day.format(first)} to{" "}
          {day.format(last)}
        </title>
        {people.map((row, i) => {
          const y = i * ROW * 2 + ROW
          return (
            <g key={row.key}>
              <text x={LEFT} y={y - 8} class="timeline-label">
                {row.label}
              </text>
              <line
                x1={LEFT}
                x2={WIDTH - LEFT}
                y1={y + 6}
                y2={y + 6}
                class="timeline-axis"
              />
              {row.times.map((t, j) => (
                <circle
                  key={j}
                  cx={x(t)}
                  cy={y + 6}
                  r={5}
                  class={`timeline-dot dot-${i % 4}`}
                />
              ))}
            </g>
          )
        })}
        <text x={LEFT} y={height - 4} class="timeline-label">
          {day.format(first)}
        </text>
        <text
          x={WIDTH - LEFT}
          y={height - 4}
          text-anchor="end"
          class="timeline-label"
        >
          {day.format(last)}
        </text>
      </svg>
      <figcaption>
        {people.map((r) => `${r.label}: ${r.times.length}`).join(" · ")}
      </figcaption>
    </figure>
  )
}
