import { describe, expect, it } from "vitest"
import { sections, unseenBy } from "./template"

const title = (id: string) => sections.find((s) => s.id === id)?.title

describe("what a role will not see", () => {
  it("is, for a carer, reasons for living, advance preferences and other carers' notes", () => {
    expect(unseenBy("carer")).toEqual([
      title("reasons"),
      title("advance-preferences"),
      "other carers' notes",
    ])
  })

  it("is, for a clinician, reasons for living only", () => {
    expect(unseenBy("clinician")).toEqual([title("reasons")])
  })

  it("is, for a viewer, everything that is not shared with everyone", () => {
    expect(unseenBy("viewer")).toEqual([
      title("reasons"),
      title("advance-preferences"),
      "carers' notes",
    ])
  })

  it("is, for the person, only the carers' own notes", () => {
    expect(unseenBy("person")).toEqual(["carers' notes"])
  })
})
