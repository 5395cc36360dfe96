/**
 * My devices: the browsers signed in to this account and its device tokens. Any of them
 * but this one can be ended here (this one signs out on the home screen, which also
 * clears the phone); the server closes its connections at once.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { api, type Device } from "../api/client"
import type { Session } from "../plans/session"
import { Notice, useAction } from "./action"
import { formatTime } from "./format"

function kindName(device: Device): string {
  return device.kind === "token" ? "Device token" : "Signed-in browser"
}

export function Devices({ session }: { session: Session }) {
  const [devices, setDevices] = useState<Device[] | undefined>(undefined)
  const [ended, setEnded] = useState("")
  const { busy, error, run } = useAction()
  const heading = useRef<HTMLHeadingElement>(null)

  const load = () => run(async () => setDevices(await api.devices()))
  useEffect(() => {
    void load()
  }, [session])

  const end = (device: Device) =>
    run(async () => {
      await api.endDevice(device.id)
      setEnded(`Ended: ${device.label}. It is signed out now.`)
      setDevices(await api.devices())
      heading.current?.focus() // the row and its button are gone
    })

  return (
    <section aria-labelledby="devices-title">
      <p>
        <a href="#/">Back to my plans</a>
      </p>
      <h1 id="devices-title" ref={heading} tabIndex={-1}>
        My devices
      </h1>
      <p>
        Everything signed in to your account. If you do not recognise one, or
        lost a phone, end it: it is signed out at once.
      </p>
      <p role="status">{ended}</p>
      <Notice>{error}</Notice>
      {devices === undefined ? (
        busy ? (
          <p>Loading…</p>
        ) : null
      ) : (
        <ul class="devices">
          {devices.map((device) => (
            <li key={device.id} class="card device">
              <h2>
                {device.label}
                {device.current ? (
                  <span class="current"> (this device)</span>
                ) : null}
              </h2>
              <p class="muted">{kindName(device)}</p>
              <p>Since {formatTime(Date.parse(device.createdAt))}</p>
              <p>
                {device.lastUsedAt
                  ? `Last used ${formatTime(Date.parse(device.lastUsedAt))}`
                  : "Not used yet"}
              </p>
              {device.current ? (
                <p class="muted">
                  To end this one, sign out on the home screen.
                </p>
              ) : (
                <button
                  type="button"
                  class="danger"
                  disabled={busy}
                  aria-label={`End ${device.label} (${kindName(device).toLowerCase()}, since ${formatTime(Date.parse(device.createdAt))})`}
                  onClick={() => void end(device)}
                >
                  End
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
