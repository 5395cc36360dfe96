/** "A new version is ready": the service worker waits until the person says so. */
import { useEffect, useState } from "preact/hooks"
import { applyUpdate, onUpdateReady } from "../pwa/register"

export function UpdateBanner() {
  const [ready, setReady] = useState(false)
  useEffect(() => onUpdateReady(() => setReady(true)), [])
  if (!ready) return null
  return (
    <p class="banner" role="status">
      A new version of the app is ready.{" "}
      <button type="button" onClick={applyUpdate}>
        Update now
      </button>
    </p>
  )
}
