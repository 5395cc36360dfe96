/** Boot: delete data of accounts that signed out, register the service worker, mount. */
import { render } from "preact"
import { deleteSignedOutData, finishPendingSignOut } from "./plans/session"
import { registerServiceWorker } from "./pwa/register"
import { App } from "./ui/app"
import "./styles.css"

async function boot(): Promise<void> {
  await deleteSignedOutData()
  void finishPendingSignOut()
  addEventListener("online", () => void finishPendingSignOut())
  registerServiceWorker()
  const root = document.getElementById("app")
  if (root === null) throw new Error("index.html has no #app element")
  render(<App />, root)
}

void boot()
